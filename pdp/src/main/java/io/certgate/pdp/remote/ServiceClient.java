package io.certgate.pdp.remote;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.auth.AuthToken;
import java.util.concurrent.CompletableFuture;

/**
 * An asynchronous client of one {@link RemoteService}: bearer token, client certificate and CA as
 * configured, every request bounded by the service's response timeout. Callers never wait on its
 * futures from an event loop.
 */
public final class ServiceClient implements AutoCloseable {
    /** Management servers answer uploads with little; a large answer is read no further. */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private final RemoteService service;
    private final ClientFactory factory;
    private final WebClient client;

    public ServiceClient(RemoteService service) {
        this.service = service;
        this.factory = ClientFactory.builder()
                .tlsCustomizer(tls -> {
                    if (service.caFile() != null) {
                        tls.trustManager(service.caFile().toFile());
                    }
                    if (service.clientCert() != null && service.clientKey() != null) {
                        tls.keyManager(service.clientCert().toFile(), service.clientKey().toFile());
                    }
                })
                .build();
        var b = WebClient.builder(service.url())
                .factory(factory)
                .responseTimeout(service.responseTimeout())
                .responseTimeoutMode(ResponseTimeoutMode.FROM_START)
                .maxResponseLength(MAX_RESPONSE_BYTES);
        if (service.bearerToken() != null) {
            b.auth(AuthToken.ofOAuth2(service.bearerToken()));
        }
        this.client = b.build();
    }

    public RemoteService service() {
        return service;
    }

    /**
     * POSTs JSON to {@code resource} (a path below the service URL).
     *
     * @param gzipped whether {@code body} is gzip-compressed (sent with {@code Content-Encoding: gzip})
     */
    public CompletableFuture<AggregatedHttpResponse> postJson(String resource, byte[] body, boolean gzipped) {
        RequestHeadersBuilder h = RequestHeaders.builder(HttpMethod.POST, resource)
                .contentType(MediaType.JSON_UTF_8);
        if (gzipped) {
            h.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
        }
        return client.execute(h.build(), HttpData.wrap(body)).aggregate();
    }

    @Override
    public void close() {
        factory.closeAsync();
    }
}
