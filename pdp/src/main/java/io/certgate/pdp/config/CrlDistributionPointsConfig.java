package io.certgate.pdp.config;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.CrlDistributionPoints;
import java.time.Duration;

/**
 * Reads a {@code crl_distribution_points} section (a gateway service's {@code mtls.}, the PDP's {@code interop.}):
 * <pre>{@code
 * crl_distribution_points: {enabled: true, soft_fail: false, refresh_interval_ms: 3600000, timeout_ms: 5000,
 *                           grace_ms: 0, max_bytes: 10485760}
 * }</pre>
 * {@code soft_fail} has no default: what happens without a usable CRL is the operator's explicit choice.
 */
public final class CrlDistributionPointsConfig {
    /** The largest {@code max_bytes} accepted. */
    public static final int MAX_BYTES_LIMIT = 64 * 1024 * 1024;

    private CrlDistributionPointsConfig() {
    }

    /** The settings, or null when the section is absent or {@code enabled: false}. */
    @Nullable
    public static CrlDistributionPoints.Settings parse(ConfigNode node) {
        boolean enabled = node.bool("enabled", false);
        int refresh = node.integer("refresh_interval_ms",
                millis(CrlDistributionPoints.Settings.DEFAULT_REFRESH_INTERVAL), 1000, Integer.MAX_VALUE);
        int timeout = node.integer("timeout_ms", millis(CrlDistributionPoints.Settings.DEFAULT_TIMEOUT), 1, 600_000);
        int grace = node.integer("grace_ms", millis(CrlDistributionPoints.Settings.DEFAULT_GRACE), 0,
                Integer.MAX_VALUE);
        int maxBytes = node.integer("max_bytes", CrlDistributionPoints.Settings.DEFAULT_MAX_BYTES, 1024,
                MAX_BYTES_LIMIT);
        boolean softFailGiven = node.has("soft_fail");
        boolean softFail = node.bool("soft_fail", false);
        node.rejectUnknownKeys();
        if (!enabled) {
            return null;
        }
        if (!softFailGiven) {
            node.error("soft_fail", "required when enabled: true: without a usable CRL, accept the certificate "
                    + "as if there were no CRL (true) or reject it with 3/12 (false)");
        }
        return new CrlDistributionPoints.Settings(Duration.ofMillis(refresh), Duration.ofMillis(timeout),
                Duration.ofMillis(grace), maxBytes, softFail);
    }

    private static int millis(Duration d) {
        return (int) d.toMillis();
    }
}
