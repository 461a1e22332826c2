package io.certgate.pdp.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.support.RunningPdp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What OPA clients and gateway plugins send to OPA's Data API, against a running PDP. */
class OpaRestCompatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static RunningPdp pdp;
    static WebClient http;

    @BeforeAll
    static void start() throws Exception {
        pdp = RunningPdp.start(tmp, "policy: {entrypoint: test/gate/decision}\n", "interop");
        http = WebClient.of(pdp.base());
    }

    @AfterAll
    static void stop() {
        pdp.close();
    }

    static JsonNode json(AggregatedHttpResponse r) throws Exception {
        return JSON.readTree(r.contentUtf8());
    }

    @Test
    void kongAndApisixStylePostWithQueryFlags() throws Exception {
        AggregatedHttpResponse r = http.post("/v1/data/test/gate/authzen?pretty=true&metrics=true&explain=off",
                "{\"input\":{\"subject\":{\"id\":\"alice\"},\"resource\":{\"id\":\"x\"}}}").aggregate().join();
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.contentUtf8()).contains("\n");
        assertThat(json(r).at("/result/decision").asBoolean()).isTrue();
        assertThat(json(r).get("decision_id").asText()).isNotEmpty();
    }

    @Test
    void getWithInputQueryParameter() throws Exception {
        String input = URLEncoder.encode("{\"subject\":{\"id\":\"bob\"},\"resource\":{\"id\":\"x\"}}",
                StandardCharsets.UTF_8);
        AggregatedHttpResponse r = http.get("/v1/data/test/gate/authzen?input=" + input).aggregate().join();
        assertThat(json(r).at("/result/decision").asBoolean()).isFalse();
        assertThat(json(http.get("/v1/data/test/gate/authzen?input=%7Bnope").aggregate().join())
                .get("code").asText()).isEqualTo("invalid_parameter");
    }

    @Test
    void aBodyNestedDeeperThanTheParserAllowsIsA400() throws Exception {
        AggregatedHttpResponse r = http.post("/v1/data/test/gate/decision",
                "{\"input\":" + "[".repeat(1001) + "]".repeat(1001) + "}").aggregate().join();
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(json(r).get("code").asText()).isEqualTo("invalid_parameter");
        assertThat(json(r).get("message").asText()).isEqualTo("the request body is nested deeper than 64 levels");
    }

    @Test
    void missingInputKeyWarnsLikeOpa() throws Exception {
        JsonNode r = json(http.post("/v1/data/test/gate/decision", "{}").aggregate().join());
        assertThat(r.at("/warning/code").asText()).isEqualTo("api_usage_warning");
    }

    @Test
    void v0DataTakesTheInputAsBodyAndAnswersTheBareValue() throws Exception {
        AggregatedHttpResponse r = http.post("/v0/data/test/gate/authzen",
                "{\"subject\":{\"id\":\"alice\"},\"resource\":{\"id\":\"x\"}}").aggregate().join();
        assertThat(json(r).get("decision").asBoolean()).isTrue();
        AggregatedHttpResponse unknown = http.post("/v0/data/no/such", "{}").aggregate().join();
        assertThat(unknown.status().code()).isEqualTo(404);
    }

    @Test
    void kongAndApisixAdaptersOfTheReferenceBundle() throws Exception {
        try (RunningPdp reference = RunningPdp.start(tmp, "", null)) {
            WebClient ref = WebClient.of(reference.base());
            // what Kong's opa plugin sends (include_service_in_opa_input: true); no client certificate
            JsonNode kong = json(ref.post("/v1/data/gateways/kong/decision", "{\"input\": {\"client_ip\": "
                    + "\"203.0.113.20\", \"request\": {\"http\": {\"method\": \"GET\", \"path\": \"/orders\", "
                    + "\"host\": \"api.example.com\", \"headers\": {}}}, \"service\": {\"name\": \"partner-api\"}}}")
                    .aggregate().join());
            assertThat(kong.at("/result/allow").asBoolean()).isFalse();
            assertThat(kong.at("/result/status").asInt()).isEqualTo(401);
            assertThat(kong.at("/result/message").asText()).contains("client certificate is required");
            // what APISIX's opa plugin sends (with_service: true)
            JsonNode apisix = json(ref.post("/v1/data/gateways/apisix/decision", "{\"input\": {\"type\": \"http\", "
                    + "\"request\": {\"method\": \"GET\", \"path\": \"/orders\", \"headers\": {}}, "
                    + "\"var\": {\"remote_addr\": \"203.0.113.20\"}, \"service\": {\"name\": \"partner-api\"}}}")
                    .aggregate().join());
            assertThat(apisix.at("/result/allow").asBoolean()).isFalse();
            assertThat(apisix.at("/result/status_code").asInt()).isEqualTo(401);
        }
    }

    @Test
    void badInputUsesOpaErrorShape() throws Exception {
        AggregatedHttpResponse malformed = http.execute(com.linecorp.armeria.common.HttpRequest.of(
                com.linecorp.armeria.common.HttpMethod.POST, "/v1/data/test/gate/decision", MediaType.JSON,
                "{\"input\": ")).aggregate().join();
        assertThat(malformed.status().code()).isEqualTo(400);
        assertThat(json(malformed).get("code").asText()).isEqualTo("invalid_parameter");
        assertThat(json(malformed).get("message").asText()).contains("not valid JSON");
        AggregatedHttpResponse wrongType = http.post("/v1/data/test/gate/decision", "[1]").aggregate().join();
        assertThat(json(wrongType).get("message").asText()).contains("must be a JSON object");
        AggregatedHttpResponse put = http.put("/v1/data/test/gate/decision", "{}").aggregate().join();
        assertThat(put.status().code()).isEqualTo(405);
        assertThat(json(put).get("code").asText()).isEqualTo("invalid_parameter");
        AggregatedHttpResponse huge = http.post("/v1/data/test/gate/decision", new byte[200_000]).aggregate().join();
        assertThat(huge.status().code()).isEqualTo(413);
        assertThat(json(huge).get("code").asText()).isEqualTo("invalid_parameter");
        assertThat(json(huge).get("message").asText()).contains("max_request_bytes");
        AggregatedHttpResponse hugeH1 = WebClient.of("h1c://127.0.0.1:" + pdp.port())
                .post("/v1/data/test/gate/decision", new byte[200_000]).aggregate().join();
        assertThat(hugeH1.status().code()).isEqualTo(413);
        assertThat(json(hugeH1).get("code").asText()).isEqualTo("invalid_parameter");
    }

    /** JSON that lenient readers accept: the input, what follows the body, the message ({at}: the input's place). */
    static Stream<Arguments> lenientJson() {
        String deep = "[".repeat(1_000) + "]".repeat(1_000);
        return Stream.of(
                Arguments.of(deep, "", "{what} is nested deeper than 64 levels"),
                Arguments.of("{\"x\": 1e999}", "", "{what} has a number out of the range of a double at {at}/x"),
                Arguments.of("{\"x\": [\"\\ud800\"]}", "",
                        "{what} has a string with an unpaired UTF-16 surrogate at {at}/x/0"),
                Arguments.of("{}", " garbage", "{what} is not valid JSON (line 1, column "),
                Arguments.of("{}", " {}", "{what} is not valid JSON (line 1, column "),
                Arguments.of("{\"x\": 1, \"x\": 2}", "", "{what} is not valid JSON (line 1, column "));
    }

    private static void assertInvalid(AggregatedHttpResponse r, String message) throws Exception {
        assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(400);
        assertThat(json(r).get("code").asText()).isEqualTo("invalid_parameter");
        assertThat(json(r).get("message").asText()).startsWith(message);
    }

    @ParameterizedTest
    @MethodSource("lenientJson")
    void lenientJsonIsA400InOpasShapeOnEveryDataApi(String input, String after, String message) throws Exception {
        String body = "the request body";
        assertInvalid(http.post("/v1/data/test/gate/decision", "{\"input\": " + input + "}" + after).aggregate().join(),
                message.replace("{what}", body).replace("{at}", "/input"));
        assertInvalid(http.post("/v0/data/test/gate/decision", input + after).aggregate().join(),
                message.replace("{what}", body).replace("{at}", ""));
        if (input.length() < 100) {
            assertInvalid(http.get("/v1/data/test/gate/decision?input="
                    + URLEncoder.encode(input + after, StandardCharsets.UTF_8)).aggregate().join(),
                    message.replace("{what}", "the input query parameter").replace("{at}", ""));
        }
    }
}
