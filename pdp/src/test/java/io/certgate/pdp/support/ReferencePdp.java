package io.certgate.pdp.support;

import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.PdpConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;

/** A PDP serving the embedded reference bundle, for driving its services in process. */
public final class ReferencePdp {
    private ReferencePdp() {}

    /**
     * Without decision log or cache, and with the longest evaluation deadlines, so that an answer depends on
     * the request only, never on how busy the machine is.
     */
    public static Pdp start() throws ConfigException {
        PdpConfig config = PdpConfig.parse("""
                caches: {decisions: 0}
                decision_log: {enabled: false}
                engine: {pool_size: 1, acquire_timeout_ms: 60000, evaluation_timeout_ms: 60000}
                """, "reference-pdp");
        return Pdp.start(config, new SimpleMeterRegistry(), Clock.systemUTC());
    }
}
