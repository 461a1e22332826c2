package io.certgate.pdp.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.engine.LoadedPolicy;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.support.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Differential test: for generated inputs, the PDP's wasm evaluation of the reference policy equals
 * {@code opa eval} of the same Rego and data with the pinned opa (OPA is the oracle).
 */
class WasmMatchesOpaTest {
    private static final int INPUTS = 400;
    private static final String ENTRYPOINT = "mtls/authz/decision";
    private final ObjectMapper json = new ObjectMapper();

    static List<ObjectNode> sampleInputs(ObjectMapper json) throws Exception {
        Path dir = TestBundles.referencePolicies().getParent().resolve("testdata/inputs");
        List<ObjectNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                out.add((ObjectNode) json.readTree(Files.readString(p)));
            }
        }
        return out;
    }

    @Test
    void wasmDecisionsEqualOpaEval() throws Exception {
        Path policies = TestBundles.referencePolicies();
        List<ObjectNode> inputs = new InputGenerator(20261123L, sampleInputs(json)).generate(INPUTS);

        ArrayNode batch = json.createArrayNode();
        inputs.forEach(batch::add);
        String query = "x := [d | some item in input; d := data.mtls.authz.decision with input as item]";
        JsonNode opaOut = json.readTree(TestBundles.opa().eval(policies, query, json.writeValueAsString(batch)));
        JsonNode expected = opaOut.at("/result/0/bindings/x");
        assertThat(expected.size()).as("opa eval answered every input").isEqualTo(INPUTS);

        // The fast checks (fast.rego) are shortcuts for the common allow: with them switched off, the
        // full rules must reach exactly the same decisions.
        String fullRulesOnly = "x := [d | some item in input; d := data.mtls.authz.decision with input as item"
                + " with data.mtls.authz.fast_allow as false with data.mtls.authz.fast_certificate_clear as false"
                + " with data.mtls.authz.fast_method_clear as false with data.mtls.authz.fast_policy_clear as false"
                + " with data.mtls.authz.fast_challenge_clear as false]";
        JsonNode full = json.readTree(TestBundles.opa().eval(policies, fullRulesOnly, json.writeValueAsString(batch)))
                .at("/result/0/bindings/x");
        for (int i = 0; i < INPUTS; i++) {
            assertThat(full.get(i)).as("input #%d without the fast checks: %s", i, inputs.get(i))
                    .isEqualTo(expected.get(i));
        }

        var bundle = new BundleReader(json).read(TestBundles.compile(policies, "diff"), "reference");
        Map<String, Integer> effects = new TreeMap<>();
        // The subject here is fidelity, not the deadline: a cold JIT on a busy CI machine must not fail it.
        EngineOptions lenient = new EngineOptions(2, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10), 1024);
        try (PolicyEngine engine = new PolicyEngine(lenient, json, List.of(ENTRYPOINT))) {
            LoadedPolicy policy = engine.activate(bundle);
            for (int i = 0; i < INPUTS; i++) {
                JsonNode actual = json.readTree(policy.evaluate(ENTRYPOINT, json.writeValueAsString(inputs.get(i))))
                        .at("/0/result");
                assertThat(actual).as("input #%d: %s%nwasm: %s%nopa:  %s", i, inputs.get(i), actual, expected.get(i))
                        .isEqualTo(expected.get(i));
                effects.merge(actual.path("effect").asText() + "/" + actual.path("status").asText(), 1, Integer::sum);
            }
        }
        // The generator must reach every effect, or the comparison proves little.
        assertThat(effects.keySet()).anyMatch(k -> k.startsWith("allow/"))
                .anyMatch(k -> k.startsWith("deny/401")).anyMatch(k -> k.startsWith("deny/403"))
                .anyMatch(k -> k.startsWith("challenge/"));
    }

    /** {@code decide --trace} relies on the trace rule giving in wasm what OPA gives. */
    @Test
    void wasmTracesEqualOpaEval() throws Exception {
        Path policies = TestBundles.referencePolicies();
        int n = 60;
        List<ObjectNode> inputs = new InputGenerator(20261124L, sampleInputs(json)).generate(n);
        ArrayNode batch = json.createArrayNode();
        inputs.forEach(batch::add);
        String query = "x := [t | some item in input; t := data.mtls.authz.decision_trace with input as item]";
        JsonNode expected = json.readTree(TestBundles.opa().eval(policies, query, json.writeValueAsString(batch)))
                .at("/result/0/bindings/x");
        assertThat(expected.size()).as("opa eval answered every input").isEqualTo(n);

        var bundle = new BundleReader(json).read(TestBundles.compile(policies, "diff"), "reference");
        EngineOptions lenient = new EngineOptions(1, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(10), 1024);
        String trace = ENTRYPOINT + "_trace";
        try (PolicyEngine engine = new PolicyEngine(lenient, json, List.of(trace))) {
            LoadedPolicy policy = engine.activate(bundle);
            for (int i = 0; i < n; i++) {
                JsonNode actual = json.readTree(policy.evaluate(trace, json.writeValueAsString(inputs.get(i))))
                        .at("/0/result");
                assertThat(actual).as("input #%d: %s", i, inputs.get(i)).isEqualTo(expected.get(i));
                assertThat(actual.get("decision")).isEqualTo(json.readTree(policy.evaluate(ENTRYPOINT,
                        json.writeValueAsString(inputs.get(i)))).at("/0/result"));
            }
        }
    }
}
