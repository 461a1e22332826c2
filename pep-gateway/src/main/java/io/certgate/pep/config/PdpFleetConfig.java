package io.certgate.pep.config;

import io.certgate.pdp.config.ConfigNode;
import java.time.Duration;
import java.util.List;

/**
 * How a gateway spreads decisions over remote PDPs ({@code pdp.lb}, {@code pdp.health_check},
 * {@code pdp.circuit_breaker}): which endpoint is asked first, how endpoints are probed, and when an endpoint
 * that keeps failing is taken out of rotation.
 *
 * @param lb {@code round_robin} spreads decisions; {@code failover} asks the first usable endpoint in list order
 * @param healthCheck periodic probes of each PDP's {@code /health}
 * @param circuitBreaker one breaker per endpoint
 */
public record PdpFleetConfig(LoadBalancing lb, HealthCheck healthCheck, CircuitBreaker circuitBreaker) {

    /** The order in which endpoints are tried. */
    public enum LoadBalancing { ROUND_ROBIN, FAILOVER }

    /**
     * @param enabled probe endpoints; off = every endpoint counts as healthy, only its breaker takes it out
     * @param interval time between probes of one endpoint
     * @param path the PDP's readiness path (200 only with an active bundle)
     */
    public record HealthCheck(boolean enabled, Duration interval, String path) {}

    /**
     * @param failureRateThreshold percentage of failed calls in the window that opens the breaker
     * @param minimumCalls calls recorded before the failure rate counts
     * @param windowSize the last calls the failure rate is computed over
     * @param open how long an open breaker rejects calls before it lets trial calls through (half-open)
     * @param halfOpenCalls trial calls in half-open; their failure rate closes or reopens the breaker
     */
    public record CircuitBreaker(int failureRateThreshold, int minimumCalls, int windowSize, Duration open,
            int halfOpenCalls) {}

    public static PdpFleetConfig defaults() {
        return new PdpFleetConfig(LoadBalancing.ROUND_ROBIN, new HealthCheck(true, Duration.ofSeconds(3), "/health"),
                new CircuitBreaker(50, 10, 20, Duration.ofSeconds(5), 3));
    }

    /** Reads {@code lb}, {@code health_check} and {@code circuit_breaker} of the {@code pdp:} section. */
    static PdpFleetConfig parse(ConfigNode pdp) {
        PdpFleetConfig d = defaults();
        LoadBalancing lb = "failover".equals(pdp.oneOf("lb", "round_robin", List.of("round_robin", "failover")))
                ? LoadBalancing.FAILOVER : LoadBalancing.ROUND_ROBIN;

        ConfigNode h = pdp.section("health_check");
        boolean enabled = h.bool("enabled", d.healthCheck().enabled());
        int interval = h.integer("interval_ms", (int) d.healthCheck().interval().toMillis(), 100, 600_000);
        String path = h.string("path", d.healthCheck().path());
        if (!path.startsWith("/")) {
            h.error("path", "must be an absolute path such as /health, got '" + path + "'");
        }
        h.rejectUnknownKeys();

        ConfigNode b = pdp.section("circuit_breaker");
        CircuitBreaker db = d.circuitBreaker();
        int rate = b.integer("failure_rate_threshold", db.failureRateThreshold(), 1, 100);
        int minimum = b.integer("minimum_calls", db.minimumCalls(), 1, 10_000);
        int window = b.integer("window_size", Math.max(db.windowSize(), minimum), 1, 10_000);
        if (window < minimum) {
            b.error("window_size", "must be at least minimum_calls (" + minimum + "), got " + window);
        }
        int open = b.integer("open_ms", (int) db.open().toMillis(), 10, 3_600_000);
        int halfOpen = b.integer("half_open_calls", db.halfOpenCalls(), 1, 1000);
        b.rejectUnknownKeys();
        return new PdpFleetConfig(lb, new HealthCheck(enabled, Duration.ofMillis(interval), path),
                new CircuitBreaker(rate, minimum, window, Duration.ofMillis(open), halfOpen));
    }
}
