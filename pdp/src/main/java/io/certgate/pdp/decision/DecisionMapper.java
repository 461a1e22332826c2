package io.certgate.pdp.decision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns an entrypoint's value into a {@link Decision}, strictly: anything that is not exactly the
 * decision shape is a {@link MalformedDecisionException}, which callers turn into a deny.
 */
final class DecisionMapper {
    private DecisionMapper() {}

    static final class MalformedDecisionException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedDecisionException(String message) {
            super(message);
        }
    }

    static Decision toDecision(JsonNode value, String decisionId, String revision)
            throws MalformedDecisionException {
        if (!value.isObject()) {
            throw new MalformedDecisionException("the decision must be an object, got " + value.getNodeType());
        }
        String effectName = requireText(value, "effect");
        Effect effect;
        try {
            effect = Effect.valueOf(effectName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MalformedDecisionException("effect must be allow, deny or challenge, got '" + effectName + "'");
        }
        JsonNode statusNode = value.path("status");
        if (!statusNode.canConvertToExactIntegral() || statusNode.asInt() < 100 || statusNode.asInt() > 599) {
            throw new MalformedDecisionException("status must be an HTTP status code, got " + statusNode);
        }
        int status = statusNode.asInt();
        if (effect == Effect.ALLOW && (status < 200 || status > 299)) {
            throw new MalformedDecisionException("an allow must carry a 2xx status, got " + status);
        }
        if (effect != Effect.ALLOW && status < 400) {
            throw new MalformedDecisionException("a " + effect.wireName() + " must carry a 4xx/5xx status, got "
                    + status);
        }
        List<Reason> reasons = reasons(value.path("reasons"));
        Map<String, String> headers = headers(value.path("obligations").path("headers"));
        Challenge challenge = null;
        if (effect == Effect.CHALLENGE) {
            challenge = challenge(value.path("challenge"));
        }
        JsonNode ttl = value.path("ttl_seconds");
        int ttlSeconds = 0;
        if (!ttl.isMissingNode()) {
            if (!ttl.canConvertToExactIntegral() || ttl.asLong() < 0 || ttl.asLong() > 86_400) {
                throw new MalformedDecisionException("ttl_seconds must be an integer in [0, 86400], got " + ttl);
            }
            ttlSeconds = ttl.asInt();
        }
        return new Decision(decisionId, revision, effect, status, reasons, headers, challenge, ttlSeconds);
    }

    /** The wire JSON of a decision, as the REST and CLI surfaces print it. */
    static ObjectNode toJson(Decision d, ObjectMapper json) {
        ObjectNode out = json.createObjectNode();
        out.put("decision_id", d.decisionId());
        out.put("revision", d.revision());
        out.put("effect", d.effect().wireName());
        out.put("status", d.status());
        ArrayNode reasons = out.putArray("reasons");
        for (Reason r : d.reasons()) {
            reasons.addObject().put("code", r.code()).put("message", r.message());
        }
        ObjectNode headers = out.putObject("obligations").putObject("headers");
        d.obligationHeaders().forEach(headers::put);
        if (d.challenge() != null) {
            ObjectNode c = out.putObject("challenge");
            c.put("type", d.challenge().type());
            c.put("acr_values", d.challenge().acrValues());
            if (d.challenge().maxAgeSeconds() >= 0) {
                c.put("max_age", d.challenge().maxAgeSeconds());
            }
        }
        out.put("ttl_seconds", d.ttlSeconds());
        return out;
    }

    private static List<Reason> reasons(JsonNode node) throws MalformedDecisionException {
        if (node.isMissingNode()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new MalformedDecisionException("reasons must be an array, got " + node.getNodeType());
        }
        List<Reason> out = new ArrayList<>(node.size());
        for (JsonNode r : node) {
            String code = requireText(r, "code");
            JsonNode msg = r.path("message");
            out.add(new Reason(code, msg.isTextual() ? msg.asText() : ""));
        }
        return out;
    }

    private static Map<String, String> headers(JsonNode node) throws MalformedDecisionException {
        if (node.isMissingNode() || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new MalformedDecisionException("obligations.headers must be an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> h : node.properties()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HeaderValues.isToken(name)) {
                throw new MalformedDecisionException("obligation header name '" + h.getKey()
                        + "' is not a valid HTTP header name");
            }
            JsonNode v = h.getValue();
            if (!v.isValueNode() || v.isNull()) {
                throw new MalformedDecisionException("obligation header '" + name + "' must be a string");
            }
            out.put(name, HeaderValues.encode(v.asText()));
        }
        return out;
    }

    private static Challenge challenge(JsonNode node) throws MalformedDecisionException {
        if (!node.isObject()) {
            throw new MalformedDecisionException("a challenge decision needs a 'challenge' object");
        }
        String type = requireText(node, "type");
        JsonNode acr = node.path("acr_values");
        String acrValues;
        if (acr.isArray()) {
            List<String> values = new ArrayList<>();
            acr.forEach(a -> values.add(a.asText()));
            acrValues = String.join(" ", values);
        } else {
            acrValues = acr.isTextual() ? acr.asText() : "";
        }
        JsonNode maxAge = node.path("max_age");
        long maxAgeSeconds = maxAge.canConvertToExactIntegral() ? maxAge.asLong() : -1;
        return new Challenge(type, HeaderValues.sanitize(acrValues), maxAgeSeconds);
    }

    private static String requireText(JsonNode node, String field) throws MalformedDecisionException {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new MalformedDecisionException("'" + field + "' must be a non-empty string, got " + v);
        }
        return v.asText();
    }
}
