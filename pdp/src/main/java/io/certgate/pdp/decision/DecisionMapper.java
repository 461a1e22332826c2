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
        List<RateLimitObligation> rateLimits = rateLimits(value.path("obligations").path("rate_limits"));
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
        return new Decision(decisionId, revision, effect, status, reasons, headers, challenge, ttlSeconds,
                rateLimits);
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
        if (!d.rateLimits().isEmpty()) {
            ArrayNode limits = ((ObjectNode) out.get("obligations")).putArray("rate_limits");
            for (RateLimitObligation l : d.rateLimits()) {
                limits.addObject().put("name", l.name()).put("key", l.key()).put("rate", l.rate())
                        .put("period_seconds", l.periodSeconds()).put("burst", l.burst());
            }
        }
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

    /**
     * {@code obligations.rate_limits}: an array of {name, key, rate, period_seconds, burst?}; a malformed
     * one makes the whole decision malformed (the request is denied, not left unlimited).
     */
    private static List<RateLimitObligation> rateLimits(JsonNode node) throws MalformedDecisionException {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new MalformedDecisionException("obligations.rate_limits must be an array, got " + node.getNodeType());
        }
        List<RateLimitObligation> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode l = node.get(i);
            String at = "obligations.rate_limits[" + i + "]";
            if (!l.isObject()) {
                throw new MalformedDecisionException(at + " must be an object");
            }
            JsonNode name = l.path("name");
            if (!name.isTextual() || !name.asText().matches("[A-Za-z0-9._:-]{1,64}")) {
                throw new MalformedDecisionException(at + ".name must be 1-64 letters, digits, '.', '_', ':' or '-', got "
                        + name);
            }
            JsonNode key = l.path("key");
            if (!key.isTextual() || key.asText().isEmpty() || key.asText().length() > 512) {
                throw new MalformedDecisionException(at + ".key must be a non-empty string of at most 512 characters, got "
                        + key);
            }
            long rate = positive(l, "rate", at, 1_000_000_000L);
            long period = positive(l, "period_seconds", at, 31L * 86_400);
            long burst = l.has("burst") ? positive(l, "burst", at, 1_000_000_000L) : rate;
            out.add(new RateLimitObligation(name.asText(), HeaderValues.sanitize(key.asText()), rate, period, burst));
        }
        return out;
    }

    private static long positive(JsonNode l, String field, String at, long max) throws MalformedDecisionException {
        JsonNode v = l.path(field);
        if (!v.canConvertToExactIntegral() || v.asLong() < 1 || v.asLong() > max) {
            throw new MalformedDecisionException(at + "." + field + " must be an integer in [1, " + max + "], got "
                    + (v.isMissingNode() ? "nothing" : v.toString()));
        }
        return v.asLong();
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
