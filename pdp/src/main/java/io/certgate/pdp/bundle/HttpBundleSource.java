package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A bundle served over HTTP(S), polled with {@code If-None-Match} so an unchanged bundle costs a 304.
 * Bodies over {@link BundleReader#MAX_BYTES} are refused without being buffered whole.
 */
public final class HttpBundleSource implements BundleSource {
    private final URI uri;
    private final HttpClient client;
    private final Duration timeout;
    @Nullable
    private String etag;

    public HttpBundleSource(URI uri, Duration timeout) {
        this.uri = uri;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public String describe() {
        return uri.toString();
    }

    @Override
    @Nullable
    public byte[] poll() throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        if (etag != null) {
            req.header("If-None-Match", etag);
        }
        HttpResponse<InputStream> res = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = res.body()) {
            if (res.statusCode() == 304) {
                return null;
            }
            if (res.statusCode() != 200) {
                throw new IOException("bundle server " + uri + " answered HTTP " + res.statusCode());
            }
            byte[] bytes = body.readNBytes((int) BundleReader.MAX_BYTES + 1);
            if (bytes.length > BundleReader.MAX_BYTES) {
                throw new IOException("bundle at " + uri + " is larger than " + BundleReader.MAX_BYTES + " bytes");
            }
            etag = res.headers().firstValue("ETag").orElse(null);
            return bytes;
        }
    }
}
