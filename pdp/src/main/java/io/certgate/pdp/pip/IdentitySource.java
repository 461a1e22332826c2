package io.certgate.pdp.pip;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.config.ConfigNode;
import java.util.List;
import java.util.Locale;

/**
 * Where a provider's lookup key comes from: a field of the parsed client certificate
 * ({@code input.certificate}), or the caller's {@code input.subject.id}. For SAN lists the first value
 * starting with {@code prefix} is used, without the prefix.
 *
 * @param field cn | serial | san_email | san_uri | san_dns | spiffe_id | subject_id
 * @param prefix for the SAN lists: only values with this prefix qualify (and it is stripped); "" = any
 */
public record IdentitySource(String field, String prefix) {
    static final List<String> FIELDS = List.of("cn", "serial", "san_email", "san_uri", "san_dns", "spiffe_id",
            "subject_id");

    static IdentitySource parse(ConfigNode section, String key, String prefixKey, String fallback) {
        String field = section.oneOf(key, fallback, FIELDS);
        String prefix = section.string(prefixKey, "");
        return new IdentitySource(field, prefix == null ? "" : prefix);
    }

    /** The key for this input, or null when the input has no such value. */
    @Nullable
    public String extract(JsonNode input) {
        JsonNode cert = input.path("certificate");
        String value = switch (field) {
            case "cn" -> text(cert.path("cn"));
            case "serial" -> text(cert.path("serial"));
            case "spiffe_id" -> text(cert.path("spiffe_id"));
            case "subject_id" -> text(input.path("subject").path("id"));
            case "san_email" -> first(cert.path("san").path("email"));
            case "san_uri" -> first(cert.path("san").path("uri"));
            case "san_dns" -> first(cert.path("san").path("dns"));
            default -> throw new IllegalStateException("unknown identity source " + field);
        };
        if (value == null || value.isEmpty()) {
            return null;
        }
        return field.equals("serial") ? value.toLowerCase(Locale.ROOT) : value;
    }

    @Nullable
    private String first(JsonNode list) {
        for (JsonNode v : list) {
            if (v.isTextual() && v.asText().startsWith(prefix) && v.asText().length() > prefix.length()) {
                return v.asText().substring(prefix.length());
            }
        }
        return null;
    }

    @Nullable
    private String text(JsonNode v) {
        if (!v.isTextual()) {
            return null;
        }
        String s = v.asText();
        if (!prefix.isEmpty()) {
            return s.startsWith(prefix) && s.length() > prefix.length() ? s.substring(prefix.length()) : null;
        }
        return s;
    }

    public String describe() {
        return field.equals("subject_id") ? "input.subject.id" : "certificate " + field
                + (prefix.isEmpty() ? "" : " (prefix \"" + prefix + "\")");
    }
}
