package io.certgate.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link BundleReader#read} with signature verification on: {@code /.signatures.json}, its JWT and
 * payload, and the canonical JSON digests of {@code data.json} and {@code .manifest} are parsers of what a
 * bundle server sends. The seed was signed by {@code opa sign} with a key whose public half is below (the
 * private half was not kept), so mutations start from a bundle that verifies.
 *
 * <p>Property: only {@link BundleException} escapes, with the source in its message (anything else would stop
 * bundle polling instead of keeping the last good bundle).
 */
class SignedBundleFuzzTest {
    private static final String PUBLIC_KEY = """
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEcALAt6Ce0CwX8FR4VHloM5MknLbK
            /agZHBhyjH3Me4FMr3MRHwZfs9SZrW2uWFebAhGlpAIy6UChP/ui7FpiDQ==
            -----END PUBLIC KEY-----
            """;

    private final ObjectMapper json = new ObjectMapper();
    private final BundleReader reader = new BundleReader(json, new SignatureVerifier(new BundleVerification(
            Map.of("fuzz", new VerificationKey("fuzz", JWSAlgorithm.ES256, publicKey(), null)), "fuzz", null,
            List.of()), json));

    @FuzzTest
    void read(byte[] archive) {
        try {
            reader.read(gzip(archive), "fuzz.tar.gz");
        } catch (BundleException e) {
            assertThat(e.getMessage()).startsWith("fuzz.tar.gz: ");
        }
    }

    @Test
    void theSeedVerifies() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("SignedBundleFuzzTestInputs/read/opa-sign.tar")) {
            Bundle bundle = reader.read(gzip(in.readAllBytes()), "seed");
            assertThat(bundle.revision()).isEqualTo("fuzz-seed");
        }
    }

    private static PublicKey publicKey() {
        try (PEMParser parser = new PEMParser(new StringReader(PUBLIC_KEY))) {
            return new JcaPEMKeyConverter().getPublicKey((SubjectPublicKeyInfo) parser.readObject());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            new ByteArrayInputStream(bytes).transferTo(gz);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }
}
