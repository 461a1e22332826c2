package io.certgate.pdp.api.authzen;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.InteropConfig;
import io.certgate.pdp.support.InProcessCalls;
import io.certgate.pdp.support.ReferencePdp;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the request bodies of the AuthZEN API ({@code POST /access/v1/evaluation} and {@code /evaluations}),
 * answered by the real service over the reference bundle's {@code authzen/decision}. The seeds are AuthZEN
 * requests (single, batch with defaults, each evaluations semantic).
 *
 * <p>Properties: the answer is never a 500; a 200 carries a boolean decision for every evaluation it answers;
 * anything else is a 400 whose message says what is wrong.
 */
class AuthzenServiceFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Pdp pdp;
    private static AuthzenService service;

    @BeforeAll
    static void start() throws Exception {
        pdp = ReferencePdp.start();
        service = new AuthzenService(pdp.decisions(), InteropConfig.DEFAULT_AUTHZEN_ENTRYPOINT, pdp.json());
    }

    @AfterAll
    static void stop() {
        pdp.close();
    }

    @FuzzTest
    void post(byte[] body) throws Exception {
        for (String path : List.of(AuthzenService.EVALUATION, AuthzenService.EVALUATIONS)) {
            AggregatedHttpResponse r = InProcessCalls.serve(service,
                    HttpRequest.of(HttpMethod.POST, path, MediaType.JSON, body));
            assertThat(r.status().code()).as("%s: %s", path, r.contentUtf8()).isNotEqualTo(500);
            if (!r.status().isSuccess()) {
                assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(400);
                assertThat(r.contentUtf8()).isNotBlank();
                continue;
            }
            JsonNode answer = JSON.readTree(r.contentUtf8());
            JsonNode evaluations = answer.has("evaluations") ? answer.get("evaluations")
                    : JSON.createArrayNode().add(answer);
            for (JsonNode evaluation : evaluations) {
                assertThat(evaluation.path("decision").isBoolean()).as(r.contentUtf8()).isTrue();
            }
        }
    }
}
