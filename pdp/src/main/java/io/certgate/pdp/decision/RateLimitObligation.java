package io.certgate.pdp.decision;

/**
 * A rate limit the policy attaches to an allow ({@code obligations.rate_limits[]}): the enforcement point
 * takes a token from the bucket {@code key} of limit {@code name} and answers 429 when it is empty.
 *
 * @param name the limit's name (in headers, logs and metrics), e.g. the identity class {@code partner}
 * @param key what is counted, e.g. the client id the policy resolved
 * @param rate requests per period
 * @param periodSeconds the period
 * @param burst the most requests accepted at once after a quiet spell (at least 1)
 */
public record RateLimitObligation(String name, String key, long rate, long periodSeconds, long burst) {}
