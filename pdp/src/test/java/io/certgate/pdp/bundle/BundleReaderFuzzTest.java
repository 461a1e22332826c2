package io.certgate.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/**
 * Fuzzes {@link BundleReader#read} with bundle archives. The input is the tar archive, which the test
 * compresses as a bundle server would (so that mutations reach the tar and JSON parsers instead of failing
 * gzip's checksum); an input that already is gzip data is read as it is. The seeds are real bundles.
 *
 * <p>Properties: only {@link BundleException} escapes (anything else would stop bundle polling instead of
 * keeping the last good bundle); and a bundle written back by {@link BundleWriter} reads as the same bundle
 * (policy, data, entrypoints, revision).
 */
class BundleReaderFuzzTest {
    private final ObjectMapper json = new ObjectMapper();
    private final BundleReader reader = new BundleReader(json);

    @FuzzTest
    void read(byte[] archive) {
        Bundle bundle;
        try {
            bundle = reader.read(isGzip(archive) ? archive : gzip(archive), "fuzz.tar.gz");
        } catch (BundleException e) {
            assertThat(e.getMessage()).startsWith("fuzz.tar.gz: ");
            return;
        }
        byte[] written = new BundleWriter(json).write(bundle.revision(), bundle.wasm(), bundle.data(),
                bundle.entrypoints());
        Bundle again;
        try {
            again = reader.read(written, "written.tar.gz");
        } catch (BundleException e) {
            throw new AssertionError("a bundle written back does not read: " + e.getMessage(), e);
        }
        assertThat(again.revision()).isEqualTo(bundle.revision());
        assertThat(again.wasm()).isEqualTo(bundle.wasm());
        assertThat(again.data()).isEqualTo(bundle.data());
        assertThat(again.entrypoints()).isEqualTo(bundle.entrypoints());
    }

    private static boolean isGzip(byte[] bytes) {
        return bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b;
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }
}
