package io.certgate.pdp.bundle;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The digest of a bundle file as OPA computes it for {@code /.signatures.json}: the bytes of a file, except
 * for {@code data.json}, {@code data.yaml} and {@code .manifest}, whose JSON value is hashed in a canonical
 * form (object keys sorted, no whitespace, numbers as written, strings escaped as Go's encoder does), so
 * that re-formatting a data file does not break its signature.
 */
final class BundleFileDigest {
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(1000).build()).build();
    private static final Comparator<String> CODE_POINT_ORDER = BundleFileDigest::compareCodePoints;

    private BundleFileDigest() {}

    /**
     * The digest of {@code content} named {@code name} (no leading {@code /}) with OPA's hash name
     * {@code algorithm} (e.g. {@code SHA-256}).
     */
    static byte[] of(String name, byte[] content, String algorithm, String source) throws BundleException {
        MessageDigest digest = digest(name, algorithm, source);
        if (isStructured(name)) {
            Object value = parse(name, content, source);
            StringBuilder canonical = new StringBuilder();
            write(value, canonical);
            digest.update(canonical.toString().getBytes(StandardCharsets.UTF_8));
        } else {
            digest.update(content);
        }
        return digest.digest();
    }

    /** As OPA's {@code IsStructuredDoc}: by base name. */
    static boolean isStructured(String name) {
        String base = name.substring(name.lastIndexOf('/') + 1);
        return base.equals("data.json") || base.equals("data.yaml") || base.equals(".manifest")
                || base.equals(".signatures.json");
    }

    private static MessageDigest digest(String name, String algorithm, String source) throws BundleException {
        String jca = switch (algorithm) {
            case "SHA-224", "SHA-256", "SHA-384", "SHA-512" -> algorithm;
            case "SHA-512-224" -> "SHA-512/224";
            case "SHA-512-256" -> "SHA-512/256";
            case "MD5", "SHA-1" -> throw new BundleException(RejectionReason.SIGNATURE_INVALID,
                    source + ": the signature lists /" + name + " with a " + algorithm + " digest, which is not accepted"
                            + " (collisions are practical); sign with SHA-256");
            case "" -> throw new BundleException(RejectionReason.SIGNATURE_INVALID,
                    source + ": the signature lists /" + name + " without a digest algorithm");
            default -> throw new BundleException(RejectionReason.SIGNATURE_INVALID,
                    source + ": the signature lists /" + name + " with an unknown digest algorithm '" + algorithm
                            + "' (known: SHA-224, SHA-256, SHA-384, SHA-512, SHA-512-224, SHA-512-256)");
        };
        try {
            return MessageDigest.getInstance(jca);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has these
        }
    }

    private static Object parse(String name, byte[] content, String source) throws BundleException {
        try {
            byte[] json = content;
            if (name.endsWith(".yaml")) {
                json = new ObjectMapper().writeValueAsBytes(new YAMLMapper().readTree(content));
            }
            try (JsonParser p = JSON.createParser(json)) {
                JsonToken first = p.nextToken();
                if (first == null) {
                    throw new BundleException(source + ": /" + name + " is empty");
                }
                Object value = read(p);
                if (p.nextToken() != null) {
                    throw new BundleException(source + ": /" + name + " has more than one JSON value");
                }
                return value;
            }
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new BundleException(source + ": /" + name + " is not valid " + (name.endsWith(".yaml") ? "YAML" : "JSON")
                    + at + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new BundleException(source + ": cannot read /" + name + ": " + e.getMessage(), e);
        }
    }

    /** A JSON value with the parser on its first token: maps, lists, strings, raw numbers, booleans, null. */
    private static Object read(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> object = new TreeMap<>(CODE_POINT_ORDER);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    object.put(key, read(p)); // a repeated key: the last wins, as in Go
                }
                return object;
            }
            case START_ARRAY -> {
                List<Object> array = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    array.add(read(p));
                }
                return array;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new RawNumber(p.getText()); // OPA decodes numbers as json.Number: hashed as written
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IOException("unexpected " + p.currentToken());
        }
    }

    private record RawNumber(String text) {}

    private static void write(Object value, StringBuilder out) {
        if (value instanceof Map<?, ?> object) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : object.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeString((String) e.getKey(), out);
                out.append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof List<?> array) {
            out.append('[');
            for (int i = 0; i < array.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(array.get(i), out);
            }
            out.append(']');
        } else if (value instanceof String s) {
            writeString(s, out);
        } else if (value instanceof RawNumber n) {
            out.append(n.text());
        } else {
            out.append(value); // true, false, null
        }
    }

    /** As Go's {@code encoding/json} with HTML escaping off. */
    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\u2028' -> out.append("\\u2028");
                case '\u2029' -> out.append("\\u2029");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else if (Character.isSurrogate(c)) {
                        if (Character.isHighSurrogate(c) && i + 1 < s.length()
                                && Character.isLowSurrogate(s.charAt(i + 1))) {
                            out.append(c).append(s.charAt(++i));
                        } else {
                            out.append('\ufffd'); // Go decodes a lone surrogate escape to U+FFFD
                        }
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Go sorts keys by their UTF-8 bytes, which is code point order (not Java's UTF-16 order). */
    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
