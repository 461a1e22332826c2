package io.certgate.pdp.pip;

import io.certgate.pdp.config.ConfigNode;
import java.time.Duration;

/**
 * How one provider's outbound calls are bounded and cached: a deadline per call, a cap on concurrent
 * calls, a circuit breaker, and a cache whose entries are fresh for {@code cacheTtl}, refreshed in the
 * background after {@code refreshAfter}, and served as stale for at most {@code maxStale} past the
 * TTL while the provider fails.
 *
 * @param timeout deadline of one call (connect, request and answer)
 * @param maxConcurrency calls in flight at once; more fail fast as unavailable
 * @param cacheTtl how long an answer is used as is
 * @param refreshAfter age after which a hit also triggers a background refresh (at most {@code cacheTtl})
 * @param maxStale how long past {@code cacheTtl} an answer may still be served, marked stale, while calls fail
 * @param cacheSize entries kept
 * @param failureRatePercent failed calls (percent of the window) that open the breaker
 * @param minimumCalls calls the breaker needs to see before it computes a failure rate
 * @param windowCalls the breaker's sliding window, in calls
 * @param breakerOpen how long the breaker stays open before letting trial calls through
 */
public record ResilienceSettings(Duration timeout, int maxConcurrency, Duration cacheTtl, Duration refreshAfter,
        Duration maxStale, int cacheSize, int failureRatePercent, int minimumCalls, int windowCalls,
        Duration breakerOpen) {

    /** Defaults for directory and posture lookups. */
    public static ResilienceSettings defaults() {
        return new ResilienceSettings(Duration.ofMillis(250), 16, Duration.ofSeconds(300), Duration.ofSeconds(240),
                Duration.ofSeconds(900), 10_000, 50, 5, 20, Duration.ofSeconds(15));
    }

    /** Reads the common keys of a provider section ({@code timeout_ms}, {@code cache}, {@code breaker}). */
    static ResilienceSettings parse(ConfigNode section, ResilienceSettings d) {
        int timeout = section.integer("timeout_ms", (int) d.timeout().toMillis(), 1, 60_000);
        int concurrency = section.integer("max_concurrency", d.maxConcurrency(), 1, 1024);
        ConfigNode cache = section.section("cache");
        int ttl = cache.integer("ttl_seconds", (int) d.cacheTtl().toSeconds(), 1, 86_400);
        int refreshDefault = (int) Math.min(d.refreshAfter().toSeconds(), ttl * 4L / 5);
        int refresh = cache.integer("refresh_after_seconds", Math.max(refreshDefault, 1), 1, 86_400);
        if (refresh > ttl) {
            cache.error("refresh_after_seconds", "must be at most ttl_seconds (" + ttl + "), got " + refresh);
        }
        int stale = cache.integer("max_stale_seconds", (int) d.maxStale().toSeconds(), 0, 7 * 86_400);
        int size = cache.integer("size", d.cacheSize(), 1, 10_000_000);
        cache.rejectUnknownKeys();
        ConfigNode breaker = section.section("breaker");
        int rate = breaker.integer("failure_rate_percent", d.failureRatePercent(), 1, 100);
        int minimum = breaker.integer("minimum_calls", d.minimumCalls(), 1, 10_000);
        int window = breaker.integer("window_calls", d.windowCalls(), 1, 10_000);
        if (minimum > window) {
            breaker.error("minimum_calls", "must be at most window_calls (" + window + "), got " + minimum);
        }
        int open = breaker.integer("open_seconds", (int) d.breakerOpen().toSeconds(), 1, 3600);
        breaker.rejectUnknownKeys();
        return new ResilienceSettings(Duration.ofMillis(timeout), concurrency, Duration.ofSeconds(ttl),
                Duration.ofSeconds(Math.min(refresh, ttl)), Duration.ofSeconds(stale), size, rate, minimum, window,
                Duration.ofSeconds(open));
    }
}
