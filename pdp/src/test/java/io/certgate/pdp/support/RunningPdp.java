package io.certgate.pdp.support;

import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** A PDP server on a free port, with pdp.yaml text and a test policy (or the embedded reference bundle). */
public final class RunningPdp implements AutoCloseable {
    private final Pdp pdp;
    private final PdpServer server;

    private RunningPdp(Pdp pdp, PdpServer server) {
        this.pdp = pdp;
        this.server = server;
    }

    /** Serves test policy {@code policyDir} (under src/test/resources/policies), or the reference bundle when null. */
    public static RunningPdp start(Path tmp, String yaml, String policyDir) throws IOException, ConfigException {
        PdpConfig cfg = PdpConfig.parse("server: {port: 0, max_request_bytes: 65536}\n"
                + "caches: {decisions: 0}\n" + yaml, "test");
        if (policyDir != null) {
            Path bundle = Files.createTempFile(tmp, "bundle", ".tar.gz");
            Files.write(bundle, TestBundles.compile(TestBundles.testPolicies(policyDir), "v1"));
            cfg = cfg.withOverrides(null, bundle.toString(), null, null);
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Pdp pdp = Pdp.start(cfg, registry, Clock.systemUTC());
        return new RunningPdp(pdp, new PdpServer(pdp, registry).start());
    }

    public int port() {
        return server.port();
    }

    public String base() {
        return "http://127.0.0.1:" + port();
    }

    public Pdp pdp() {
        return pdp;
    }

    @Override
    public void close() {
        server.close();
        pdp.close();
    }
}
