package io.certgate.pdp.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.util.Map;

/**
 * Strict reading of the JSON bodies of the PDP's HTTP APIs (OPA REST, AuthZEN): exactly one JSON value
 * with nothing after it, unique member names, strings of valid Unicode (no unpaired UTF-16 surrogates),
 * finite numbers, and at most {@value #MAX_DEPTH} levels of nesting. These are the rules of I-JSON
 * (RFC 7493) plus the gRPC API's depth limit, so a policy sees the same kind of input on every API and
 * no JSON reader in front of the PDP can read a body differently.
 */
public final class RequestJson {
    /** Deepest nesting of objects and arrays accepted, on every API (gRPC counts from the input). */
    public static final int MAX_DEPTH = 64;

    private static final ObjectReader READER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RequestJson() {}

    /** A body (or parameter) that is not strict JSON; the message says what and where. */
    public static final class InvalidJsonException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidJsonException(String message) {
            super(message);
        }
    }

    /**
     * Reads one JSON value.
     *
     * @param what names the text in error messages, e.g. "the request body"
     */
    public static JsonNode read(byte[] text, String what) throws InvalidJsonException {
        JsonNode node;
        try {
            node = READER.readTree(text);
        } catch (StreamConstraintsException e) {
            // no location: the constraint is checked before the parser has one
            if (e.getMessage() != null && e.getMessage().contains("nesting depth")) {
                throw new InvalidJsonException(what + " is nested deeper than " + MAX_DEPTH + " levels");
            }
            throw new InvalidJsonException(what + " is not acceptable JSON: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidJsonException(what + " is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
                    + ": " + withoutSource(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InvalidJsonException(what + " cannot be read: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new InvalidJsonException(what + " is empty");
        }
        check(node, "", what);
        return node;
    }

    /** Jackson's message without its parser internals ({@code [Source: …]}, the second line). */
    static String withoutSource(String message) {
        String m = message.replaceAll("\\s*\\(start marker at \\[Source:[^\\]]*\\]\\)", "")
                .replaceAll("\\s*at \\[Source:[^\\]]*\\]", "");
        int eol = m.indexOf('\n');
        return (eol < 0 ? m : m.substring(0, eol)).strip();
    }

    private static void check(JsonNode node, String pointer, String what) throws InvalidJsonException {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (!wellFormed(e.getKey())) {
                    // the name itself cannot go into the message: it is not valid Unicode
                    throw new InvalidJsonException(what + " has a member name with an unpaired UTF-16 surrogate in "
                            + where(pointer));
                }
                check(e.getValue(), pointer + "/" + e.getKey().replace("~", "~0").replace("/", "~1"), what);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), pointer + "/" + i, what);
            }
        } else if (node.isTextual() && !wellFormed(node.textValue())) {
            throw new InvalidJsonException(what + " has a string with an unpaired UTF-16 surrogate at "
                    + where(pointer));
        } else if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            throw new InvalidJsonException(what + " has a number out of the range of a double at " + where(pointer));
        }
    }

    /** The value's JSON Pointer (RFC 6901; {@code /} is the whole text), shortened for the message. */
    private static String where(String pointer) {
        if (pointer.isEmpty()) {
            return "/";
        }
        return pointer.length() <= 200 ? pointer : pointer.substring(0, 200) + "…";
    }

    private static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
