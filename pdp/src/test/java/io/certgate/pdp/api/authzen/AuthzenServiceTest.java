package io.certgate.pdp.api.authzen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pdp.support.RunningPdp;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An AuthZEN 1.0 client against a running PDP: the reference bundle, and a test policy for edge cases. */
class AuthzenServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static RunningPdp reference;
    static RunningPdp gate;

    @BeforeAll
    static void start() throws Exception {
        reference = RunningPdp.start(tmp, "", null);
        gate = RunningPdp.start(tmp, "policy: {entrypoint: test/gate/decision}\n"
                + "interop: {authzen_entrypoint: test/gate/authzen}\n", "interop");
    }

    @AfterAll
    static void stop() {
        reference.close();
        gate.close();
    }

    static AggregatedHttpResponse post(RunningPdp pdp, String path, String body, String... headers) {
        var h = RequestHeaders.builder(HttpMethod.POST, path).contentType(MediaType.JSON);
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return WebClient.of(pdp.base()).execute(HttpRequest.of(h.build(),
                com.linecorp.armeria.common.HttpData.ofUtf8(body))).aggregate().join();
    }

    static String req(String subject, String resource) {
        return "{\"subject\":{\"type\":\"user\",\"id\":\"" + subject + "\"},\"action\":{\"name\":\"GET\"},"
                + "\"resource\":{\"type\":\"service\",\"id\":\"" + resource + "\"}}";
    }

    @Test
    void referencePolicyDecidesThroughTheAuthzenPackage() throws Exception {
        AggregatedHttpResponse r = post(reference, AuthzenService.EVALUATION, req("alice", "admin-console"),
                "x-request-id", "req-42");
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.headers().get("x-request-id")).isEqualTo("req-42");
        JsonNode body = JSON.readTree(r.contentUtf8());
        assertThat(body.get("decision").asBoolean()).isFalse();
        assertThat(body.at("/context/status").asInt()).isEqualTo(401);
        assertThat(body.at("/context/reasons/0/code").asText()).isEqualTo("CERT_MISSING");
        assertThat(body.at("/context/decision_id").asText()).isNotEmpty();
    }

    @Test
    void aBodyNestedDeeperThanTheParserAllowsIsA400() {
        AggregatedHttpResponse r = post(reference, AuthzenService.EVALUATION,
                "{\"subject\":" + "[".repeat(1001) + "]".repeat(1001) + "}");
        assertThat(r.status().code()).isEqualTo(400);
        assertThat(r.contentUtf8()).isEqualTo("the request body is nested deeper than 64 levels");
    }

    @Test
    void booleanAndObjectDecisionsAndTheInputIsTheRequest() throws Exception {
        JsonNode allow = JSON.readTree(post(gate, AuthzenService.EVALUATION, req("alice", "doc")).contentUtf8());
        assertThat(allow.get("decision").asBoolean()).isTrue();
        assertThat(allow.at("/context/seen/subject/id").asText()).isEqualTo("alice");
        assertThat(allow.at("/context/seen/time/now").asText()).isNotEmpty();
        JsonNode deny = JSON.readTree(post(gate, AuthzenService.EVALUATION, req("bob", "doc")).contentUtf8());
        assertThat(deny.get("decision").asBoolean()).isFalse();
        JsonNode broken = JSON.readTree(post(gate, AuthzenService.EVALUATION, req("alice", "broken")).contentUtf8());
        assertThat(broken.get("decision").asBoolean()).isFalse();
        assertThat(broken.at("/context/error/message").asText()).contains("neither a boolean");
    }

    @Test
    void evaluationsMergeDefaultsAndHonourSemantics() throws Exception {
        String items = "\"subject\":{\"type\":\"user\",\"id\":\"alice\"},\"action\":{\"name\":\"read\"},"
                + "\"resource\":{\"type\":\"doc\",\"id\":\"default\"},"
                + "\"evaluations\":[{},{\"subject\":{\"type\":\"user\",\"id\":\"bob\"}},"
                + "{\"resource\":{\"type\":\"doc\",\"id\":\"third\"}}]";
        JsonNode all = JSON.readTree(post(gate, AuthzenService.EVALUATIONS, "{" + items + "}").contentUtf8());
        assertThat(all.get("evaluations")).hasSize(3);
        assertThat(all.at("/evaluations/0/decision").asBoolean()).isTrue();
        assertThat(all.at("/evaluations/1/decision").asBoolean()).isFalse();
        assertThat(all.at("/evaluations/2/context/seen/resource/id").asText()).isEqualTo("third");
        assertThat(all.at("/evaluations/2/context/seen/subject/id").asText()).isEqualTo("alice");

        JsonNode denyFirst = JSON.readTree(post(gate, AuthzenService.EVALUATIONS, "{" + items
                + ",\"options\":{\"evaluations_semantic\":\"deny_on_first_deny\"}}").contentUtf8());
        assertThat(denyFirst.get("evaluations")).hasSize(2);
        JsonNode permitFirst = JSON.readTree(post(gate, AuthzenService.EVALUATIONS, "{" + items
                + ",\"options\":{\"evaluations_semantic\":\"permit_on_first_permit\"}}").contentUtf8());
        assertThat(permitFirst.get("evaluations")).hasSize(1);
        // no evaluations array: behaves like a single evaluation
        JsonNode single = JSON.readTree(post(gate, AuthzenService.EVALUATIONS, req("alice", "x")).contentUtf8());
        assertThat(single.get("decision").asBoolean()).isTrue();
    }

    @Test
    void metadataNamesTheEndpoints() throws Exception {
        AggregatedHttpResponse r = WebClient.of(gate.base()).get(AuthzenService.METADATA).aggregate().join();
        JsonNode meta = JSON.readTree(r.contentUtf8());
        assertThat(meta.get("policy_decision_point").asText()).isEqualTo(gate.base());
        assertThat(meta.get("access_evaluation_endpoint").asText()).isEqualTo(gate.base() + "/access/v1/evaluation");
        assertThat(meta.get("access_evaluations_endpoint").asText()).endsWith("/access/v1/evaluations");
    }

    @Test
    void badRequestsAre400WithAMessageAndTheRequestId() {
        assertBad(post(gate, AuthzenService.EVALUATION, "{not json", "x-request-id", "r1"), "not valid JSON");
        assertBad(post(gate, AuthzenService.EVALUATION, "[1]"), "must be a JSON object");
        assertBad(post(gate, AuthzenService.EVALUATION,
                "{\"action\":{\"name\":\"GET\"},\"resource\":{\"type\":\"t\",\"id\":\"i\"}}"), "subject is required");
        assertBad(post(gate, AuthzenService.EVALUATION, req("alice", "x").replace("\"alice\"", "7")),
                "subject.id must be a string");
        assertBad(post(gate, AuthzenService.EVALUATIONS, "{\"evaluations\":[{\"subject\":{\"type\":\"u\",\"id\":\"a\"}}]}"),
                "evaluations[0].action is required");
        assertBad(post(gate, AuthzenService.EVALUATIONS, "{" + req("a", "b").substring(1, req("a", "b").length() - 1)
                + ",\"evaluations\":[{}],\"options\":{\"evaluations_semantic\":\"sometimes\"}}"), "evaluations_semantic");
        AggregatedHttpResponse withId = post(gate, AuthzenService.EVALUATION, "{", "x-request-id", "r1");
        assertThat(withId.headers().get("x-request-id")).isEqualTo("r1");
        AggregatedHttpResponse huge = post(gate, AuthzenService.EVALUATION, "{\"x\":\"" + "a".repeat(200_000) + "\"}",
                "x-request-id", "big");
        assertThat(huge.status().code()).isEqualTo(413);
        assertThat(huge.contentUtf8()).contains("max_request_bytes");
        assertThat(huge.headers().get("x-request-id")).isEqualTo("big");
    }

    @Test
    void missingEntrypointIs500WithAClearMessage() throws Exception {
        AggregatedHttpResponse r = post(reference, AuthzenService.EVALUATION, req("a", "b"));
        assertThat(r.status().code()).isEqualTo(200);
        try (RunningPdp p = RunningPdp.start(tmp,
                "policy: {entrypoint: test/gate/decision}\ninterop: {authzen_entrypoint: no/such}\n", "interop")) {
            AggregatedHttpResponse missing = post(p, AuthzenService.EVALUATION, req("a", "b"));
            assertThat(missing.status().code()).isEqualTo(500);
            assertThat(missing.contentUtf8()).contains("no/such");
        }
    }

    @Test
    void lenientJsonIsA400WithTheSpecsPlainTextMessage() {
        String ok = req("alice", "doc");
        String withContext = ok.substring(0, ok.length() - 1) + ",\"context\":";
        String deep = "[".repeat(1_000) + "]".repeat(1_000);
        for (String path : new String[] {AuthzenService.EVALUATION, AuthzenService.EVALUATIONS}) {
            assertThat(post(gate, path, withContext + "{\"n\": 1e308}}").status().code()).isEqualTo(200);
            assertInvalid(post(gate, path, withContext + deep + "}", "x-request-id", "deep"),
                    "the request body is nested deeper than 64 levels");
            assertInvalid(post(gate, path, withContext + "{\"n\": 1e999}}", "x-request-id", "deep"),
                    "the request body has a number out of the range of a double at /context/n");
            assertInvalid(post(gate, path, withContext + "{\"s\": \"\\udfff\"}}", "x-request-id", "deep"),
                    "the request body has a string with an unpaired UTF-16 surrogate at /context/s");
            assertInvalid(post(gate, path, ok + " trailing", "x-request-id", "deep"),
                    "the request body is not valid JSON (line 1, column ");
            assertInvalid(post(gate, path, ok + ok, "x-request-id", "deep"),
                    "the request body is not valid JSON (line 1, column ");
        }
    }

    private static void assertInvalid(AggregatedHttpResponse r, String message) {
        assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(400);
        assertThat(r.headers().contentType()).isEqualTo(MediaType.PLAIN_TEXT_UTF_8);
        assertThat(r.headers().get("x-request-id")).isEqualTo("deep");
        assertThat(r.contentUtf8()).startsWith(message);
    }

    private static void assertBad(AggregatedHttpResponse r, String message) {
        assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(400);
        assertThat(r.contentUtf8()).contains(message);
    }
}
