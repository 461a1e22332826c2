package io.certgate.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Verifies the written PKI with the real {@code openssl verify}: these are the reference
 * {@code X509_V_ERR} numbers the gateway has to reproduce in {@code x-ssl-verify}.
 */
class OpenSslVerifyPkiTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final Path OPENSSL = Path.of(System.getProperty("certgate.openssl", "/usr/bin/openssl"));
    private static final Pattern ERROR = Pattern.compile("(?m)^error (\\d+) at (\\d+) depth lookup");
    private static final TestPki PKI = TestPki.create(NOW);

    @TempDir
    static Path dir;

    /** What openssl reported: every {@code error N at D} line in order, whether it said OK, its output. */
    record Result(boolean ok, List<Integer> codes, List<Integer> depths, String stdout, String output) {
        int first() {
            return codes.isEmpty() ? 0 : codes.get(0);
        }
    }

    @BeforeAll
    static void write() throws IOException {
        assertThat(OPENSSL).as("openssl is required (apt-get install openssl; .ci/run installs it)").isExecutable();
        PKI.writeTo(dir);
    }

    /** name → every code openssl reports (in order) and the depth of the first one. */
    static Stream<Arguments> clients() {
        Map<String, List<Integer>> codes = Map.ofEntries(
                Map.entry("partner", List.of()),
                Map.entry("iot-device", List.of()),
                Map.entry("header-injection", List.of()),
                Map.entry("expired", List.of(10)),
                Map.entry("not-yet-valid", List.of(9)),
                Map.entry("other-ca-client", List.of(20)),
                Map.entry("self-signed", List.of(18)),
                Map.entry("server-auth-only", List.of(26)),
                Map.entry("no-digital-signature", List.of(26)),
                Map.entry("expired-intermediate-client", List.of(10)),
                Map.entry("revoked", List.of(23)),
                Map.entry("path-length-client", List.of(25)),
                Map.entry("not-a-ca-client", List.of(79, 26)),
                Map.entry("bad-signature", List.of(7)));
        Map<String, Integer> depth = Map.of("expired-intermediate-client", 1, "path-length-client", 2,
                "not-a-ca-client", 1);
        assertThat(PKI.clients()).extracting(TestCert::name).containsExactlyInAnyOrderElementsOf(codes.keySet());
        return PKI.clients().stream().map(c -> Arguments.of(c.name(), c, codes.get(c.name()),
                depth.getOrDefault(c.name(), 0)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void openSslReportsTheDocumentedCode(String name, TestCert cert, List<Integer> allCodes, int firstDepth)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("-CAfile", "ca.pem"));
        if (!cert.isSelfSigned()) {
            args.addAll(List.of("-untrusted", name + "-chain.pem"));
        }
        if (cert == PKI.revokedClient()) {
            args.addAll(List.of("-crl_check", "-CRLfile", "crl.pem"));
        }
        args.addAll(List.of("-purpose", "sslclient", name + ".pem"));
        Result r = verify(args);

        assertThat(r.codes()).as(r.output()).containsExactlyElementsOf(allCodes);
        assertThat(r.first()).as(r.output()).isEqualTo(cert.expectedVerifyCode().orElseThrow());
        assertThat(r.ok()).as(r.output()).isEqualTo(allCodes.isEmpty());
        if (!allCodes.isEmpty()) {
            assertThat(r.depths().get(0)).as(r.output()).isEqualTo(firstDepth);
        }
    }

    @Test
    void revokedPassesWithoutCrlChecking() throws Exception {
        Result r = verify(List.of("-CAfile", "ca.pem", "-untrusted", "revoked-chain.pem", "-purpose", "sslclient",
                "revoked.pem"));
        assertThat(r.ok()).as(r.output()).isTrue();
    }

    @Test
    void missingIntermediateIsUnableToGetLocalIssuer() throws Exception {
        Result r = verify(List.of("-CAfile", "ca.pem", "-purpose", "sslclient", "partner.pem"));
        assertThat(r.codes()).as(r.output()).containsExactly(OpenSslCodes.UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    }

    @Test
    void trustingOnlyTheIntermediateIsUnableToGetIssuer() throws Exception {
        Result r = verify(List.of("-CAfile", "intermediate.pem", "-purpose", "sslclient", "partner.pem"));
        assertThat(r.codes()).as(r.output()).containsExactly(OpenSslCodes.UNABLE_TO_GET_ISSUER_CERT);
        assertThat(r.depths()).containsExactly(1);
    }

    @Test
    void untrustedRootInThePresentedChainIsSelfSignedInChain() throws Exception {
        Files.writeString(dir.resolve("other-ca-full-chain.pem"),
                TestPki.pem(TestPki.chain(PKI.otherCaClient(), PKI.otherCa())), StandardCharsets.US_ASCII);
        Result r = verify(List.of("-CAfile", "ca.pem", "-untrusted", "other-ca-full-chain.pem", "-purpose",
                "sslclient", "other-ca-client.pem"));
        assertThat(r.codes()).as(r.output()).containsExactly(OpenSslCodes.SELF_SIGNED_CERT_IN_CHAIN);
        assertThat(r.depths()).containsExactly(1);
    }

    @Test
    void crlCheckingWithoutTheIssuersCrlIsUnableToGetCrl() throws Exception {
        Result r = verify(List.of("-CAfile", "ca.pem", "-untrusted", "partner-chain.pem", "-crl_check",
                "-purpose", "sslclient", "partner.pem"));
        assertThat(r.first()).as(r.output()).isEqualTo(OpenSslCodes.UNABLE_TO_GET_CRL);
    }

    @Test
    void fullCrlCheckingPassesForTheValidPartner() throws Exception {
        Result r = verify(List.of("-CAfile", "ca.pem", "-untrusted", "partner-chain.pem", "-crl_check_all",
                "-CRLfile", "crl.pem", "-CRLfile", "ca-crl.pem", "-purpose", "sslclient", "partner.pem"));
        assertThat(r.ok()).as(r.output()).isTrue();
    }

    @Test
    void serverIsAValidSslServer() throws Exception {
        Result r = verify(List.of("-CAfile", "ca.pem", "-purpose", "sslserver", "server.pem"));
        assertThat(r.ok()).as(r.output()).isTrue();
        Result asClient = verify(List.of("-CAfile", "ca.pem", "-purpose", "sslclient", "server.pem"));
        assertThat(asClient.codes()).as(asClient.output()).containsExactly(OpenSslCodes.INVALID_PURPOSE);
    }

    @Test
    void trustBundleWithTwoCasAcceptsBoth() throws Exception {
        assertThat(verify(List.of("-CAfile", "trust-bundle.pem", "-purpose", "sslclient", "other-ca-client.pem"))
                .ok()).isTrue();
        assertThat(verify(List.of("-CAfile", "trust-bundle.pem", "-untrusted", "partner-chain.pem", "-purpose",
                "sslclient", "partner.pem")).ok()).isTrue();
    }

    @Test
    void aPkiForTheCurrentTimeVerifiesWithoutAttime(@TempDir Path live) throws Exception {
        TestPki current = TestPki.builder().rsa().build();
        current.writeTo(live);
        Result ok = run(live, List.of("verify", "-CAfile", "ca.pem", "-untrusted", "partner-chain.pem", "-purpose",
                "sslclient", "partner.pem"));
        assertThat(ok.ok()).as(ok.output()).isTrue();
        Result expired = run(live, List.of("verify", "-CAfile", "ca.pem", "-untrusted", "expired-chain.pem",
                "-purpose", "sslclient", "expired.pem"));
        assertThat(expired.codes()).as(expired.output()).containsExactly(OpenSslCodes.CERT_HAS_EXPIRED);
    }

    @Test
    void keysMatchTheirCertificates() throws Exception {
        for (String name : List.of("ca", "partner", "server", "header-injection")) {
            String certKey = run(dir, List.of("x509", "-in", name + ".pem", "-noout", "-pubkey")).stdout();
            String key = run(dir, List.of("pkey", "-in", name + ".key", "-pubout")).stdout();
            assertThat(key).as(name).isEqualTo(certKey).contains("BEGIN PUBLIC KEY");
        }
    }

    private static Result verify(List<String> args) throws Exception {
        List<String> all = new ArrayList<>(List.of("verify", "-attime", Long.toString(NOW.getEpochSecond())));
        all.addAll(args);
        return run(dir, all);
    }

    private static Result run(Path cwd, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(OPENSSL.toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        List<Integer> codes = new ArrayList<>();
        List<Integer> depths = new ArrayList<>();
        Matcher m = ERROR.matcher(out);
        while (m.find()) {
            codes.add(Integer.parseInt(m.group(1)));
            depths.add(Integer.parseInt(m.group(2)));
        }
        boolean ok = p.exitValue() == 0 && codes.isEmpty();
        return new Result(ok, codes, depths, out, String.join(" ", cmd) + "\n" + out);
    }
}
