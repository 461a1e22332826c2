package io.certgate.pdp.boundary;

import com.linecorp.armeria.common.annotation.Nullable;

/**
 * A request as the trust boundary interprets it, built once per request at every entry point: the policy,
 * {@code policy.when}, the decision cache, the logs and the upstream all see exactly these values.
 *
 * @param method upper-case HTTP method
 * @param path canonical path (see {@link RequestCanonicalizer}); what the upstream receives
 * @param query the raw query (validated, not rewritten), or null when the target has none
 * @param host lower-case host without port or trailing dot, or null when the request names none
 * @param authority the checked authority ({@code host[:port]}) as the client sent it, or null
 */
public record CanonicalRequest(String method, String path, @Nullable String query, @Nullable String host,
        @Nullable String authority) {

    /** The origin-form request target to send upstream: path and query. */
    public String target() {
        return query == null ? path : path + '?' + query;
    }
}
