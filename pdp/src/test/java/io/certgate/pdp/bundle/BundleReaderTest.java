package io.certgate.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.support.TestBundles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

class BundleReaderTest {
    private final BundleReader reader = new BundleReader(new ObjectMapper());
    private final byte[] good = TestBundles.compile(TestBundles.testPolicies("basic"), "rev-7");

    static byte[] tarGz(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                tar.putArchiveEntry(e);
                tar.write(f.getValue());
                tar.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsAnOpaBuiltWasmBundle() throws Exception {
        Bundle b = reader.read(good, "basic.tar.gz");
        assertThat(b.revision()).isEqualTo("rev-7");
        assertThat(b.entrypoints()).contains("test/authz/decision", "test/authz/echo");
        assertThat(b.data().get("rev").asText()).isEqualTo("A");
        assertThat(b.wasm()).startsWith(0x00, 0x61, 0x73, 0x6d);
        assertThat(b.sha256()).hasSize(64);
    }

    @Test
    void bundleWithoutRevisionIsNamedByItsHash() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("/policy.wasm", new byte[] {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0});
        files.put("/.manifest", utf8("{\"wasm\":[{\"entrypoint\":\"a/b\"}]}"));
        Bundle b = reader.read(tarGz(files), "x");
        assertThat(b.revision()).startsWith("sha256:").isEqualTo("sha256:" + b.sha256().substring(0, 16));
        assertThat(b.entrypoints()).containsExactly("a/b");
        assertThat(b.data().isObject()).isTrue();
    }

    @Test
    void rejectsEmptyGarbageAndTruncatedArchives() {
        assertThatThrownBy(() -> reader.read(new byte[0], "empty.tar.gz")).hasMessageContaining("empty.tar.gz")
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> reader.read(utf8("this is not a bundle"), "junk.tar.gz"))
                .hasMessageContaining("junk.tar.gz").hasMessageContaining("gzip");
        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        assertThatThrownBy(() -> reader.read(truncated, "cut.tar.gz"))
                .isInstanceOf(BundleException.class).hasMessageContaining("cut.tar.gz");
    }

    @Test
    void rejectsABundleWithoutWasm() throws Exception {
        byte[] regoOnly = tarGz(Map.of("/data.json", utf8("{}"), "/policy.rego", utf8("package x")));
        assertThatThrownBy(() -> reader.read(regoOnly, "rego.tar.gz"))
                .hasMessageContaining("no /policy.wasm").hasMessageContaining("opa build -t wasm");
    }

    @Test
    void rejectsAWasmFileThatIsNotWebAssembly() throws Exception {
        byte[] fake = tarGz(Map.of("/policy.wasm", utf8("#!/bin/sh echo hi")));
        assertThatThrownBy(() -> reader.read(fake, "fake.tar.gz")).hasMessageContaining("not a WebAssembly module");
    }

    @Test
    void rejectsBrokenDataAndManifestWithTheirLocation() throws Exception {
        byte[] wasm = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
        byte[] badData = tarGz(Map.of("/policy.wasm", wasm, "/data.json", utf8("{\n  \"a\": [1,\n}")));
        assertThatThrownBy(() -> reader.read(badData, "b.tar.gz"))
                .hasMessageContaining("/data.json").hasMessageContaining("line 3");
        byte[] arrayData = tarGz(Map.of("/policy.wasm", wasm, "/data.json", utf8("[1,2]")));
        assertThatThrownBy(() -> reader.read(arrayData, "b.tar.gz")).hasMessageContaining("must hold a JSON object");
        byte[] badManifest = tarGz(Map.of("/policy.wasm", wasm, "/.manifest", utf8("{\"wasm\": {}}")));
        assertThatThrownBy(() -> reader.read(badManifest, "b.tar.gz")).hasMessageContaining("'wasm' must be an array");
    }

    @Test
    void rejectsDataNestedDeeperThanTheParserAllows() throws Exception {
        byte[] wasm = {0, 0x61, 0x73, 0x6d, 1, 0, 0, 0};
        byte[] deep = tarGz(Map.of("/policy.wasm", wasm, "/data.json",
                utf8("{\"a\":" + "[".repeat(1001) + "]".repeat(1001) + "}")));
        assertThatThrownBy(() -> reader.read(deep, "deep.tar.gz"))
                .isInstanceOf(BundleException.class)
                .hasMessageStartingWith("deep.tar.gz: /data.json is not valid JSON: Document nesting depth (1001)");
    }
}
