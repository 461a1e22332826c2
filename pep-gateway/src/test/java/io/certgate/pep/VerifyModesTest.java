package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every verify mode (none / optional / required) × CA error strategy (strict / ignoreAll /
 * manualIgnoreList [10]) × client (no certificate, valid, expired = 10, other CA = 20), with the Armeria
 * client (HTTP/2) and with curl (HTTP/1.1 and 2 as curl negotiates). One gateway serves all nine
 * combinations as nine services. Every certificate carries the CN the policy allows, so the outcome
 * depends only on verification: what is rejected is a 401 from the gateway itself, never a policy deny.
 */
class VerifyModesTest {
    enum Mode { NONE, OPTIONAL, REQUIRED }

    enum Strategy {
        STRICT("strict"), IGNORE_ALL("ignoreAll"), MANUAL("manualIgnoreList, ignore_codes: [10]");

        final String yaml;

        Strategy(String yaml) {
            this.yaml = yaml;
        }
    }

    enum Client {
        NO_CERT(-1), VALID(0), EXPIRED(10), OTHER_CA(20);

        final int code;

        Client(int code) {
            this.code = code;
        }
    }

    enum Tool { ARMERIA, CURL }

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    static TestCert expired;
    static TestCert otherCa;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        // The legitimate client's name, but expired / issued by an untrusted CA: only verification differs.
        expired = e.write(e.pki.certificate("billing-expired").c("DE").o("Example Partner GmbH").cn("billing-service")
                .clientAuth().issuedBy(e.pki.intermediateCa()).validity(Duration.ofDays(-30), Duration.ofDays(-1))
                .build());
        otherCa = e.write(e.pki.certificate("billing-other-ca").c("DE").o("Example Partner GmbH")
                .cn("billing-service").clientAuth().issuedBy(e.pki.otherCa()).build());
        List<String> services = new ArrayList<>();
        for (Mode m : Mode.values()) {
            for (Strategy s : Strategy.values()) {
                String mtls = m == Mode.NONE ? "{verify: none, ca_error_strategy: " + s.yaml + "}"
                        : "{verify: " + m.name().toLowerCase(Locale.ROOT) + ", ca_file: ca.pem, ca_error_strategy: "
                                + s.yaml + "}";
                services.add(e.service(name(m, s), host(m, s), mtls, "{}"));
            }
        }
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "", services.toArray(String[]::new))).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    static String name(Mode m, Strategy s) {
        return "vm-" + m.name().toLowerCase(Locale.ROOT) + "-" + s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static String host(Mode m, Strategy s) {
        return name(m, s) + ".example.test";
    }

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Mode m : Mode.values()) {
            for (Strategy s : Strategy.values()) {
                for (Client c : Client.values()) {
                    for (Tool t : Tool.values()) {
                        out.add(Arguments.of(m, s, c, t));
                    }
                }
            }
        }
        return out.stream();
    }

    private TestCert cert(Client c) {
        return switch (c) {
            case NO_CERT -> null;
            case VALID -> e.pki.partnerClient();
            case EXPIRED -> expired;
            case OTHER_CA -> otherCa;
        };
    }

    private Resp send(Tool tool, Mode m, Strategy s, Client c, String path) {
        TestCert cert = cert(c);
        if (tool == Tool.ARMERIA) {
            return E2e.get(e.client(port, host(m, s), cert), path);
        }
        return e.curl(port, host(m, s), path, cert).resp();
    }

    @ParameterizedTest(name = "{0} × {1} × {2} via {3}")
    @MethodSource("matrix")
    void verifyModeTimesStrategyTimesClient(Mode m, Strategy s, Client c, Tool tool) {
        int before = e.upstream.count();
        Resp r = send(tool, m, s, c, "/public");

        boolean certSent = m != Mode.NONE && c != Client.NO_CERT;
        if (!certSent) {
            if (m == Mode.REQUIRED) {
                assertThat(r.status()).as(r.toString()).isEqualTo(401);
                assertThat(r.field("error_code")).isEqualTo("CERT_REQUIRED");
                assertThat(r.field("decision_id")).isEmpty();
                assertThat(e.upstream.count()).isEqualTo(before);
                return;
            }
            // none never asks for a certificate; optional goes on without one: the policy decides (it allows /public).
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(e.upstream.count()).isEqualTo(before + 1);
            RequestHeaders up = e.upstream.last();
            assertThat(up.names()).noneMatch(n -> n.toString().startsWith("x-ssl-"));
            assertThat(up.get("x-client-id")).isNull();
            assertThat(up.get("x-decision-id")).hasSize(36);
            return;
        }
        boolean waived = c.code == 0 || s == Strategy.IGNORE_ALL || (s == Strategy.MANUAL && c.code == 10);
        if (!waived) {
            assertThat(r.status()).as(r.toString()).isEqualTo(401);
            assertThat(r.field("status")).isEqualTo("401");
            assertThat(r.field("error_code")).isEqualTo("CERT_UNTRUSTED");
            assertThat(r.field("message")).startsWith("the client certificate failed verification: ")
                    .endsWith("(" + c.code + ")");
            assertThat(r.field("decision_id")).isEmpty();
            assertThat(r.header("content-type")).startsWith("application/json");
            assertThat(e.upstream.count()).as("nothing denied reaches the upstream").isEqualTo(before);
            return;
        }
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("upstream ok");
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        RequestHeaders up = e.upstream.last();
        assertThat(up.getAll("x-ssl-verify")).containsExactly(Integer.toString(c.code));
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("billing-service");
        // The PDP saw the same verification result the upstream is told about.
        assertThat(up.get("x-pdp-verify-code")).isEqualTo(Integer.toString(c.code));
        assertThat(up.get("x-pdp-verified")).isEqualTo(Boolean.toString(c.code == 0));
        assertThat(up.get("x-client-id")).isEqualTo("billing-service");
    }

    @Test
    void optionalWithoutCertificateLeavesTheDecisionToThePolicy() {
        int before = e.upstream.count();
        Resp r = E2e.get(e.client(port, host(Mode.OPTIONAL, Strategy.STRICT), null), "/invoices");
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.field("error_code")).isEqualTo("CLIENT_UNKNOWN");
        assertThat(r.field("decision_id")).hasSize(36);
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void noneIgnoresAPresentedCertificateEntirely() {
        // verify: none does not request a certificate, so even the partner is anonymous to the policy.
        int before = e.upstream.count();
        Resp r = e.curl(port, host(Mode.NONE, Strategy.STRICT), "/invoices", e.pki.partnerClient()).resp();
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.field("error_code")).isEqualTo("CLIENT_UNKNOWN");
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void requiredWithoutCertificateIs401BeforeThePolicyIsAsked() {
        for (Strategy s : Strategy.values()) {
            Resp r = e.curl(port, host(Mode.REQUIRED, s), "/public", null).resp();
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().get("status").asInt()).isEqualTo(401);
            assertThat(r.field("error_code")).isEqualTo("CERT_REQUIRED");
            assertThat(r.field("message")).isEqualTo("a client certificate is required for this service");
            assertThat(r.field("decision_id")).isEmpty();
            assertThat(r.header("cache-control")).isEqualTo("no-store");
        }
    }
}
