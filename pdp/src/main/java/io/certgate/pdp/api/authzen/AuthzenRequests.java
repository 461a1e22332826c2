package io.certgate.pdp.api.authzen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Validation of AuthZEN request objects and the {@code evaluations} defaults merge. */
final class AuthzenRequests {
    private AuthzenRequests() {}

    /** A request that breaks the information model; the message names the field. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message);
        }
    }

    /** Each item of {@code evaluations} with the top-level subject/action/resource/context as defaults. */
    static List<ObjectNode> merge(ObjectNode body, ArrayNode items, ObjectMapper json) throws BadRequest {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String at = "evaluations[" + i + "].";
            if (!item.isObject()) {
                throw new BadRequest("evaluations[" + i + "] must be an object");
            }
            ObjectNode request = json.createObjectNode();
            for (String k : List.of("subject", "action", "resource", "context")) {
                JsonNode v = item.has(k) ? item.get(k) : body.get(k);
                if (v != null) {
                    request.set(k, v);
                }
            }
            validate(request, at);
            out.add(request);
        }
        return out;
    }

    /** Checks the information model's required keys and types; {@code at} prefixes field names. */
    static void validate(ObjectNode request, String at) throws BadRequest {
        entity(request, at, "subject", "type", "id");
        entity(request, at, "action", "name");
        entity(request, at, "resource", "type", "id");
        JsonNode context = request.get("context");
        if (context != null && !context.isNull() && !context.isObject()) {
            throw new BadRequest(at + "context must be an object");
        }
    }

    private static void entity(ObjectNode request, String at, String name, String... required) throws BadRequest {
        JsonNode e = request.get(name);
        if (e == null || e.isNull()) {
            throw new BadRequest(at + name + " is required");
        }
        if (!e.isObject()) {
            throw new BadRequest(at + name + " must be an object, got " + e.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        for (String key : required) {
            JsonNode v = e.get(key);
            if (v == null || v.isNull()) {
                throw new BadRequest(at + name + "." + key + " is required");
            }
            if (!v.isTextual()) {
                throw new BadRequest(at + name + "." + key + " must be a string, got "
                        + v.getNodeType().name().toLowerCase(Locale.ROOT));
            }
        }
        JsonNode props = e.get("properties");
        if (props != null && !props.isNull() && !props.isObject()) {
            throw new BadRequest(at + name + ".properties must be an object");
        }
    }
}
