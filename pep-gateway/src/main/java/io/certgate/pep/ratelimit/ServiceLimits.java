package io.certgate.pep.ratelimit;

import java.util.List;

/**
 * A service's {@code rate_limits:}.
 *
 * @param rules the limits from {@code gateway.yaml} (the policy may add more per decision)
 * @param reportOnly count and log what would be limited, never answer 429
 * @param onStoreUnavailable what happens while the shared store cannot answer
 * @param upstreamHeaders send {@code RateLimit} / {@code RateLimit-Policy} to the upstream too
 */
public record ServiceLimits(List<LimitRule> rules, boolean reportOnly, Fallback onStoreUnavailable,
        boolean upstreamHeaders) {
    public ServiceLimits {
        rules = List.copyOf(rules);
    }

    public static ServiceLimits none() {
        return new ServiceLimits(List.of(), false, Fallback.LOCAL, false);
    }

    /** While the shared store is unavailable (down, slower than its deadline, breaker open). */
    public enum Fallback {
        /** enforce the same limit in this replica's memory (so the cluster admits up to replicas × budget) */
        LOCAL,
        /** let every request through */
        ALLOW,
        /** refuse with 503 */
        DENY
    }
}
