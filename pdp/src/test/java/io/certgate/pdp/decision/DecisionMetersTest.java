package io.certgate.pdp.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Meters resolved once still count under the right tags, each combination on its own. */
class DecisionMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DecisionMeters meters = new DecisionMeters(registry);

    @Test
    void countsEachCombinationUnderItsTags() {
        long start = System.nanoTime();
        meters.decided(Protocol.GRPC, "allow", "a/decision", start);
        meters.decided(Protocol.GRPC, "allow", "a/decision", start);
        meters.decided(Protocol.GRPC, "deny", "a/decision", start);
        meters.decided(Protocol.REST, "allow", "b/decision", start);

        assertThat(registry.get("pdp_decisions_total").tags("effect", "allow", "entrypoint", "a/decision",
                "protocol", Protocol.GRPC.label()).counter().count()).isEqualTo(2);
        assertThat(registry.get("pdp_decisions_total").tags("effect", "deny", "entrypoint", "a/decision",
                "protocol", Protocol.GRPC.label()).counter().count()).isEqualTo(1);
        assertThat(registry.get("pdp_decisions_total").tags("effect", "allow", "entrypoint", "b/decision",
                "protocol", Protocol.REST.label()).counter().count()).isEqualTo(1);
        assertThat(registry.get("pdp_decision_duration").tag("protocol", Protocol.GRPC.label()).timer().count())
                .isEqualTo(3);
        assertThat(registry.get("pdp_decision_duration").tag("protocol", Protocol.REST.label()).timer().count())
                .isEqualTo(1);
    }

    @Test
    void countsReasonsAndErrorsByCodeAndKind() {
        meters.reason("IP_DENIED");
        meters.reason("IP_DENIED");
        meters.reason("CERT_EXPIRED");
        meters.policyError("BUSY");

        assertThat(registry.get("pdp_decision_reasons_total").tag("code", "IP_DENIED").counter().count()).isEqualTo(2);
        assertThat(registry.get("pdp_decision_reasons_total").tag("code", "CERT_EXPIRED").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("pdp_policy_errors_total").tag("kind", "BUSY").counter().count()).isEqualTo(1);
    }
}
