package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes {@link ChainVerifier#verify} with the chains a client presents (DER certificates, leaf first) against
 * the CAs and CRLs of a test PKI, committed in {@code ChainVerifierFuzzTestPki/} so that every finding
 * reproduces ({@code GeneratePki --now 2026-01-15T12:00:00Z}; keys are not kept). The seeds are every chain of
 * that PKI (valid, expired, revoked, path length, bad signature, ...), whose bytes the fuzzer mutates, and
 * chains of look-alike PKIs (same names, other keys).
 *
 * <p>Properties: for certificates the JDK decodes (what a TLS handshake hands over) verification answers with a
 * known OpenSSL code; it throws its documented {@link IllegalArgumentException} only for a certificate that
 * {@link CertificateIdentities#parse} rejects too (callers check with it, or catch it); an accepted path
 * starts at the leaf and ends at a configured trust anchor; and verifying again gives the same result.
 */
class ChainVerifierFuzzTest {
    /** The instant the committed PKI was generated for. */
    private static final Instant NOW = Instant.parse("2026-01-15T12:00:00Z");
    private static final String UNKNOWN = X509VerifyCodes.message(-1);

    private final List<ChainVerifier> verifiers = List.of(
            ChainVerifier.builder().trustAnchors(certificates("ca.pem")).build(),
            ChainVerifier.builder().trustAnchors(certificates("trust-bundle.pem"))
                    .crls(crls("crl.pem", "ca-crl.pem")).crlCheckAll(true).verifyDepth(2).build());

    @FuzzTest
    void verify(byte[] chain) {
        List<X509Certificate> presented = decodable(DerElements.split(chain));
        if (presented.isEmpty()) {
            return;
        }
        boolean wellFormed = presented.stream().allMatch(ChainVerifierFuzzTest::parses);
        for (ChainVerifier verifier : verifiers) {
            VerifyResult r;
            try {
                r = verifier.verify(presented, NOW);
            } catch (IllegalArgumentException e) {
                // documented for what CertificateIdentities.parse rejects, which callers check first
                assertThat(wellFormed).as("verify threw for certificates that parse: %s", e).isFalse();
                assertThat(e).hasMessageStartingWith("cannot decode certificate");
                continue;
            }
            assertThat(r.message()).as("code %s", r.code()).isNotEqualTo(UNKNOWN);
            if (r.ok()) {
                assertThat(r.path().get(0)).isEqualTo(presented.get(0));
                assertThat(verifier.trustAnchors()).contains(r.path().get(r.path().size() - 1));
            } else {
                assertThat(r.depth()).isBetween(0, Math.max(0, r.path().size() - 1));
            }
            assertThat(verifier.verify(presented, NOW)).isEqualTo(r);
        }
    }

    /** The elements the JDK decodes as certificates; the rest are noise a TLS stack would have refused. */
    private static List<X509Certificate> decodable(List<byte[]> elements) {
        List<X509Certificate> out = new ArrayList<>();
        for (byte[] der : elements) {
            try {
                out.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(der)));
            } catch (CertificateException | RuntimeException e) {
                // not a certificate
            }
        }
        return out;
    }

    private static boolean parses(X509Certificate cert) {
        try {
            CertificateIdentities.parse(cert.getEncoded(), 0);
            return true;
        } catch (CertificateParseException | CertificateEncodingException e) {
            return false;
        }
    }

    private static List<X509Certificate> certificates(String file) {
        try {
            return ChainVerifier.readCertificates(pki(file), file);
        } catch (PemBundleException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<X509CRL> crls(String... files) {
        List<X509CRL> out = new ArrayList<>();
        for (String file : files) {
            try {
                out.addAll(ChainVerifier.readCrls(pki(file), file));
            } catch (PemBundleException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private static byte[] pki(String file) {
        try (InputStream in = ChainVerifierFuzzTest.class.getResourceAsStream("ChainVerifierFuzzTestPki/" + file)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
