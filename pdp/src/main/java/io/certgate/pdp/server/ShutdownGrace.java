package io.certgate.pdp.server;

import com.linecorp.armeria.server.GracefulShutdown;
import java.time.Duration;

/**
 * How a stopping server drains: it keeps answering until no request has arrived for the quiet period
 * (at most one second, so a load balancer that still sends a few requests does not hold it up long),
 * and closes at the latest when the grace period ends; requests still running then are answered 503.
 * Zero stops at once.
 */
public record ShutdownGrace(Duration timeout) {
    /** Stops at once (Armeria's default): embedded and test servers have no one to drain for. */
    public static final ShutdownGrace NONE = new ShutdownGrace(Duration.ZERO);
    private static final Duration MAX_QUIET = Duration.ofSeconds(1);

    public ShutdownGrace {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("the shutdown grace period must not be negative: " + timeout);
        }
    }

    public static ShutdownGrace ofSeconds(long seconds) {
        return new ShutdownGrace(Duration.ofSeconds(seconds));
    }

    public GracefulShutdown toArmeria() {
        if (timeout.isZero()) {
            return GracefulShutdown.disabled();
        }
        Duration quiet = timeout.compareTo(MAX_QUIET) < 0 ? timeout : MAX_QUIET;
        return GracefulShutdown.builder().quietPeriod(quiet).timeout(timeout).build();
    }
}
