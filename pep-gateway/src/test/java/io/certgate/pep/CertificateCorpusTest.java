package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole defect corpus of the test PKI ({@code pki.clients()}, one defect each) through real TLS
 * clients. Under ignoreAll the upstream's {@code x-ssl-verify} must be the OpenSSL code, both the one the
 * corpus records and the one the {@code openssl verify} binary prints for the same files right now; under
 * strict every defective certificate is a 401 carrying that code and never reaches the upstream.
 *
 * <p>Services: ignoreAll and strict, each without CRLs (like {@code openssl verify} without
 * {@code -crl_check}) and with {@code crl_files: [crl.pem]} (like {@code -crl_check -CRLfile crl.pem}). The
 * policy path {@code /echo} allows any presented certificate and echoes the code the PDP saw.
 */
class CertificateCorpusTest {
    private static final Pattern OPENSSL_ERROR = Pattern.compile("error (\\d+) at \\d+ depth");

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("corpus-lenient", "lenient.example.test",
                        "{verify: required, ca_file: ca.pem, ca_error_strategy: ignoreAll}", "{}"),
                e.service("corpus-lenient-crl", "lenient-crl.example.test",
                        "{verify: required, ca_file: ca.pem, crl_files: [crl.pem], ca_error_strategy: ignoreAll}", "{}"),
                e.service("corpus-strict", "strict.example.test", "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("corpus-strict-crl", "strict-crl.example.test",
                        "{verify: required, ca_file: ca.pem, crl_files: [crl.pem]}", "{}"))).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    /** What {@code openssl verify -purpose sslclient} prints for {@code c} (the first error, 0 = OK). */
    static int opensslVerify(TestCert c, boolean crl) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "verify", "-CAfile", e.file("ca.pem"),
                "-purpose", "sslclient"));
        if (crl) {
            cmd.addAll(List.of("-crl_check", "-CRLfile", e.file("crl.pem")));
        }
        if (!c.isSelfSigned()) {
            cmd.addAll(List.of("-untrusted", e.chainFile(c)));
        }
        cmd.add(e.file(c.name() + ".pem"));
        E2e.Proc p = E2e.run(null, cmd);
        String out = p.stdout() + p.stderr();
        Matcher m = OPENSSL_ERROR.matcher(out);
        if (m.find()) {
            return Integer.parseInt(m.group(1));
        }
        assertThat(out).as("openssl verify output").contains(": OK");
        return 0;
    }

    /** The code the corpus records, adjusted for CRL checking: without CRLs a revoked certificate verifies. */
    static int expected(TestCert c, boolean crl) {
        int code = c.expectedVerifyCode().orElseThrow();
        return !crl && c.name().equals("revoked") ? 0 : code;
    }

    /**
     * A certificate whose keyUsage forbids digital signatures cannot authenticate a TLS client at all: the
     * gateway's TLS stack (BoringSSL) rejects its CertificateVerify with an illegal_parameter alert (and
     * Armeria's own BoringSSL client refuses to sign with it). So there is no HTTP exchange and no
     * {@code x-ssl-verify: 26}, under any strategy.
     */
    static boolean rejectedInHandshake(TestCert c) {
        return c.name().equals("no-digital-signature");
    }

    static void assertHandshakeRejected(String host, TestCert c) {
        int before = e.upstream.count();
        E2e.CurlResult r = e.curl(port, host, "/echo", c);
        // 56 with "alert illegal parameter", or 35/55 when the reset wins the race with the alert.
        assertThat(r.exit()).as(r.toString()).isIn(35, 55, 56);
        assertThat(r.status()).isZero();
        assertThat(e.upstream.count()).isEqualTo(before);
        assertThat(e.curl(port, host, "/echo", e.pki.partnerClient()).resp().status()).isEqualTo(200);
    }

    static void assertForwardedWithCode(Resp r, int before, int code, String who) {
        assertThat(r.status()).as(who + ": " + r).isEqualTo(200);
        assertThat(e.upstream.count()).as(who).isEqualTo(before + 1);
        RequestHeaders up = e.upstream.last();
        assertThat(up.getAll("x-ssl-verify")).as(who + " x-ssl-verify").containsExactly(Integer.toString(code));
        assertThat(up.get("x-pdp-verify-code")).as(who + " code seen by the PDP").isEqualTo(Integer.toString(code));
        assertThat(up.get("x-pdp-verified")).as(who).isEqualTo(Boolean.toString(code == 0));
        assertThat(up.get("x-ssl-client-sha1")).as(who).matches("[0-9a-f]{40}");
    }

    @TestFactory
    Stream<DynamicTest> ignoreAllForwardsEveryCertificateWithItsOpenSslCode() {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean crl : new boolean[] {false, true}) {
            String host = crl ? "lenient-crl.example.test" : "lenient.example.test";
            for (TestCert c : e.pki.clients()) {
                tests.add(dynamicTest(c.name() + (crl ? " with crl.pem" : "") + " (" + c.defect() + ")", () -> {
                    int openssl = opensslVerify(c, crl);
                    if (!crl || c.name().equals("revoked") || c.name().equals("partner")) {
                        // The corpus records the code without -crl_check, and with it for revoked only.
                        assertThat(openssl).as("openssl verify agrees with the corpus").isEqualTo(expected(c, crl));
                    }
                    if (rejectedInHandshake(c)) {
                        assertHandshakeRejected(host, c);
                        return;
                    }
                    int before = e.upstream.count();
                    Resp r = e.curl(port, host, "/echo", c).resp();
                    assertForwardedWithCode(r, before, openssl, "curl " + c.name());
                    before = e.upstream.count();
                    assertForwardedWithCode(E2e.get(e.client(port, host, c), "/echo"), before, openssl,
                            "armeria " + c.name());
                }));
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> strictRejectsEveryDefectiveCertificateWithItsCode() {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean crl : new boolean[] {false, true}) {
            String host = crl ? "strict-crl.example.test" : "strict.example.test";
            for (TestCert c : e.pki.clients()) {
                tests.add(dynamicTest(c.name() + (crl ? " with crl.pem" : ""), () -> {
                    int code = opensslVerify(c, crl);
                    if (rejectedInHandshake(c)) {
                        assertHandshakeRejected(host, c);
                        return;
                    }
                    int before = e.upstream.count();
                    Resp r = e.curl(port, host, "/echo", c).resp();
                    if (code == 0) {
                        assertThat(r.status()).as(c.name() + ": " + r).isEqualTo(200);
                        assertThat(e.upstream.last().get("x-ssl-verify")).isEqualTo("0");
                        return;
                    }
                    assertThat(r.status()).as(c.name() + ": " + r).isEqualTo(401);
                    assertThat(r.field("error_code")).isEqualTo("CERT_UNTRUSTED");
                    assertThat(r.field("message")).endsWith("(" + code + ")");
                    assertThat(r.field("decision_id")).isEmpty();
                    assertThat(e.upstream.count()).as("a rejected certificate never reaches the upstream")
                            .isEqualTo(before);
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void revocationIsOnlyKnownWithTheCrl() {
        TestCert revoked = e.pki.revokedClient();
        Resp plain = e.curl(port, "strict.example.test", "/echo", revoked).resp();
        assertThat(plain.status()).isEqualTo(200);
        Resp withCrl = e.curl(port, "strict-crl.example.test", "/echo", revoked).resp();
        assertThat(withCrl.status()).isEqualTo(401);
        assertThat(withCrl.field("message")).isEqualTo("the client certificate failed verification: "
                + "certificate revoked (23)");
    }

    @Test
    void theCorpusCoversTheDocumentedCodes() {
        assertThat(e.pki.clients().stream().map(c -> c.expectedVerifyCode().orElseThrow()).distinct())
                .contains(0, 7, 9, 10, 18, 20, 23, 25, 26, 79);
    }
}
