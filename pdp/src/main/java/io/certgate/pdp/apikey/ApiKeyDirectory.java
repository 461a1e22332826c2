package io.certgate.pdp.apikey;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys of a bundle ({@code data.mtls.api_keys}: key id → {@code {sha256, client}}), known only by
 * their SHA-256, and the one step that turns what the PEP sends into what the policy sees:
 * {@code input.api_key} arrives as {@code {present, sha256}} and leaves as {@code {present, valid,
 * client_id, key_id}}; the digest never reaches the policy, the decision log or a cache key.
 *
 * <p>A lookup compares the digest with every entry in constant time and without an early exit, so its
 * duration tells nothing about which (or whether a) key matched.
 */
public final class ApiKeyDirectory {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyDirectory.class);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final ApiKeyDirectory EMPTY = new ApiKeyDirectory(List.of());

    private record Entry(String keyId, String clientId, byte[] sha256) {}

    private final List<Entry> entries;

    private ApiKeyDirectory(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static ApiKeyDirectory empty() {
        return EMPTY;
    }

    /**
     * The keys of a bundle's data document; malformed entries are skipped with a warning naming the key id
     * (a bundle is not rejected for them: the other keys and every certificate keep working).
     */
    public static ApiKeyDirectory fromData(JsonNode data) {
        JsonNode keys = data.path("mtls").path("api_keys");
        if (!keys.isObject()) {
            return EMPTY;
        }
        List<Entry> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String hex = normalize(e.getValue().path("sha256").asText(""));
            String client = e.getValue().path("client").asText("");
            if (!SHA256_HEX.matcher(hex).matches() || client.isEmpty()) {
                log.warn("data.mtls.api_keys.{}: skipped, needs sha256 (64 hex digits) and client", e.getKey());
                continue;
            }
            out.add(new Entry(e.getKey(), client, HexFormat.of().parseHex(hex)));
        }
        return new ApiKeyDirectory(out);
    }

    public int size() {
        return entries.size();
    }

    /**
     * Replaces {@code input.api_key} by what the policy may see. Whatever else a caller put there (a
     * {@code valid} or {@code client_id} of its own) is discarded: only the digest is trusted. A key the
     * bundle does not list is written as not valid; its digest is returned so that an attribute provider
     * may still look it up (the bundle's entry wins when both know a key).
     *
     * @return the well-formed digest (lowercase hex) of a presented key this bundle does not list, else null
     */
    @Nullable
    public String resolve(ObjectNode input) {
        JsonNode sent = input.get("api_key");
        if (sent == null) {
            return null;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        boolean present = sent.path("present").asBoolean(false);
        out.put("present", present);
        String digest = normalize(sent.path("sha256").asText(""));
        String unresolved = null;
        if (present) {
            Entry match = SHA256_HEX.matcher(digest).matches() ? lookup(digest) : null;
            out.put("valid", match != null);
            if (match != null) {
                out.put("client_id", match.clientId());
                out.put("key_id", match.keyId());
            } else if (SHA256_HEX.matcher(digest).matches()) {
                unresolved = digest;
            }
        }
        input.set("api_key", out);
        return unresolved;
    }

    @Nullable
    private Entry lookup(String digest) {
        byte[] presented = HexFormat.of().parseHex(digest);
        Entry found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.sha256(), presented) && found == null) {
                found = e;
            }
        }
        return found;
    }

    private static String normalize(String hex) {
        return hex.toLowerCase(java.util.Locale.ROOT).replace(":", "").replace(" ", "");
    }
}
