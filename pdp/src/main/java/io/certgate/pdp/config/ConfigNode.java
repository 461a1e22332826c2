package io.certgate.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.annotation.Nullable;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cursor over a parsed YAML/JSON config that remembers its dotted path, collects every error
 * (rather than stopping at the first) and flags keys nobody asked for, so typos do not pass silently.
 */
public final class ConfigNode {
    private final JsonNode node;
    private final String path;
    private final List<String> errors;
    private final Set<String> read = new HashSet<>();

    private ConfigNode(JsonNode node, String path, List<String> errors) {
        this.node = node;
        this.path = path;
        this.errors = errors;
    }

    public static ConfigNode root(JsonNode node, List<String> errors) {
        return new ConfigNode(node, "", errors);
    }

    private String at(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public void error(String key, String message) {
        errors.add(at(key) + ": " + message);
    }

    /** A nested section; missing sections read as empty. */
    public ConfigNode section(String key) {
        read.add(key);
        JsonNode child = node.path(key);
        if (!child.isMissingNode() && !child.isNull() && !child.isObject()) {
            error(key, "must be a mapping, got " + child.getNodeType().name().toLowerCase());
        }
        return new ConfigNode(child.isObject() ? child : com.fasterxml.jackson.databind.node.MissingNode.getInstance(),
                at(key), errors);
    }

    /** A list of mappings, each a cursor at {@code key[i]}; a missing key reads as an empty list. */
    public List<ConfigNode> sections(String key) {
        read.add(key);
        JsonNode v = node.path(key);
        List<ConfigNode> out = new ArrayList<>();
        if (v.isMissingNode() || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            error(key, "must be a list of mappings");
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isObject()) {
                error(key + "[" + i + "]", "must be a mapping, got " + v.get(i).getNodeType().name().toLowerCase());
            } else {
                out.add(new ConfigNode(v.get(i), at(key + "[" + i + "]"), errors));
            }
        }
        return out;
    }

    /** The keys of this mapping, in file order (for mappings keyed by name, e.g. key ids). */
    public List<String> fieldNames() {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A mapping of named mappings ({@code services: {a: {...}, b: {...}}}), each a cursor at {@code key.name}. */
    public Map<String, ConfigNode> namedSections() {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            read.add(e.getKey());
            if (!e.getValue().isObject()) {
                error(e.getKey(), "must be a mapping, got " + e.getValue().getNodeType().name().toLowerCase());
            } else {
                out.put(e.getKey(), new ConfigNode(e.getValue(), at(e.getKey()), errors));
            }
        }
        return out;
    }

    /**
     * Whether the key is present (and not null). A key asked about is a known key: the unknown-key hint lists it
     * also when it is absent, e.g. an optional key read only when given.
     */
    public boolean has(String key) {
        read.add(key);
        return !node.path(key).isMissingNode() && !node.path(key).isNull();
    }

    /** A list of integers in [min, max]. */
    public List<Integer> integers(String key, int min, int max) {
        read.add(key);
        JsonNode v = node.path(key);
        List<Integer> out = new ArrayList<>();
        if (v.isMissingNode() || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            error(key, "must be a list of integers");
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.canConvertToExactIntegral() || e.asLong() < min || e.asLong() > max) {
                error(key + "[" + i + "]", "must be an integer in [" + min + ", " + max + "], got " + e);
            } else {
                out.add(e.asInt());
            }
        }
        return out;
    }

    /** A string that must be one of {@code allowed}. */
    public String oneOf(String key, String fallback, List<String> allowed) {
        String v = string(key, fallback);
        if (v != null && !allowed.contains(v)) {
            error(key, "must be one of " + String.join(" | ", allowed) + ", got '" + v + "'");
            return fallback;
        }
        return v;
    }

    /** This cursor's dotted path, e.g. {@code services[0].mtls}. */
    public String path() {
        return path;
    }

    @Nullable
    public String string(String key, @Nullable String fallback) {
        read.add(key);
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.isValueNode() || v.isBoolean()) {
            error(key, "must be a string, got " + v.getNodeType().name().toLowerCase());
            return fallback;
        }
        return v.asText();
    }

    /**
     * A required URL with a host and one of {@code schemes}, or null (with the error recorded).
     *
     * @param example what to write, for the "is required" error
     * @param schemeRule what the URL must look like, for the wrong-scheme error
     */
    @Nullable
    public URI url(String key, Set<String> schemes, String example, String schemeRule) {
        String v = string(key, null);
        if (v == null) {
            error(key, "is required (" + example + ")");
            return null;
        }
        try {
            URI uri = URI.create(v);
            // a relative reference ("idp.example.com/jwks.json") has no scheme, which Set.of(...) cannot look up
            if (uri.getScheme() == null || !schemes.contains(uri.getScheme()) || uri.getHost() == null) {
                error(key, schemeRule + ", got '" + v + "'");
                return null;
            }
            return uri;
        } catch (IllegalArgumentException e) {
            error(key, "is not a URL: " + e.getMessage());
            return null;
        }
    }

    /**
     * A secret written inline under {@code key}, or read from the environment variable named under
     * {@code envKey} (which wins; an unset variable is an error).
     */
    @Nullable
    public String secret(String key, String envKey) {
        String value = string(key, null);
        String variable = string(envKey, null);
        if (variable != null) {
            value = System.getenv(variable);
            if (value == null) {
                error(envKey, "environment variable " + variable + " is not set");
            }
        }
        return value;
    }

    /** An address to listen on: an IP address (IPv6 without brackets) or a host name. */
    @Nullable
    public String host(String key, @Nullable String fallback) {
        String v = string(key, fallback);
        if (v != null && !ListenAddress.isHost(v)) {
            error(key, "must be an IP address (IPv6 without brackets) or a host name, got '" + v + "'");
            return fallback;
        }
        return v;
    }

    public int integer(String key, int fallback, int min, int max) {
        read.add(key);
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        // canConvertToLong: asLong() of a larger integer would wrap around into the range
        if (!v.canConvertToExactIntegral() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            error(key, "must be an integer in [" + min + ", " + max + "], got " + v);
            return fallback;
        }
        return v.asInt();
    }

    public boolean bool(String key, boolean fallback) {
        read.add(key);
        JsonNode v = node.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            error(key, "must be true or false, got " + v);
            return fallback;
        }
        return v.asBoolean();
    }

    public List<String> strings(String key) {
        read.add(key);
        JsonNode v = node.path(key);
        List<String> out = new ArrayList<>();
        if (v.isMissingNode() || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            error(key, "must be a list of strings");
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual()) {
                error(key + "[" + i + "]", "must be a string, got " + v.get(i));
            } else {
                out.add(v.get(i).asText());
            }
        }
        return out;
    }

    /** Reports every key of this section that no accessor read. Call after reading the section. */
    public void rejectUnknownKeys() {
        if (!node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!read.contains(k)) {
                error(k, "unknown key (known: " + String.join(", ", new java.util.TreeSet<>(read)) + ")");
            }
        }
    }
}
