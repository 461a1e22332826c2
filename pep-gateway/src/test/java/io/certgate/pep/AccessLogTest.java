package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.certgate.pep.support.AccessLogCapture;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail: exactly one JSON line per request on the {@code certgate.access} logger, with the
 * decision id, service, verify code, the certificate's subject, issuer, serial, SHA-256 and validity, the
 * effect, reasons and latency; fields listed in {@code audit.mask} are written as "***".
 */
class AccessLogTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    static int maskedPort;
    static AccessLogCapture log;
    static TestCert stranger;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        stranger = e.write(e.pki.certificate("stranger").c("DE").o("Elsewhere Inc").cn("stranger").clientAuth()
                .issuedBy(e.pki.intermediateCa()).build());
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("al-plain", "plain.example.test", "{verify: optional, ca_file: ca.pem}", "{}"))).port();
        maskedPort = e.start(E2e.gateway(E2e.embeddedPdp(), "audit: {mask: [subject_dn, client_ip]}",
                e.service("al-masked", "masked.example.test", "{verify: optional, ca_file: ca.pem}", "{}"))).port();
        log = AccessLogCapture.attach(e);
    }

    @AfterAll
    static void stop() {
        log.close();
        e.close();
    }

    @BeforeEach
    void clear() {
        log.clear();
    }

    /** The only access-log line written for the one request just made. */
    private static JsonNode onlyLine() {
        List<JsonNode> lines = log.entries();
        assertThat(lines).as("one line per request: %s", log.lines()).hasSize(1);
        return lines.get(0);
    }

    private static void assertCertificateFields(JsonNode line, TestCert cert) throws Exception {
        X509Certificate x = cert.certificate();
        assertThat(line.get("subject_dn").asText()).isEqualTo(x.getSubjectX500Principal().getName());
        assertThat(line.get("issuer_dn").asText()).isEqualTo(x.getIssuerX500Principal().getName());
        assertThat(line.get("serial").asText()).isEqualTo(x.getSerialNumber().toString(16));
        assertThat(line.get("sha256").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(x.getEncoded())));
        assertThat(line.get("not_before").asText()).isEqualTo(x.getNotBefore().toInstant().toString());
        assertThat(line.get("not_after").asText()).isEqualTo(x.getNotAfter().toInstant().toString());
    }

    @Test
    void anAllowedRequestIsLoggedWithTheDecisionAndTheCertificate() throws Exception {
        Resp r = E2e.get(e.client(port, "plain.example.test", e.pki.partnerClient()), "/invoices");
        assertThat(r.status()).isEqualTo(200);
        JsonNode line = onlyLine();
        assertThat(line.get("service").asText()).isEqualTo("al-plain");
        assertThat(line.get("method").asText()).isEqualTo("GET");
        assertThat(line.get("path").asText()).isEqualTo("/invoices");
        assertThat(line.get("client_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(line.get("verify_code").asInt()).isZero();
        assertThat(line.get("verify_code").isInt()).isTrue();
        assertCertificateFields(line, e.pki.partnerClient());
        assertThat(line.get("decision_id").asText()).isEqualTo(e.upstream.last().get("x-decision-id"));
        assertThat(line.get("revision").asText()).startsWith("dir-");
        assertThat(line.get("effect").asText()).isEqualTo("allow");
        assertThat(line.get("reasons").isArray()).isTrue();
        assertThat(line.get("reasons")).isEmpty();
        assertThat(line.get("latency_us").isIntegralNumber()).isTrue();
        assertThat(line.get("latency_us").asLong()).isPositive();
        assertThat(line.has("status")).isFalse();
    }

    @Test
    void aPolicyDenyIsLoggedWithItsReasons() throws Exception {
        Resp r = E2e.get(e.client(port, "plain.example.test", stranger), "/invoices");
        assertThat(r.status()).isEqualTo(403);
        JsonNode line = onlyLine();
        assertThat(line.get("effect").asText()).isEqualTo("deny");
        assertThat(line.get("status").asInt()).isEqualTo(403);
        assertThat(line.get("error_code").asText()).isEqualTo("CLIENT_UNKNOWN");
        assertThat(line.get("reasons").toString()).isEqualTo("[\"CLIENT_UNKNOWN\"]");
        assertThat(line.get("decision_id").asText()).isEqualTo(r.field("decision_id"));
        assertCertificateFields(line, stranger);
    }

    @Test
    void aRejectedCertificateIsLoggedWithItsCodeAndNoDecision() throws Exception {
        Resp r = E2e.get(e.client(port, "plain.example.test", e.pki.otherCaClient()), "/invoices");
        assertThat(r.status()).isEqualTo(401);
        JsonNode line = onlyLine();
        assertThat(line.get("verify_code").asInt()).isEqualTo(20);
        assertThat(line.get("effect").asText()).isEqualTo("deny");
        assertThat(line.get("status").asInt()).isEqualTo(401);
        assertThat(line.get("error_code").asText()).isEqualTo("CERT_UNTRUSTED");
        assertThat(line.has("decision_id")).isFalse();
        assertCertificateFields(line, e.pki.otherCaClient());
    }

    @Test
    void aRequestWithoutCertificateHasNoCertificateFields() {
        Resp r = E2e.get(e.client(port, "plain.example.test", null), "/public");
        assertThat(r.status()).isEqualTo(200);
        JsonNode line = onlyLine();
        assertThat(line.get("effect").asText()).isEqualTo("allow");
        for (String field : List.of("verify_code", "subject_dn", "issuer_dn", "serial", "sha256", "not_before",
                "not_after")) {
            assertThat(line.has(field)).as(field).isFalse();
        }
    }

    @Test
    void aChallengeAndAMisdirectedRequestAreLogged() {
        E2e.get(e.client(port, "plain.example.test", e.pki.partnerClient()), "/mfa");
        JsonNode challenge = onlyLine();
        assertThat(challenge.get("effect").asText()).isEqualTo("challenge");
        assertThat(challenge.get("status").asInt()).isEqualTo(401);
        assertThat(challenge.get("reasons").toString()).isEqualTo("[\"MFA_REQUIRED\"]");
        log.clear();
        Resp r = e.curl(port, "plain.example.test", "/x", e.pki.partnerClient(), "-H", "Host: elsewhere.example.test")
                .resp();
        assertThat(r.status()).isEqualTo(421);
        // Unknown host names are answered by the default host, which has no service to log for.
        assertThat(log.lines()).isEmpty();
        Resp other = e.curl(port, "masked.example.test", "/x", e.pki.partnerClient(), "-k",
                "-H", "Host: plain.example.test").resp();
        assertThat(other.status()).isEqualTo(421);
        JsonNode misdirected = onlyLine();
        assertThat(misdirected.get("effect").asText()).isEqualTo("deny");
        assertThat(misdirected.get("error_code").asText()).isEqualTo("MISDIRECTED_REQUEST");
    }

    @Test
    void certificateTextCannotForgeLogLines() throws Exception {
        Resp r = E2e.get(e.client(port, "plain.example.test", e.pki.headerInjectionClient()), "/echo");
        assertThat(r.status()).isEqualTo(200);
        String raw = log.lines().get(0);
        assertThat(raw).doesNotContain("\r").doesNotContain("\n");
        JsonNode line = onlyLine();
        assertThat(line.get("subject_dn").asText())
                .isEqualTo(e.pki.headerInjectionClient().certificate().getSubjectX500Principal().getName())
                .contains("\r\nx-authenticated-userid: admin\r\n");
    }

    @Test
    void maskedFieldsAreWrittenAsStars() throws Exception {
        Resp r = E2e.get(e.client(maskedPort, "masked.example.test", e.pki.partnerClient()), "/invoices");
        assertThat(r.status()).isEqualTo(200);
        JsonNode line = onlyLine();
        assertThat(line.get("service").asText()).isEqualTo("al-masked");
        assertThat(line.get("subject_dn").asText()).isEqualTo("***");
        assertThat(line.get("client_ip").asText()).isEqualTo("***");
        assertThat(log.lines().get(0)).doesNotContain("billing-service").doesNotContain("127.0.0.1");
        // Everything else is still there.
        assertThat(line.get("issuer_dn").asText()).isEqualTo("CN=Certgate Test Issuing CA,O=Certgate Test,C=DE");
        assertThat(line.get("serial").asText())
                .isEqualTo(e.pki.partnerClient().certificate().getSerialNumber().toString(16));
        assertThat(line.get("sha256").asText()).hasSize(64);
        assertThat(line.get("verify_code").asInt()).isZero();
        assertThat(line.get("decision_id").asText()).hasSize(36);
        assertThat(line.get("effect").asText()).isEqualTo("allow");

        // A field that is absent stays absent rather than becoming "***".
        log.clear();
        E2e.get(e.client(maskedPort, "masked.example.test", null), "/public");
        assertThat(onlyLine().has("subject_dn")).isFalse();
    }
}
