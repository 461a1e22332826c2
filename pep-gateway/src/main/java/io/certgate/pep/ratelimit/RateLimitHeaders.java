package io.certgate.pep.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The response headers of draft-ietf-httpapi-ratelimit-headers (structured fields):
 * {@code RateLimit-Policy: "name";q=100;w=1} (quota q per window w seconds) and
 * {@code RateLimit: "name";r=7;t=1} (r remaining, t seconds until the quota is restored), plus
 * {@code Retry-After} (RFC 9110) on a refusal.
 */
public final class RateLimitHeaders {
    public static final String POLICY = "ratelimit-policy";
    public static final String STATE = "ratelimit";

    private RateLimitHeaders() {}

    /** The headers describing {@code v}; with {@code retry-after} when it refused the request. */
    public static Map<String, String> of(Verdict v) {
        Map<String, String> out = new LinkedHashMap<>();
        String name = '"' + v.name().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        out.put(POLICY, name + ";q=" + v.quota().rate() + ";w=" + v.quota().windowSeconds());
        long t = v.allowed() ? (v.resetNanos() + 999_999_999L) / 1_000_000_000L : v.retryAfterSeconds();
        out.put(STATE, name + ";r=" + v.remaining() + ";t=" + t);
        if (!v.allowed()) {
            out.put("retry-after", Long.toString(v.retryAfterSeconds()));
        }
        return out;
    }
}
