package io.certgate.pdp.decision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.pdp.support.TestBundles;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PDP's decision cache never answers one client with another's decision: the certificate (who, and how it
 * verified) is part of the key. The test policy's decisions are all cacheable and depend on the certificate only.
 */
class DecisionServiceCacheTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static TestPki pki;
    static SimpleMeterRegistry registry;
    static Pdp pdp;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(Instant.now());
        Path bundle = Files.write(tmp.resolve("cache.tar.gz"),
                TestBundles.compile(TestBundles.testPolicies("cache"), "c1"));
        registry = new SimpleMeterRegistry();
        pdp = Pdp.start(PdpConfig.defaults().withOverrides(0, bundle.toString(), null, "test/cache/decision")
                .withDecisionCache(1000, false), registry, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        pdp.close();
    }

    /** The same request each time; only the certificate differs. */
    static Decision decide(@Nullable PresentedCertificate cert) throws Exception {
        ObjectNode input = JSON.createObjectNode();
        input.putObject("connection").put("client_ip", "10.0.0.7");
        input.putObject("request").put("method", "GET").put("path", "/orders");
        input.putObject("service").put("id", "partner-api");
        if (cert == null) {
            input.putObject("certificate").put("present", false);
        }
        return pdp.decisions().decide(null, input, cert, false);
    }

    static PresentedCertificate verified(TestCert c) {
        return new PresentedCertificate(c.chainDer(), true, 0, null);
    }

    static String sha256(TestCert c) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.der()));
    }

    static double hits() {
        return registry.get("cache.gets").tags("cache", "decision", "result", "hit").functionCounter().count();
    }

    @Test
    void eachCertificateAndVerificationOutcomeHasItsOwnEntry() throws Exception {
        Decision partner = decide(verified(pki.partnerClient()));
        assertThat(partner.allowed()).isTrue();
        assertThat(partner.ttlSeconds()).isEqualTo(60);
        assertThat(partner.obligationHeaders()).containsEntry("x-client-id", "billing-service")
                .containsEntry("x-client-sha256", sha256(pki.partnerClient()));
        double before = hits();
        assertThat(decide(verified(pki.partnerClient())).obligationHeaders())
                .isEqualTo(partner.obligationHeaders());
        assertThat(hits()).as("the same client and request is answered from the cache").isEqualTo(before + 1);

        Decision device = decide(verified(pki.iotDeviceClient()));
        assertThat(device.obligationHeaders()).containsEntry("x-client-id", "device-" + TestPki.DEVICE_SERIAL)
                .containsEntry("x-client-sha256", sha256(pki.iotDeviceClient()));

        // The same chain that the enforcement point found revoked.
        Decision revoked = decide(new PresentedCertificate(pki.partnerClient().chainDer(), false, 23,
                "certificate revoked"));
        assertThat(revoked.allowed()).isFalse();
        assertThat(revoked.reasons()).extracting(Reason::message).containsExactly("verify_code 23");

        Decision none = decide(null);
        assertThat(none.allowed()).isFalse();
        assertThat(none.reasons()).extracting(Reason::code).containsExactly("CERT_MISSING");

        assertThat(hits()).as("no other client was answered from the partner's entry").isEqualTo(before + 1);
        assertThat(decide(verified(pki.partnerClient())).obligationHeaders()).isEqualTo(partner.obligationHeaders());
    }
}
