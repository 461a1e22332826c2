package io.certgate.pdp.boundary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HeaderPolicyTest {
    private final HeaderPolicy policy = HeaderPolicy.defaults();

    /** Every trust header a client may try to assert, in the spellings upstreams read alike. */
    @ParameterizedTest
    @ValueSource(strings = {"x-ssl-client-cn", "X_SSL_Client_CN", "X-SSL-VERIFY", "x_ssl_verify",
            "X_Authenticated_Userid", "x-authenticated-userid", "x-client-id", "X-Roles", "x-decision-id",
            "X-Forwarded-Client-Cert", "x-forwarded-tls-client-cert", "X-Client-Cert", "X-Client-Verify",
            "SSL-Client-Cert", "X-ARR-ClientCert", "X-Real-IP", "Forwarded", "X-Forwarded-For", "x-forwarded-host",
            "x-authz-fallback", "X-Certgate-Assertion", "x-certgate-service", "x-original-uri",
            "x-amzn-mtls-clientcert", "x-envoy-original-path", "x-auth-request-user", "x-remote-user"})
    void trustHeadersNeverComeFromClients(String name) {
        assertThat(policy.fromClient(name)).isFalse();
        assertThat(policy.toRemove(List.of(name, "accept"))).containsExactly(name);
    }

    @Test
    void ordinaryHeadersPass() {
        for (String name : List.of("accept", "user-agent", "x-request-id", "content-type", "authorization",
                "x-tenant", "cookie", "x-client-version", "x-user-agent-hint")) {
            assertThat(policy.fromClient(name)).as(name).isTrue();
        }
    }

    @Test
    void underscoresAreDroppedUnlessAllowedButReservedNamesStayStripped() {
        assertThat(policy.fromClient("x_tenant")).isFalse();
        HeaderPolicy lenient = HeaderPolicy.of(true, HeaderPolicy.DEFAULT_OBLIGATIONS);
        assertThat(lenient.fromClient("x_tenant")).isTrue();
        assertThat(lenient.fromClient("X_SSL_Client_CN")).isFalse();
        assertThat(lenient.fromClient("x_client_id")).isFalse();
    }

    @Test
    void hopByHopHostAndPseudoHeadersAreNotClientHeaders() {
        for (String name : List.of("connection", "Transfer-Encoding", "upgrade", "te", "keep-alive", "host",
                ":authority", ":path")) {
            assertThat(policy.fromClient(name)).as(name).isFalse();
        }
        assertThat(policy.toRemove(List.of(":path", "host", "connection"))).containsExactly("connection");
    }

    @Test
    void obligationsAreLimitedToThePattern() {
        Map<String, String> decided = new LinkedHashMap<>();
        decided.put("x-authenticated-userid", "alice");
        decided.put("X-Client-Id", "billing");
        decided.put("x-roles", "read");
        decided.put("x-ssl-client-cn", "root");
        decided.put("x-forwarded-for", "10.0.0.1");
        decided.put("set-cookie", "a=b");
        decided.put("x_client_id", "x");
        List<String> refused = new ArrayList<>();
        Map<String, String> kept = policy.obligations(decided, refused::add);
        assertThat(kept).containsOnlyKeys("x-authenticated-userid", "x-client-id", "x-roles");
        assertThat(refused).containsExactly("x-ssl-client-cn", "x-forwarded-for", "set-cookie", "x_client_id");
    }

    @Test
    void configuredObligationsAreStrippedFromClientsToo() {
        HeaderPolicy custom = HeaderPolicy.of(false, List.of("x-tenant-id", "x-user-*"));
        assertThat(custom.fromClient("X-Tenant-Id")).isFalse();
        assertThat(custom.fromClient("x-user-email")).isFalse();
        assertThat(custom.fromClient("x-client-id")).as("not an obligation of this policy").isTrue();
        assertThat(custom.obligationAllowed("x-tenant-id")).isTrue();
        assertThat(custom.obligationAllowed("x-authenticated-userid")).isFalse();
    }

    @Test
    void patternsThatWouldReachTrustHeadersAreConfigErrors() {
        for (String p : List.of("x-*", "x-ssl-*", "x-forwarded-for", "*", "forwarded", "X-Upper", "x_y", "a*b*",
                "connection")) {
            assertThatThrownBy(() -> HeaderPolicy.of(false, List.of(p))).as(p)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(HeaderPolicy.of(false, HeaderPolicy.DEFAULT_OBLIGATIONS).obligationAllowed("x-client-id")).isTrue();
    }

    @Test
    void canonicalNamesFoldCaseAndUnderscores() {
        assertThat(HeaderPolicy.canonicalName("X_SSL_Client_CN")).isEqualTo("x-ssl-client-cn");
    }
}
