package io.certgate.pdp.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes an OPA bundle ({@code /policy.wasm}, {@code /data.json}, {@code /.manifest}) that
 * {@link BundleReader} and OPA read back. A compiled module does not depend on its data, so a
 * bundle's policy can be shipped with other data (a demo, a tenant) without recompiling.
 */
public final class BundleWriter {
    private final ObjectMapper json;

    public BundleWriter(ObjectMapper json) {
        this.json = json;
    }

    /** The {@code .tar.gz} bytes of a bundle with {@code wasm} compiled for {@code entrypoints}. */
    public byte[] write(String revision, byte[] wasm, JsonNode data, List<String> entrypoints) {
        ObjectNode manifest = json.createObjectNode().put("revision", revision);
        manifest.putArray("roots").add("");
        var modules = manifest.putArray("wasm");
        entrypoints.forEach(e -> modules.addObject().put("entrypoint", e).put("module", "/policy.wasm"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            add(tar, "/data.json", json.writeValueAsBytes(data));
            add(tar, "/policy.wasm", wasm);
            add(tar, "/.manifest", json.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the bundle data cannot be written as JSON", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory
        }
        return out.toByteArray();
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true); // keep the leading "/", as opa build does
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }
}
