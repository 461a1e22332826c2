package io.certgate.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.engine.PolicyEngine;
import java.util.List;
import org.junit.jupiter.api.Test;

class BundleWriterTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void theReferencePolicyWithOtherDataRoundTripsAndEvaluatesOverTheNewData() throws Exception {
        Bundle reference = new BundleReader(json).read(
                new ClasspathBundleSource(ClasspathBundleSource.REFERENCE).poll(), "reference");
        JsonNode data = reference.data().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) data.at("/mtls/services/partner-api")).put("verify", "none");

        byte[] written = new BundleWriter(json).write("demo-1", reference.wasm(), data, reference.entrypoints());
        Bundle back = new BundleReader(json).read(written, "demo");
        assertThat(back.revision()).isEqualTo("demo-1");
        assertThat(back.wasm()).isEqualTo(reference.wasm());
        assertThat(back.data()).isEqualTo(data);
        assertThat(back.entrypoints()).isEqualTo(reference.entrypoints());

        // The same module decides over the new data: partner-api no longer requires a certificate.
        String input = "{\"service\": {\"id\": \"partner-api\"}, \"request\": {\"method\": \"GET\", \"path\": \"/\"}}";
        try (PolicyEngine engine = new PolicyEngine(EngineOptions.defaults(), json, List.of("mtls/authz/decision"))) {
            String before = engine.activate(reference).evaluate("mtls/authz/decision", input);
            String after = engine.activate(back).evaluate("mtls/authz/decision", input);
            assertThat(before).contains("CERT_MISSING");
            assertThat(after).doesNotContain("CERT_MISSING");
        }
    }
}
