package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.support.E2e;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded PDP gets threads for blocking attribute lookups only when it has providers. */
class EmbeddedThreadsTest {
    @TempDir
    static Path tmp;
    static E2e e;

    @BeforeAll
    static void setUp() throws Exception {
        e = new E2e(tmp);
    }

    @AfterAll
    static void tearDown() {
        e.close();
    }

    private static GatewayConfig.Pdp pdp(String embedded) throws Exception {
        return GatewayConfig.parse(E2e.gateway(embedded, "", e.service("svc", "svc.example.test",
                "{verify: required, ca_file: ca.pem}", "{}")), "gateway.yaml", tmp).pdp();
    }

    @Test
    void withoutProvidersOneThreadPerEvaluator() throws Exception {
        GatewayConfig.Pdp cfg = pdp(E2e.embeddedPdp());
        assertThat(GatewayServer.embeddedThreads(cfg)).isEqualTo(cfg.embedded().engine().poolSize());
    }

    @Test
    void lookupsGetThreadsBeyondTheEvaluators() throws Exception {
        String mfa = "providers: {mfa: {jwks_url: 'http://127.0.0.1:9/jwks.json', issuer: 'https://idp.example.test',"
                + " audience: [certgate]}}}";
        GatewayConfig.Pdp cfg = pdp(E2e.embeddedPdp().replaceFirst("}$", ", " + mfa));
        assertThat(GatewayServer.embeddedThreads(cfg))
                .isEqualTo(cfg.embedded().engine().poolSize() + GatewayServer.LOOKUP_THREADS);
    }
}
