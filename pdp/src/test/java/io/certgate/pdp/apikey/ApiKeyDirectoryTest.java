package io.certgate.pdp.apikey;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ApiKeyDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // SHA-256 of "demo-acme-erp-migration-key"
    private static final String DIGEST = "af79e36f0cd51e937c5d1add271beb385c39a79718fda69e40aebd8c601bf8df";

    private static ApiKeyDirectory directory() throws Exception {
        return ApiKeyDirectory.fromData(JSON.readTree("""
                {"mtls": {"api_keys": {
                  "acme-2024": {"sha256": "%s", "client": "acme-erp"},
                  "broken": {"sha256": "not-hex", "client": "x"},
                  "no-client": {"sha256": "%s"}
                }}}""".formatted(DIGEST.toUpperCase(), "00".repeat(32))));
    }

    private static ObjectNode input(String apiKey) throws Exception {
        return (ObjectNode) JSON.readTree("{\"api_key\": " + apiKey + "}");
    }

    @Test
    void aKnownDigestNamesItsClientAndKeyAndTheDigestIsGone() throws Exception {
        ObjectNode in = input("{\"present\": true, \"sha256\": \"" + DIGEST + "\"}");
        directory().resolve(in);
        assertThat(in.get("api_key").toString())
                .isEqualTo("{\"present\":true,\"valid\":true,\"client_id\":\"acme-erp\",\"key_id\":\"acme-2024\"}");
    }

    @Test
    void malformedEntriesAreSkipped() throws Exception {
        assertThat(directory().size()).isEqualTo(1);
    }

    @Test
    void anUnknownOrMalformedDigestIsInvalid() throws Exception {
        for (String sent : new String[] {"\"" + "11".repeat(32) + "\"", "\"xyz\"", "null", "\"" + "00".repeat(32) + "\""}) {
            ObjectNode in = input("{\"present\": true, \"sha256\": " + sent + "}");
            directory().resolve(in);
            assertThat(in.get("api_key").toString()).isEqualTo("{\"present\":true,\"valid\":false}");
        }
    }

    @Test
    void whatACallerClaimsIsDiscarded() throws Exception {
        ObjectNode in = input("{\"present\": true, \"valid\": true, \"client_id\": \"admin\"}");
        directory().resolve(in);
        assertThat(in.get("api_key").toString()).isEqualTo("{\"present\":true,\"valid\":false}");
        ObjectNode absent = input("{\"present\": false, \"sha256\": \"" + DIGEST + "\"}");
        directory().resolve(absent);
        assertThat(absent.get("api_key").toString()).isEqualTo("{\"present\":false}");
    }

    @Test
    void noKeysInTheBundle() throws Exception {
        ObjectNode in = input("{\"present\": true, \"sha256\": \"" + DIGEST + "\"}");
        ApiKeyDirectory.fromData(JSON.readTree("{}")).resolve(in);
        assertThat(in.get("api_key").path("valid").asBoolean()).isFalse();
    }
}
