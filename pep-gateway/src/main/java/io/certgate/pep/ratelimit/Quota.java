package io.certgate.pep.ratelimit;

import java.time.Duration;

/**
 * How much one key may send: {@code rate} requests per {@code period}, refilled evenly (greedy token
 * bucket), with bursts of up to {@code burst} requests after a quiet spell.
 */
public record Quota(long rate, Duration period, long burst) {
    private static final Duration MAX_PERIOD = Duration.ofDays(31);
    private static final long MAX_COUNT = 1_000_000_000L;

    public Quota {
        if (rate <= 0) {
            throw new IllegalArgumentException("rate must be a positive integer, got " + rate);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive, got " + period);
        }
        if (period.compareTo(MAX_PERIOD) > 0) {
            throw new IllegalArgumentException("period must be at most 31d, got " + period);
        }
        if (rate > MAX_COUNT || burst > MAX_COUNT) {
            throw new IllegalArgumentException("rate and burst must be at most " + MAX_COUNT);
        }
        if (burst <= 0) {
            throw new IllegalArgumentException("burst must be a positive integer, got " + burst);
        }
    }

    /** The period in whole seconds, at least 1 (the {@code w} of {@code RateLimit-Policy}). */
    public long windowSeconds() {
        return Math.max(1, (period.toMillis() + 999) / 1000);
    }

    /**
     * Parses a period: a positive integer followed by {@code ms}, {@code s}, {@code m}, {@code h} or
     * {@code d} ({@code 1s}, {@code 10m}).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Duration period(String text) {
        var m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h|d)").matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("period must be a positive duration like 1s, 500ms, 10m, 1h or 1d, got '"
                    + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
