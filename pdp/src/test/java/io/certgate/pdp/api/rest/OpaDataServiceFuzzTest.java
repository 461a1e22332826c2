package io.certgate.pdp.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.support.InProcessCalls;
import io.certgate.pdp.support.ReferencePdp;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the request bodies of OPA's Data API ({@code POST /v1/data/{path}} with {@code {"input": ...}} and
 * {@code POST /v0/data/{path}} whose body is the input), answered by the real service over the reference
 * bundle. The seeds are real decision inputs.
 *
 * <p>Properties: the answer is never a 500 (a malformed body is the caller's 400, any input a decision) and
 * always a JSON body: the result with a decision id, or OPA's {@code {code, message}} error.
 */
class OpaDataServiceFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Pdp pdp;
    private static OpaDataService service;

    @BeforeAll
    static void start() throws Exception {
        pdp = ReferencePdp.start();
        service = new OpaDataService(pdp.decisions(), pdp.json());
    }

    @AfterAll
    static void stop() {
        pdp.close();
    }

    @FuzzTest
    void post(byte[] body) throws Exception {
        for (String prefix : List.of(OpaDataService.PREFIX, OpaDataService.V0_PREFIX)) {
            AggregatedHttpResponse r = InProcessCalls.serve(service, HttpRequest.of(HttpMethod.POST,
                    prefix + PdpConfig.DEFAULT_ENTRYPOINT, MediaType.JSON, body));
            assertThat(r.status().code()).as("%s: %s", prefix, r.contentUtf8()).isNotEqualTo(500);
            JsonNode answer = JSON.readTree(r.contentUtf8());
            if (r.status().isSuccess()) {
                assertThat(prefix.equals(OpaDataService.PREFIX) ? answer.path("decision_id").asText() : "v0")
                        .isNotBlank();
            } else {
                assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(400);
                assertThat(answer.path("message").asText()).isNotBlank();
            }
        }
    }
}
