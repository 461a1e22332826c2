package io.certgate.pep.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.stream.Stream;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reference policy ({@code policies/mtls/authz}) with data for the test PKI, in which the partner and the
 * IoT profiles carry their own {@code rate_limit}: the allow's {@code rate_limits} obligation reaches the
 * gateway, from the embedded PDP and over gRPC from a real PDP server, and each identity class gets its own
 * budget: the partner per client id, every device per certificate.
 */
class ReferencePolicyLimitsTest {
    static final int PARTNER_BUDGET = 3;
    static final int DEVICE_BUDGET = 2;

    @TempDir
    static Path tmp;
    static E2e e;
    static int embedded;
    static int remote;
    static TestCert partner;
    static TestCert device;
    static TestCert otherDevice;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        partner = e.write(e.pki.partnerClient());
        device = e.write(e.pki.iotDeviceClient());
        otherDevice = e.write(e.pki.certificate("device-2").o("Example IoT").ou("devices").cn("device-2")
                .clientAuth().uri("urn:device:2").issuedBy(e.pki.rootCa()).build());
        Path policies = referencePolicy(tmp.resolve("policies"));

        PrometheusMeterRegistry pdpRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Pdp pdp = Pdp.start(PdpConfig.defaults().withOverrides(0, null, policies, "mtls/authz/decision"),
                pdpRegistry, Clock.systemUTC());
        PdpServer server = e.closeLater(new PdpServer(pdp, pdpRegistry).start());
        e.closeLater(pdp);

        embedded = e.start(E2e.gateway("{mode: embedded, policies: " + policies + ", entrypoint: mtls/authz/decision}",
                "", services())).port();
        remote = e.start(E2e.gateway("{mode: remote, address: 127.0.0.1:" + server.port()
                + ", timeout_ms: 5000, entrypoint: mtls/authz/decision}", "", services())).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    static String services() {
        String mtls = "{verify: required, ca_file: ca.pem}";
        return e.service("partner-api", "partner.example.test", mtls, "{profile: partner}")
                + e.service("telemetry", "telemetry.example.test", mtls, "{profile: iot}");
    }

    /**
     * The reference policy's rules as shipped, with a data.json for the test PKI: partners are issued by the
     * intermediate (vouched for by its fingerprint in the verified chain), devices by the root (by its DN, as
     * the chain the gateway reports holds the certificates below the trust anchor); each class with a small
     * budget per hour.
     */
    static Path referencePolicy(Path dir) throws Exception {
        Path shipped = Path.of(System.getProperty("certgate.policies.dir", "../policies")).resolve("mtls/authz");
        Path rules = Files.createDirectories(dir.resolve("mtls/authz"));
        try (Stream<Path> files = Files.list(shipped)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".rego") && !f.toString().endsWith("_test.rego"))
                    .toList()) {
                Files.copy(f, rules.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve("data.json"), """
                {"mtls": {
                  "defaults": {"verify": "required", "ttl_seconds": 60},
                  "issuers": {
                    "partner-ca": {"dn": "partner CA", "ca_sha256": ["%s"]},
                    "device-ca": {"dn": "%s", "ca_sha256": ["%s"]}
                  },
                  "clients": {
                    "billing-service": {"match": {"issuer": "partner-ca", "cn": "billing-service"},
                                        "profiles": ["partner"]},
                    "field-sensors": {"match": {"issuer": "device-ca", "ou": "devices"}, "profiles": ["iot"]}
                  },
                  "profiles": {
                    "partner": {"rate_limit": {"rate": %d, "period_seconds": 3600}},
                    "iot": {"rate_limit": {"rate": %d, "period_seconds": 3600, "per": "certificate"}}
                  },
                  "services": {
                    "partner-api": {"profile": "partner", "issuers": ["partner-ca"]},
                    "telemetry": {"profile": "iot", "issuers": ["device-ca"]}
                  }
                }}
                """.formatted(sha256(e.pki.intermediateCa()),
                        e.pki.rootCa().certificate().getSubjectX500Principal().getName(X500Principal.RFC2253),
                        sha256(e.pki.rootCa()), PARTNER_BUDGET, DEVICE_BUDGET));
        return dir;
    }

    private static Resp get(int port, String host, TestCert cert) {
        return E2e.get(e.client(port, host, cert), "/echo");
    }

    /** Spends the budget, then expects a 429 naming the class's limit. */
    private static void exhausts(int port, String host, TestCert cert, int budget, String policy) {
        for (int i = 0; i < budget; i++) {
            Resp ok = get(port, host, cert);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        }
        Resp over = get(port, host, cert);
        assertThat(over.status()).as(over.toString()).isEqualTo(429);
        assertThat(over.field("error_code")).isEqualTo("RATE_LIMITED");
        assertThat(over.header("ratelimit-policy")).isEqualTo(policy);
        assertThat(over.header("retry-after")).matches("[1-9][0-9]*");
    }

    @ParameterizedTest(name = "{0} PDP")
    @ValueSource(strings = {"embedded", "remote"})
    void aPartnerAndEachDeviceGetTheirOwnClassLimits(String pdp) {
        int port = "embedded".equals(pdp) ? embedded : remote;
        exhausts(port, "partner.example.test", partner, PARTNER_BUDGET, "\"partner\";q=" + PARTNER_BUDGET + ";w=3600");
        // the partner's exhausted budget is not the devices'
        exhausts(port, "telemetry.example.test", device, DEVICE_BUDGET, "\"iot\";q=" + DEVICE_BUDGET + ";w=3600");
        // another device of the same client entry: its own budget, counted by certificate
        Resp other = get(port, "telemetry.example.test", otherDevice);
        assertThat(other.status()).as(other.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-client-id")).isEqualTo("field-sensors");
    }

    private static String sha256(TestCert c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.der()));
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
