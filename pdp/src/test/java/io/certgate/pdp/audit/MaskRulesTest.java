package io.certgate.pdp.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MaskRulesTest {
    static final ObjectMapper json = new ObjectMapper();

    ObjectNode event(JsonNode input, JsonNode result) {
        ObjectNode e = json.createObjectNode().put("decision_id", "d1");
        e.set("input", input);
        e.set("result", result);
        return e;
    }

    @Test
    void erasesPresentFieldsListsThemAndLeavesTheCallersInputAlone() throws Exception {
        JsonNode input = json.readTree("""
                {"request": {"headers": {"authorization": "Bearer t", "a/b": "slash", "x": "keep"}},
                 "tokens": ["first", "second"]}""");
        JsonNode result = json.readTree("{\"headers\": {\"x-user-id\": \"alice\"}, \"effect\": \"allow\"}");
        String before = input.toString() + result;
        ObjectNode e = event(input, result);

        List<String> erased = new MaskRules(List.of("/input/request/headers/authorization", "/input/request/headers/a~1b",
                "/input/absent", "/input/tokens/0", "/result/headers/x-user-id")).apply(e);

        assertThat(erased).containsExactly("/input/request/headers/authorization", "/input/request/headers/a~1b",
                "/input/tokens/0", "/result/headers/x-user-id");
        assertThat(e.get("input").toString()).isEqualTo("{\"request\":{\"headers\":{\"x\":\"keep\"}},\"tokens\":[\"second\"]}");
        assertThat(e.get("result").toString()).isEqualTo("{\"headers\":{},\"effect\":\"allow\"}");
        assertThat(input.toString() + result).as("what the policy saw").isEqualTo(before);
    }

    @Test
    void nothingToEraseKeepsTheEventAsItIs() throws Exception {
        JsonNode input = json.readTree("{\"user\": \"u\"}");
        ObjectNode e = event(input, json.createObjectNode());
        assertThat(new MaskRules(DecisionLogsConfig.DEFAULT_MASK).apply(e)).isEmpty();
        assertThat(e.get("input")).isSameAs(input);
    }

    @Test
    void dottedInputPathsBecomePointers() {
        assertThat(MaskRules.fromDottedInputPath("request.headers.authorization"))
                .isEqualTo("/input/request/headers/authorization");
        assertThat(MaskRules.fromDottedInputPath("odd/name~x")).isEqualTo("/input/odd~1name~0x");
    }

    @Test
    void invalidPointersAreNamed() {
        List<String> errors = new ArrayList<>();
        MaskRules.validate(List.of("/input/ok", "input.dotted", "/metrics/x", "/result", ""),
                (i, why) -> errors.add(i + ": " + why));
        assertThat(errors).hasSize(4);
        assertThat(errors.get(0)).startsWith("1: is not a JSON pointer");
        assertThat(errors.get(1)).startsWith("2: must be a JSON pointer below /input or /result");
        assertThat(errors.get(2)).startsWith("3: must be a JSON pointer below /input or /result");
        assertThat(errors.get(3)).startsWith("4: must be a JSON pointer below /input or /result");
    }
}
