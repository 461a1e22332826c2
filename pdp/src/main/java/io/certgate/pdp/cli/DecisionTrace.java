package io.certgate.pdp.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.engine.PolicyException;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code decide --trace}: evaluates the policy's trace entrypoint (in the reference policy
 * {@code mtls/authz/decision_trace}, computed by the same wasm as the decision) and renders it for people.
 */
final class DecisionTrace {
    private DecisionTrace() {}

    /** The trace entrypoint's value for the (already enriched) input. */
    static JsonNode evaluate(Pdp pdp, String entrypoint, ObjectNode input) throws PolicyException {
        ObjectMapper json = pdp.json();
        try {
            JsonNode set = json.readTree(pdp.engine().require().evaluate(entrypoint, json.writeValueAsString(input)));
            JsonNode value = set.path(0).path("result");
            if (value.isMissingNode()) {
                throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR, entrypoint
                        + " is undefined for this input");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR, "unreadable trace: " + e.getMessage(), e);
        }
    }

    /**
     * The decision line, then each class in precedence order: passed or failed, its reasons, and the data it
     * consulted (one line per key, compact JSON).
     */
    static String render(ObjectNode decision, JsonNode trace, ObjectMapper json) throws JsonProcessingException {
        StringBuilder s = new StringBuilder();
        s.append("decision  ").append(decision.path("effect").asText()).append(' ')
                .append(decision.path("status").asInt());
        JsonNode winner = trace.path("winning_class");
        s.append(winner.isTextual() ? " (class " + winner.asText() + ")" : " (no class failed)")
                .append(", ttl ").append(decision.path("ttl_seconds").asInt()).append(" s, decision_id ")
                .append(decision.path("decision_id").asText()).append(", revision ")
                .append(decision.path("revision").asText()).append('\n');
        decision.at("/obligations/headers").properties().forEach(h -> s.append("          header ")
                .append(h.getKey()).append(": ").append(h.getValue().asText()).append('\n'));
        s.append("\nchecks in precedence order (the first failing class decides):\n");
        for (JsonNode c : trace.path("classes")) {
            boolean passed = c.path("passed").asBoolean();
            s.append(String.format("%n%d. %-12s %s%n", c.path("rank").asInt(), c.path("class").asText(),
                    passed ? "passed" : "FAILED -> " + c.path("effect").asText() + " " + c.path("status").asInt()
                            + (c.path("won").asBoolean() ? "  (decides)" : "  (outranked)")));
            for (JsonNode r : c.path("reasons")) {
                s.append("   reason ").append(r.path("code").asText()).append(": ")
                        .append(r.path("message").asText()).append('\n');
            }
            Map<String, JsonNode> consulted = new TreeMap<>();
            c.path("consulted").properties().forEach(e -> consulted.put(e.getKey(), e.getValue()));
            for (Map.Entry<String, JsonNode> d : consulted.entrySet()) {
                s.append("   ").append(d.getKey()).append(" = ").append(json.writeValueAsString(d.getValue()))
                        .append('\n');
            }
        }
        return s.toString();
    }
}
