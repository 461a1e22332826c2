package io.certgate.pdp.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An OPA bundle read from a {@code .tar.gz}: the compiled policy, its data document and manifest.
 *
 * @param revision the manifest revision, or {@code sha256:<prefix>} of the archive when it has none
 * @param source where it came from (file path, URL, directory), for logs and status
 * @param wasm the {@code /policy.wasm} module
 * @param data the {@code /data.json} document (an object, empty when the bundle has none)
 * @param entrypoints the wasm entrypoints listed in the manifest, e.g. {@code mtls/authz/decision}
 * @param sha256 hex SHA-256 of the archive bytes
 */
public record Bundle(String revision, String source, byte[] wasm, JsonNode data, List<String> entrypoints,
        String sha256) {
    public Bundle {
        entrypoints = List.copyOf(entrypoints);
    }
}
