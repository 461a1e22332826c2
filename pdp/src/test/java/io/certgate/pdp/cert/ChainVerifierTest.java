package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifier's API, its results and the PEM bundle loaders' error messages. */
class ChainVerifierTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final TestPki PKI = TestPki.create(NOW);

    @TempDir
    Path tmp;

    private final ChainVerifier verifier = ChainVerifier.builder()
            .trustAnchors(List.of(PKI.rootCa().certificate())).build();

    // ------------------------------------------------------------------ results

    @Test
    void verifiedChainReportsOkAndThePathUpToTheAnchor() {
        VerifyResult r = verifier.verify(PKI.partnerClient().chain(), NOW);
        assertThat(r.ok()).isTrue();
        assertThat(r.code()).isZero();
        assertThat(r.message()).isEqualTo("ok");
        assertThat(r.depth()).isEqualTo(-1);
        assertThat(r.path()).containsExactly(PKI.partnerClient().certificate(), PKI.intermediateCa().certificate(),
                PKI.rootCa().certificate());
    }

    @Test
    void failureCarriesOpenSslsTextDepthAndThePartialPath() {
        VerifyResult expired = verifier.verify(PKI.expiredIntermediateClient().chain(), NOW);
        assertThat(expired.code()).isEqualTo(X509VerifyCodes.CERT_HAS_EXPIRED);
        assertThat(expired.message()).isEqualTo("certificate has expired");
        assertThat(expired.depth()).isEqualTo(1);
        assertThat(expired.path()).hasSize(3);

        VerifyResult unknown = verifier.verify(PKI.otherCaClient().chain(), NOW);
        assertThat(unknown.code()).isEqualTo(X509VerifyCodes.UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
        assertThat(unknown.message()).isEqualTo("unable to get local issuer certificate");
        assertThat(unknown.path()).containsExactly(PKI.otherCaClient().certificate());

        VerifyResult notACa = verifier.verify(PKI.notACaClient().chain(), NOW);
        assertThat(notACa.code()).isEqualTo(79).isEqualTo(X509VerifyCodes.INVALID_CA);
        assertThat(notACa.message()).isEqualTo("invalid CA certificate");
    }

    @Test
    void revocationIsCheckedOnlyWhenCrlsAreGiven() {
        assertThat(verifier.checksRevocation()).isFalse();
        assertThat(verifier.verify(PKI.revokedClient().chain(), NOW).code()).isZero();
        ChainVerifier withCrl = ChainVerifier.builder().trustAnchors(List.of(PKI.rootCa().certificate()))
                .crls(List.of(PKI.crl())).build();
        assertThat(withCrl.checksRevocation()).isTrue();
        assertThat(withCrl.verify(PKI.revokedClient().chain(), NOW).code()).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        ChainVerifier all = ChainVerifier.builder().trustAnchors(List.of(PKI.rootCa().certificate()))
                .crlCheckAll(true).build();
        assertThat(all.checksRevocation()).isTrue();
        assertThat(all.verify(PKI.partnerClient().chain(), NOW).code()).isEqualTo(X509VerifyCodes.UNABLE_TO_GET_CRL);
    }

    @Test
    void messagesAreOpenSsls() {
        assertThat(X509VerifyCodes.message(0)).isEqualTo("ok");
        assertThat(X509VerifyCodes.message(18)).isEqualTo("self-signed certificate");
        assertThat(X509VerifyCodes.message(19)).isEqualTo("self-signed certificate in certificate chain");
        assertThat(X509VerifyCodes.message(26)).isEqualTo("unsuitable certificate purpose");
        assertThat(X509VerifyCodes.message(24)).isEqualTo("issuer certificate doesn't have a public key");
        assertThat(X509VerifyCodes.message(1000)).isEqualTo("unknown certificate verification error");
    }

    @Test
    void rejectsAnEmptyChainAndABadDepth() {
        assertThatThrownBy(() -> verifier.verify(List.of(), NOW)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> ChainVerifier.builder().verifyDepth(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(verifier.verifyDepth()).isEqualTo(ChainVerifier.DEFAULT_VERIFY_DEPTH).isEqualTo(10);
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        List<TestCert> clients = PKI.clients();
        List<Integer> expected = clients.stream().map(c -> verifier.verify(c.chain(), NOW).code()).toList();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<Integer>>> runs = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                runs.add(pool.submit(() -> clients.stream().map(c -> verifier.verify(c.chain(), NOW).code()).toList()));
            }
            for (Future<List<Integer>> run : runs) {
                assertThat(run.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ PEM bundles

    @Test
    void readsABundleWithTextAroundTheBlocks() throws Exception {
        String text = "Certgate bundle\n" + PKI.rootCa().pem() + "\r\n# the other root\r\n"
                + PKI.otherCa().pem().replace("\n", "\r\n") + "trailing words\n";
        Path file = write("bundle.pem", text);
        assertThat(ChainVerifier.readCertificates(file)).containsExactly(PKI.rootCa().certificate(),
                PKI.otherCa().certificate());
        assertThat(ChainVerifier.readCertificates(text.getBytes(StandardCharsets.US_ASCII)))
                .containsExactly(PKI.rootCa().certificate(), PKI.otherCa().certificate());
    }

    @Test
    void readsCrls() throws Exception {
        Path file = write("crls.pem", TestPki.pem(PKI.crl()) + TestPki.pem(PKI.rootCrl()));
        List<X509CRL> crls = ChainVerifier.readCrls(file);
        assertThat(crls).containsExactly(PKI.crl(), PKI.rootCrl());
    }

    @Test
    void rejectsAKeyInACertificateBundleNamingFileAndBlock() throws Exception {
        Path file = write("ca.pem", PKI.rootCa().pem() + PKI.rootCa().keyPem());
        assertThatThrownBy(() -> ChainVerifier.readCertificates(file))
                .isInstanceOf(PemBundleException.class)
                .hasMessage(file + ": PEM block #2 (line " + (lines(PKI.rootCa().pem()) + 1)
                        + ") is a PRIVATE KEY, expected CERTIFICATE")
                .satisfies(e -> {
                    PemBundleException p = (PemBundleException) e;
                    assertThat(p.source()).isEqualTo(file.toString());
                    assertThat(p.blockNumber()).isEqualTo(2);
                });
    }

    @Test
    void rejectsACrlInACertificateBundleAndACertificateInACrlBundle() throws Exception {
        Path certs = write("mixed.pem", TestPki.pem(PKI.crl()));
        assertThatThrownBy(() -> ChainVerifier.readCertificates(certs))
                .hasMessage(certs + ": PEM block #1 (line 1) is a X509 CRL, expected CERTIFICATE");
        Path crls = write("crl.pem", TestPki.pem(PKI.crl()) + PKI.partnerClient().pem());
        assertThatThrownBy(() -> ChainVerifier.readCrls(crls))
                .hasMessageStartingWith(crls + ": PEM block #2 (line ").hasMessageEndingWith(
                        ") is a CERTIFICATE, expected X509 CRL");
    }

    @Test
    void rejectsTrustedCertificateBlocksWithAHint() {
        String pem = TestPki.pem("TRUSTED CERTIFICATE", PKI.rootCa().der());
        assertThatThrownBy(() -> ChainVerifier.readCertificates(pem.getBytes(StandardCharsets.US_ASCII), "aux.pem"))
                .hasMessageStartingWith("aux.pem: PEM block #1 (line 1) is a TRUSTED CERTIFICATE, expected CERTIFICATE")
                .hasMessageContaining("auxiliary trust");
    }

    @Test
    void rejectsBrokenBlocks() {
        String good = PKI.rootCa().pem();
        String badBase64 = good.replaceFirst("\n[A-Za-z0-9+/]", "\n*");
        assertThatThrownBy(() -> read(good + badBase64))
                .hasMessageStartingWith("test.pem: PEM block #2 (line " + (lines(good) + 1) + ") is not valid base64");

        String notACert = TestPki.pem("CERTIFICATE", new byte[] {0x30, 0x03, 0x02, 0x01, 0x01});
        assertThatThrownBy(() -> read(notACert))
                .hasMessageStartingWith("test.pem: PEM block #1 (line 1) is not a valid DER X.509 certificate");

        byte[] der = PKI.rootCa().der();
        byte[] trailing = java.util.Arrays.copyOf(der, der.length + 2);
        assertThatThrownBy(() -> read(TestPki.pem("CERTIFICATE", trailing)))
                .hasMessage("test.pem: PEM block #1 (line 1) is not exactly one DER certificate"
                        + " (trailing or non-DER bytes)");

        String unterminated = good + good.substring(0, good.indexOf("-----END"));
        assertThatThrownBy(() -> read(unterminated))
                .hasMessage("test.pem: PEM block #2 (line " + (lines(good) + 1)
                        + ") has no -----END CERTIFICATE----- line");

        String nested = good.substring(0, good.indexOf("-----END")) + good;
        assertThatThrownBy(() -> read(nested))
                .hasMessageStartingWith("test.pem: PEM block #1 (line 1) has no -----END CERTIFICATE----- line before");

        String mismatched = good.replace("-----END CERTIFICATE-----", "-----END X509 CRL-----");
        assertThatThrownBy(() -> read(mismatched))
                .hasMessage("test.pem: PEM block #1 (line 1) begins as CERTIFICATE but ends as X509 CRL");

        String empty = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assertThatThrownBy(() -> read(empty)).hasMessage("test.pem: PEM block #1 (line 1) is empty");
    }

    @Test
    void rejectsFilesWithoutBlocksAndMissingFiles() throws Exception {
        Path der = tmp.resolve("ca.der");
        Files.write(der, PKI.rootCa().der());
        assertThatThrownBy(() -> ChainVerifier.readCertificates(der))
                .isInstanceOf(PemBundleException.class)
                .hasMessage(der + ": no PEM CERTIFICATE block (-----BEGIN CERTIFICATE-----) found");
        assertThatThrownBy(() -> ChainVerifier.readCrls(write("empty.pem", "")))
                .hasMessageEndingWith("empty.pem: no PEM X509 CRL block (-----BEGIN X509 CRL-----) found");
        Path missing = tmp.resolve("missing.pem");
        assertThatThrownBy(() -> ChainVerifier.readCertificates(missing))
                .isInstanceOf(PemBundleException.class)
                .hasMessageStartingWith("cannot read " + missing);
    }

    @Test
    void loadedBundlesVerifyLikeTheOriginals() throws Exception {
        Path ca = write("ca.pem", TestPki.pem(List.of(PKI.rootCa().certificate(), PKI.otherCa().certificate())));
        Path crl = write("crl.pem", TestPki.pem(PKI.crl()));
        Path chain = write("chain.pem", PKI.revokedClient().chainPem());
        ChainVerifier v = ChainVerifier.builder().trustAnchors(ChainVerifier.readCertificates(ca))
                .crls(ChainVerifier.readCrls(crl)).build();
        List<X509Certificate> presented = ChainVerifier.readCertificates(chain);
        assertThat(v.verify(presented, NOW).code()).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        assertThat(v.trustAnchors()).hasSize(2);
    }

    private List<X509Certificate> read(String pem) throws PemBundleException {
        return ChainVerifier.readCertificates(pem.getBytes(StandardCharsets.US_ASCII), "test.pem");
    }

    private Path write(String name, String content) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, content, StandardCharsets.US_ASCII);
        return p;
    }

    private static int lines(String text) {
        return (int) text.lines().count();
    }
}
