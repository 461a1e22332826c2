package io.certgate.pep.support;

import io.certgate.pdp.opa.OpaToolchain;
import io.certgate.testdata.TestPki;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * The bundles a fleet test publishes: the end-to-end test policy built and signed by the pinned opa (as CI does
 * with {@code pdp.jar policy build --signing-key}) under any revision, with a key generated for the test. The
 * PDPs verify them with {@link #verificationYaml()}. Every publication goes through here.
 */
public final class FleetBundles {
    /** The id PDPs look the signing key up by. */
    public static final String KEY_ID = "fleet-ci";

    private final Path work;
    private final Path signingKey;
    private final Path publicKey;

    public FleetBundles(Path work) {
        this.work = work;
        KeyPair pair = TestPki.generateKeyPair(TestPki.KeyType.EC_P256);
        try {
            this.signingKey = Files.writeString(work.resolve("bundle-signing.pem"), TestPki.pem(pair.getPrivate()));
            this.publicKey = Files.writeString(work.resolve("bundle-signing.pub"),
                    TestPki.pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code bundle:} section of pdp.yaml trusting this test's signing key only. */
    public String verificationYaml() {
        return "bundle: {verification: {keys: {%s: {algorithm: ES256, key_file: \"%s\"}}}}".formatted(KEY_ID,
                publicKey);
    }

    /** The {@code .tar.gz} of the test policy as revision {@code revision}, signed. */
    public byte[] revision(String revision) {
        try {
            Path out = work.resolve("bundle-" + revision + ".tar.gz");
            OpaToolchain.locate(OpaToolchain.defaultToolsDir()).buildWasmBundle(E2e.e2ePolicies(), out, revision,
                    List.of(), new OpaToolchain.Signing(signingKey, "ES256", KEY_ID, null));
            return Files.readAllBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Revision {@code revision}, signed, then changed on the way: its {@code data.json} replaced after signing,
     * as someone who can write to the bundle server but does not hold the key would. Still a well-formed bundle.
     */
    public byte[] tampered(String revision) {
        return replace(revision(revision), "data.json",
                "{\"gw\":{\"tampered\":true}}".getBytes(StandardCharsets.UTF_8));
    }

    /** A copy of the {@code .tar.gz} {@code archive} with the file named {@code name} (any leading "/") replaced. */
    private static byte[] replace(byte[] archive, String name, byte[] content) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean found = false;
        try (TarArchiveInputStream in = new TarArchiveInputStream(
                new GZIPInputStream(new ByteArrayInputStream(archive)));
                TarArchiveOutputStream out = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                byte[] body = in.readAllBytes();
                if (e.getName().replaceFirst("^/", "").equals(name)) {
                    body = content;
                    found = true;
                }
                TarArchiveEntry copy = new TarArchiveEntry(e.getName(), true);
                copy.setSize(body.length);
                out.putArchiveEntry(copy);
                out.write(body);
                out.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!found) {
            throw new IllegalStateException("the bundle has no " + name + " to tamper with");
        }
        return bytes.toByteArray();
    }
}
