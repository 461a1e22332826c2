package io.certgate.pdp.bundle;

import com.nimbusds.jose.JWSAlgorithm;
import io.certgate.pdp.opa.OpaToolchain;
import io.certgate.pdp.support.TestBundles;
import io.certgate.testdata.TestPki;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Test helpers: signing keys as PEM files, bundles signed by the pinned opa, and tampered copies. */
final class SignedBundles {
    private SignedBundles() {}

    /** A key pair with its private key as a PKCS#8 PEM file (for opa) and its public key as PEM. */
    record SigningKey(KeyPair pair, Path privatePem, String publicPem) {
        static SigningKey create(TestPki.KeyType type, Path dir, String name) {
            KeyPair pair = TestPki.generateKeyPair(type);
            try {
                Path file = Files.writeString(dir.resolve(name + ".pem"), TestPki.pem(pair.getPrivate()));
                return new SigningKey(pair, file, TestPki.pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        VerificationKey verificationKey(String id, JWSAlgorithm alg) {
            return new VerificationKey(id, alg, pair.getPublic(), null);
        }
    }

    /** {@code policies} compiled by opa and signed with {@code key}; {@code claims} as opa's --claims-file. */
    static byte[] build(Path policies, String revision, Path key, String alg, String keyId, Map<String, String> claims,
            Path work) {
        try {
            Path claimsFile = null;
            if (!claims.isEmpty()) {
                StringBuilder json = new StringBuilder("{");
                claims.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k)
                        .append("\":\"").append(v).append('"'));
                claimsFile = Files.writeString(Files.createTempFile(work, "claims", ".json"), json + "}");
            }
            Path out = Files.createTempFile(work, "signed", ".tar.gz");
            TestBundles.opa().buildWasmBundle(policies, out, revision, List.of(),
                    new OpaToolchain.Signing(key, alg, keyId, claimsFile));
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The archive's entries, by name as stored, in order. */
    static Map<String, byte[]> entries(byte[] archive) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GZIPInputStream(new ByteArrayInputStream(archive)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) {
                    out.put(e.getName(), tar.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static byte[] archive(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A copy of {@code archive} with its entries changed by {@code edit}. */
    static byte[] tamper(byte[] archive, UnaryOperator<Map<String, byte[]>> edit) {
        return archive(edit.apply(entries(archive)));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
