package io.certgate.pdp.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.decision.Challenge;
import org.junit.jupiter.api.Test;

class DenyReplyTest {
    @Test
    void defaultBodyIsJsonWithEscapedValues() throws Exception {
        DenyReply r = DenyReply.error(null, 403, "DENIED", "no \"quotes\"\n here", "id-1");
        var body = new ObjectMapper().readTree(r.body());
        assertThat(body.get("status").asInt()).isEqualTo(403);
        assertThat(body.get("message").asText()).isEqualTo("no \"quotes\"\n here");
        assertThat(r.headers()).containsEntry("cache-control", "no-store");
    }

    @Test
    void aPlaceholderInsideAValueIsNotExpanded() {
        DenyReply r = DenyReply.error("${error_code}|${message}|${decision_id}", 403, "X", "see ${decision_id}", "d");
        assertThat(r.body()).isEqualTo("X|see ${decision_id}|d");
    }

    @Test
    void challengeHeaderQuotesAndSanitizes() {
        String v = DenyReply.wwwAuthenticate(new Challenge("mfa", "urn:a \"b\"", 300), "step\r\nup \\ now");
        assertThat(v).isEqualTo("Bearer error=\"insufficient_user_authentication\", error_description=\"step%0D%0Aup "
                + "\\\\ now\", acr_values=\"urn:a \\\"b\\\"\", max_age=300");
    }
}
