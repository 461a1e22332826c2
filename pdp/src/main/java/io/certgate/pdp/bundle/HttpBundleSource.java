package io.certgate.pdp.bundle;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.util.Exceptions;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/**
 * A bundle served over HTTP(S), polled with {@code If-None-Match} so an unchanged bundle costs a 304.
 * Bodies over {@link BundleReader#MAX_BYTES} are refused without being buffered whole.
 */
public final class HttpBundleSource implements BundleSource {
    private final URI uri;
    private final WebClient client;
    @Nullable
    private String etag;

    public HttpBundleSource(URI uri, Duration timeout) {
        this.uri = uri;
        this.client = WebClient.builder()
                .responseTimeout(timeout)
                .maxResponseLength(BundleReader.MAX_BYTES)
                .followRedirects()
                .build();
    }

    @Override
    public String describe() {
        return uri.toString();
    }

    /** Blocks until the answer is in: called on the bundle poller's thread, never on an event loop. */
    @Override
    @Nullable
    public byte[] poll() throws IOException {
        RequestHeadersBuilder req = RequestHeaders.builder(HttpMethod.GET, uri.toString());
        if (etag != null) {
            req.set(HttpHeaderNames.IF_NONE_MATCH, etag);
        }
        AggregatedHttpResponse res;
        try {
            res = client.execute(req.build()).aggregate().join();
        } catch (CompletionException e) {
            Throwable cause = Exceptions.peel(e);
            if (cause instanceof ContentTooLargeException) {
                throw new IOException("bundle at " + uri + " is larger than " + BundleReader.MAX_BYTES + " bytes");
            }
            throw new IOException("bundle server " + uri + ": " + cause, cause);
        }
        if (res.status().code() == 304) {
            return null;
        }
        if (res.status().code() != 200) {
            throw new IOException("bundle server " + uri + " answered HTTP " + res.status().code());
        }
        etag = res.headers().get(HttpHeaderNames.ETAG);
        return res.content().array();
    }
}
