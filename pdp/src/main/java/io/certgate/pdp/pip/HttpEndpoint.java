package io.certgate.pdp.pip;

import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.auth.AuthToken;
import io.certgate.pdp.config.ConfigNode;
import java.net.URI;
import java.time.Duration;

/**
 * An HTTP provider's server: {@code base_url} and an optional bearer token ({@code token}, or the
 * environment variable named by {@code token_env}).
 */
record HttpEndpoint(URI baseUrl, @Nullable String bearerToken) {
    /** Largest answer read from a provider; a larger one is an error, not a truncated fact. */
    static final int MAX_RESPONSE_BYTES = 256 * 1024;

    static HttpEndpoint parse(ConfigNode s) {
        String url = s.string("base_url", null);
        URI uri = URI.create("http://invalid/");
        if (url == null) {
            s.error("base_url", "is required (e.g. https://posture.example.com/api)");
        } else {
            try {
                uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
                if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                    s.error("base_url", "must be an http(s) URL, got '" + url + "'");
                }
            } catch (IllegalArgumentException e) {
                s.error("base_url", "is not a URL: " + e.getMessage());
            }
        }
        String token = s.string("token", null);
        String tokenEnv = s.string("token_env", null);
        if (tokenEnv != null) {
            token = System.getenv(tokenEnv);
            if (token == null) {
                s.error("token_env", "environment variable " + tokenEnv + " is not set");
            }
        }
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
