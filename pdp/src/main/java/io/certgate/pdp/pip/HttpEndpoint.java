package io.certgate.pdp.pip;

import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.auth.AuthToken;
import io.certgate.pdp.config.ConfigNode;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * An HTTP provider's server: {@code base_url} and an optional bearer token ({@code token}, or the
 * environment variable named by {@code token_env}).
 */
record HttpEndpoint(URI baseUrl, @Nullable String bearerToken) {
    /** Largest answer read from a provider; a larger one is an error, not a truncated fact. */
    static final int MAX_RESPONSE_BYTES = 256 * 1024;
    static final Set<String> HTTP = Set.of("http", "https");

    static HttpEndpoint parse(ConfigNode s) {
        URI uri = s.url("base_url", HTTP, "e.g. https://posture.example.com/api", "must be an http(s) URL");
        if (uri == null) {
            uri = URI.create("http://invalid/");
        } else if (uri.toString().endsWith("/")) {
            uri = URI.create(uri.toString().substring(0, uri.toString().length() - 1));
        }
        String token = s.secret("token", "token_env");
        return new HttpEndpoint(uri, token);
    }

    /** An async client whose every request, connection included, ends within {@code timeout}. */
    WebClient client(Duration timeout) {
        var b = WebClient.builder(baseUrl.toString())
                .responseTimeout(timeout)
                .responseTimeoutMode(ResponseTimeoutMode.FROM_START)
                .maxResponseLength(MAX_RESPONSE_BYTES);
        if (bearerToken != null) {
            b.auth(AuthToken.ofOAuth2(bearerToken));
        }
        return b.build();
    }
}
