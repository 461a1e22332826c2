package io.certgate.pdp.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision log: one JSON line per decision on the {@code certgate.decisions} logger, with
 * OPA's field names ({@code decision_id}, {@code path}, {@code input}, {@code result},
 * {@code bundles}, {@code timestamp}) so existing decision-log tooling reads it. Configured input
 * paths (dotted, e.g. {@code request.headers.authorization}) are replaced by {@code "***"}.
 */
public final class DecisionLog {
    private static final Logger log = LoggerFactory.getLogger("certgate.decisions");
    private static final String MASK = "***";

    private final ObjectMapper json;
    private final List<List<String>> maskedPaths;
    private final boolean enabled;

    public DecisionLog(ObjectMapper json, List<String> maskedInputPaths, boolean enabled) {
        this.json = json;
        this.maskedPaths = maskedInputPaths.stream().map(p -> List.of(p.split("\\."))).toList();
        this.enabled = enabled;
    }

    /** A disabled log, for library use and tools. */
    public static DecisionLog disabled(ObjectMapper json) {
        return new DecisionLog(json, List.of(), false);
    }

    /**
     * Records one decision.
     *
     * @param result the entrypoint's value, or null when undefined or failed
     * @param error what went wrong, or null
     */
    public void record(String decisionId, String path, String revision, JsonNode input, @Nullable JsonNode result,
            @Nullable String error, long latencyNanos, boolean cached) {
        record(decisionId, path, revision, input, result, error, latencyNanos, cached, null);
    }

    /**
     * Records one decision with what the attribute providers answered ({@code providers}: per input
     * field, the provider, its status and, when it failed, why).
     */
    public void record(String decisionId, String path, String revision, JsonNode input, @Nullable JsonNode result,
            @Nullable String error, long latencyNanos, boolean cached, @Nullable JsonNode providers) {
        if (!enabled || !log.isInfoEnabled()) {
            return;
        }
        ObjectNode line = json.createObjectNode();
        line.put("decision_id", decisionId);
        line.put("timestamp", Instant.now().toString());
        line.put("path", path);
        line.putObject("bundles").putObject("policy").put("revision", revision);
        line.set("input", mask(input));
        if (providers != null) {
            line.set("providers", providers);
        }
        if (result != null) {
            line.set("result", result);
            JsonNode reasons = result.path("reasons");
            if (reasons.isArray()) {
                line.set("reason_codes", json.valueToTree(reasons.findValuesAsText("code")));
            }
        }
        if (error != null) {
            line.put("error", error);
        }
        line.putObject("metrics").put("timer_server_handler_ns", latencyNanos);
        line.put("cached", cached);
        try {
            log.info(json.writeValueAsString(line));
        } catch (JsonProcessingException e) {
            log.warn("cannot write decision {} to the decision log: {}", decisionId, e.getMessage());
        }
    }

    private JsonNode mask(JsonNode input) {
        if (maskedPaths.isEmpty() || !input.isObject()) {
            return input;
        }
        JsonNode copy = input.deepCopy();
        for (List<String> path : maskedPaths) {
            JsonNode parent = copy;
            for (int i = 0; i < path.size() - 1 && parent != null; i++) {
                parent = parent.get(path.get(i));
            }
            if (parent instanceof ObjectNode obj && obj.has(path.get(path.size() - 1))) {
                obj.put(path.get(path.size() - 1), MASK);
            }
        }
        return copy;
    }
}
