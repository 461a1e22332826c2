package io.certgate.pdp.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Parses an OPA bundle archive. Only what the PDP needs is kept: {@code /policy.wasm},
 * {@code /data.json} and {@code /.manifest}; Rego sources inside the archive are ignored.
 * Nothing is written to disk, so archive paths cannot escape anywhere. With a {@link SignatureVerifier},
 * every file of the archive is read and checked against {@code /.signatures.json} before anything is used.
 */
public final class BundleReader {
    /** Largest archive or single entry accepted, to bound memory on a hostile bundle server. */
    public static final long MAX_BYTES = 64L * 1024 * 1024;

    private static final byte[] WASM_MAGIC = {0x00, 0x61, 0x73, 0x6d};

    private final ObjectMapper json;
    @Nullable
    private final SignatureVerifier verifier;

    /** A reader that ignores signatures. */
    public BundleReader(ObjectMapper json) {
        this(json, null);
    }

    /** A reader that rejects bundles {@code verifier} does not accept; null ignores signatures. */
    public BundleReader(ObjectMapper json, @Nullable SignatureVerifier verifier) {
        this.json = json;
        this.verifier = verifier;
    }

    public Bundle read(byte[] archive, String source) throws BundleException {
        if (archive.length == 0) {
            throw new BundleException(source + ": the bundle is empty (0 bytes)");
        }
        if (archive.length > MAX_BYTES) {
            throw new BundleException(source + ": the bundle is " + archive.length + " bytes, over the "
                    + MAX_BYTES + "-byte limit");
        }
        byte[] wasm = null;
        byte[] data = null;
        byte[] manifest = null;
        byte[] signatures = null;
        Map<String, byte[]> files = new HashMap<>();
        long unpacked = 0;
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(archive));
                TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (!entry.isFile()) {
                    continue;
                }
                String name = normalize(entry.getName());
                if (verifier != null) {
                    byte[] content = readEntry(tar, source, name);
                    unpacked += content.length;
                    if (unpacked > MAX_BYTES) {
                        throw new BundleException(source + ": the unpacked bundle is larger than " + MAX_BYTES
                                + " bytes");
                    }
                    // a second entry of a name would be checked once but could be the one used
                    boolean repeated = name.equals("/" + SignatureVerifier.SIGNATURES_FILE)
                            ? signatures != null : files.containsKey(name.substring(1));
                    if (repeated) {
                        throw new BundleException(source + ": " + name + " appears twice in the archive");
                    }
                    switch (name) {
                        case "/policy.wasm" -> wasm = content;
                        case "/data.json" -> data = content;
                        case "/.manifest" -> manifest = content;
                        default -> { /* only verified */ }
                    }
                    if (name.equals("/" + SignatureVerifier.SIGNATURES_FILE)) {
                        signatures = content;
                    } else {
                        files.put(name.substring(1), content);
                    }
                    continue;
                }
                switch (name) {
                    case "/policy.wasm" -> wasm = readEntry(tar, source, name);
                    case "/data.json" -> data = readEntry(tar, source, name);
                    case "/.manifest" -> manifest = readEntry(tar, source, name);
                    default -> { /* Rego sources, signatures, nested data: not needed to evaluate */ }
                }
            }
        } catch (ZipException e) {
            throw new BundleException(source + ": not a gzip-compressed tar archive (" + e.getMessage() + ")", e);
        } catch (EOFException e) {
            throw new BundleException(source + ": the archive is truncated", e);
        } catch (IOException e) {
            throw new BundleException(source + ": unreadable archive: " + e.getMessage(), e);
        }
        if (verifier != null) {
            verifier.verify(files, signatures, source);
        }
        if (wasm == null) {
            throw new BundleException(source + ": no /policy.wasm in the bundle; build it with 'opa build -t wasm'");
        }
        if (wasm.length < 8 || !startsWith(wasm, WASM_MAGIC)) {
            throw new BundleException(source + ": /policy.wasm is not a WebAssembly module (bad magic bytes)");
        }
        JsonNode dataDoc = data == null ? json.createObjectNode() : parseObject(data, source, "/data.json");
        JsonNode manifestDoc = manifest == null ? json.createObjectNode() : parseObject(manifest, source, "/.manifest");
        List<String> entrypoints = new ArrayList<>();
        JsonNode wasmList = manifestDoc.path("wasm");
        if (!wasmList.isMissingNode() && !wasmList.isArray()) {
            throw new BundleException(source + ": /.manifest field 'wasm' must be an array");
        }
        for (JsonNode w : wasmList) {
            JsonNode ep = w.path("entrypoint");
            if (!ep.isTextual() || ep.asText().isBlank()) {
                throw new BundleException(source + ": /.manifest has a wasm entry without a string 'entrypoint'");
            }
            entrypoints.add(ep.asText());
        }
        String sha256 = sha256(archive);
        String revision = manifestDoc.path("revision").asText("");
        if (revision.isBlank()) {
            revision = "sha256:" + sha256.substring(0, 16);
        }
        return new Bundle(revision, source, wasm, dataDoc, entrypoints, sha256);
    }

    private JsonNode parseObject(byte[] bytes, String source, String name) throws BundleException {
        try {
            JsonNode node = json.readTree(bytes);
            if (!(node instanceof ObjectNode)) {
                throw new BundleException(source + ": " + name + " must hold a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new BundleException(source + ": " + name + " is not valid JSON" + at(e) + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new BundleException(source + ": cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /** Where the JSON error is, when Jackson knows (it does not for its nesting-depth limit). */
    private static String at(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }

    private static byte[] readEntry(TarArchiveInputStream tar, String source, String name)
            throws IOException, BundleException {
        byte[] bytes = tar.readNBytes((int) MAX_BYTES + 1);
        if (bytes.length > MAX_BYTES) {
            throw new BundleException(source + ": " + name + " is larger than " + MAX_BYTES + " bytes");
        }
        return bytes;
    }

    private static String normalize(String name) {
        String n = name.startsWith("./") ? name.substring(1) : name;
        return n.startsWith("/") ? n : "/" + n;
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
