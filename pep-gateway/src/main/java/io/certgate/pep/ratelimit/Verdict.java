package io.certgate.pep.ratelimit;

/**
 * What one limit said about one request.
 *
 * @param name the limit's name
 * @param key the key the request was counted under
 * @param quota the limit
 * @param allowed whether a token was available
 * @param remaining tokens left after this request
 * @param resetNanos until the bucket is full again (when allowed) or until the next token (when not)
 * @param degraded counted by the local fallback (or not at all) because the shared store was unavailable
 */
public record Verdict(String name, String key, Quota quota, boolean allowed, long remaining, long resetNanos,
        boolean degraded) {

    /** Seconds until a refused request may be retried, at least 1. */
    public long retryAfterSeconds() {
        return Math.max(1, (resetNanos + 999_999_999L) / 1_000_000_000L);
    }

    /** Of two verdicts, the one a client must heed: a refusal, else the fewest remaining. */
    public static Verdict tighter(Verdict a, Verdict b) {
        if (a.allowed != b.allowed) {
            return a.allowed ? b : a;
        }
        return b.remaining < a.remaining ? b : a;
    }
}
