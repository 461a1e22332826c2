package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import io.certgate.pep.support.AccessLogCapture;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-service policy switches: passive (report-only) mode, the condition selecting when the policy
 * applies, the error template, and step-up challenges. A "stranger" (valid certificate, CN the policy
 * does not allow) shows whether a decision was enforced; nothing denied reaches the upstream.
 */
class EnforcementModesTest {
    static final String TEMPLATE =
            "{\"error\":{\"status\":${status},\"code\":\"${error_code}\",\"detail\":\"${message}\",\"id\":\"${decision_id}\"}}";

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    static TestCert stranger;
    static AccessLogCapture log;
    static String quoteMessage;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        stranger = e.write(e.pki.certificate("stranger").c("DE").o("Elsewhere Inc").cn("stranger").clientAuth()
                .issuedBy(e.pki.intermediateCa()).build());
        String required = "{verify: required, ca_file: ca.pem}";
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("em-active", "active.example.test", required, "{}"),
                e.service("em-passive", "passive.example.test", required, "{mode: passive}"),
                e.service("em-paths", "paths.example.test", required, "{when: {paths: [\"/api/**\", \"/admin/*/keys\"]}}"),
                e.service("em-methods", "methods.example.test", required, "{when: {methods: [post, DELETE]}}"),
                e.service("em-headers", "headers.example.test", required,
                        "{when: {headers: [{name: X-Tenant, equals: acme}, {name: x-client-version, prefix: \"2.\"}]}}"),
                e.service("em-template", "template.example.test", required,
                        "{error_template: '" + TEMPLATE + "'}"))).port();
        log = AccessLogCapture.attach(e);
        quoteMessage = E2e.JSON.readTree(Files.readString(E2e.e2ePolicies().resolve("data.json")))
                .get("quote_message").asText();
    }

    @AfterAll
    static void stop() {
        log.close();
        e.close();
    }

    private static Resp get(String host, TestCert cert, String path, String... headers) {
        return E2e.get(e.client(port, host, cert), path, headers);
    }

    private static Resp send(String host, TestCert cert, HttpMethod method, String path, String... headers) {
        RequestHeadersBuilder b = RequestHeaders.builder(method, path);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return E2e.execute(e.client(port, host, cert), b.build());
    }

    private static void assertPolicyDenied(Resp r, int upstreamBefore) {
        assertThat(r.status()).as(r.toString()).isEqualTo(403);
        assertThat(r.field("error_code")).isEqualTo("CLIENT_UNKNOWN");
        assertThat(r.field("decision_id")).hasSize(36);
        assertThat(e.upstream.count()).as("a deny never reaches the upstream").isEqualTo(upstreamBefore);
    }

    /** Forwarded without asking the PDP: identity headers set, no decision and no obligations. */
    private static void assertForwardedWithoutDecision(Resp r, int upstreamBefore, String path) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(upstreamBefore + 1);
        RequestHeaders up = e.upstream.last();
        assertThat(up.get("x-ssl-verify")).isEqualTo("0");
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("stranger");
        assertThat(up.get("x-decision-id")).isNull();
        assertThat(up.get("x-client-id")).isNull();
        assertThat(up.get("x-roles")).isNull();
        JsonNode line = log.last(path);
        assertThat(line.get("policy").asText()).isEqualTo("not applicable");
        assertThat(line.get("effect").asText()).isEqualTo("forward");
        assertThat(line.has("decision_id")).isFalse();
    }

    // ------------------------------------------------------------------ active vs passive

    @Test
    void activeModeEnforcesTheDeny() {
        int before = e.upstream.count();
        assertPolicyDenied(get("active.example.test", stranger, "/x"), before);
    }

    @Test
    void passiveModeForwardsADenyAndLogsWhatWouldHaveHappened() {
        int before = e.upstream.count();
        Resp r = get("passive.example.test", stranger, "/passive-deny", "x-client-id", "spoofed");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        RequestHeaders up = e.upstream.last();
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("stranger");
        assertThat(up.get("x-client-id")).as("spoofed copies are stripped in passive mode too").isNull();
        JsonNode line = log.last("/passive-deny");
        assertThat(line.get("effect").asText()).isEqualTo("passive");
        assertThat(line.get("would_be").asText()).isEqualTo("deny");
        assertThat(line.get("reasons").toString()).isEqualTo("[\"CLIENT_UNKNOWN\"]");
        assertThat(line.get("decision_id").asText()).hasSize(36);
    }

    @Test
    void passiveModeForwardsAChallengeAndKeepsAllowObligations() {
        Resp challenge = get("passive.example.test", e.pki.partnerClient(), "/mfa");
        assertThat(challenge.status()).isEqualTo(200);
        assertThat(challenge.header("www-authenticate")).isNull();
        assertThat(log.last("/mfa").get("would_be").asText()).isEqualTo("challenge");

        Resp allow = get("passive.example.test", e.pki.partnerClient(), "/passive-allow");
        assertThat(allow.status()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-client-id")).isEqualTo("billing-service");
        assertThat(log.last("/passive-allow").get("would_be").asText()).isEqualTo("allow");
    }

    @Test
    void passiveModeStillVerifiesCertificates() {
        // Report-only concerns the policy decision; the CA error strategy (strict here) still applies.
        int before = e.upstream.count();
        Resp untrusted = get("passive.example.test", e.pki.otherCaClient(), "/x");
        assertThat(untrusted.status()).isEqualTo(401);
        assertThat(untrusted.field("error_code")).isEqualTo("CERT_UNTRUSTED");
        Resp none = get("passive.example.test", null, "/x");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.field("error_code")).isEqualTo("CERT_REQUIRED");
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ when

    @Test
    void pathConditionSelectsWhereThePolicyApplies() {
        int before = e.upstream.count();
        assertPolicyDenied(get("paths.example.test", stranger, "/api/v1/invoices"), before);
        assertPolicyDenied(get("paths.example.test", stranger, "/api/"), before);
        assertPolicyDenied(get("paths.example.test", stranger, "/admin/42/keys"), before);

        assertForwardedWithoutDecision(get("paths.example.test", stranger, "/health",
                "x-client-id", "spoofed", "x-ssl-client-cn", "spoofed"), before, "/health");
        assertForwardedWithoutDecision(get("paths.example.test", stranger, "/api"), before + 1, "/api");
        assertForwardedWithoutDecision(get("paths.example.test", stranger, "/apix/1"), before + 2, "/apix/1");
        // "*" stays within one segment.
        assertForwardedWithoutDecision(get("paths.example.test", stranger, "/admin/4/2/keys"), before + 3,
                "/admin/4/2/keys");
    }

    @Test
    void dotSegmentsCannotDodgeThePathCondition() throws Exception {
        // An upstream would resolve these to /api/x and /mfa; the gateway refuses them instead.
        int before = e.upstream.count();
        for (String path : new String[] {"/./api/x", "/%2e/api/x", "/api/./x", "/./mfa"}) {
            Resp r = e.http1(port, "paths.example.test", stranger,
                    "GET " + path + " HTTP/1.1\r\nHost: paths.example.test\r\n\r\n");
            assertThat(r.status()).as(path + ": " + r).isEqualTo(400);
        }
        for (String path : new String[] {"/x/../api/x", "/%2e%2e/api/x"}) {
            Resp r = e.http1(port, "paths.example.test", stranger,
                    "GET " + path + " HTTP/1.1\r\nHost: paths.example.test\r\n\r\n");
            assertThat(r.status()).as(path + ": " + r).isEqualTo(400);
        }
        Resp mfa = e.curl(port, "active.example.test", "/./mfa", e.pki.partnerClient(), "--path-as-is").resp();
        assertThat(mfa.status()).isEqualTo(400);
        assertThat(mfa.field("error_code")).isEqualTo("BAD_PATH");
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void methodConditionSelectsWhereThePolicyApplies() {
        int before = e.upstream.count();
        assertPolicyDenied(send("methods.example.test", stranger, HttpMethod.POST, "/m"), before);
        assertPolicyDenied(send("methods.example.test", stranger, HttpMethod.DELETE, "/m"), before);
        assertForwardedWithoutDecision(send("methods.example.test", stranger, HttpMethod.GET, "/m-get"), before,
                "/m-get");
        assertForwardedWithoutDecision(send("methods.example.test", stranger, HttpMethod.PUT, "/m-put"), before + 1,
                "/m-put");
    }

    @Test
    void headerConditionsExemptOnlyAnUnambiguousMismatch() {
        int before = e.upstream.count();
        assertPolicyDenied(get("headers.example.test", stranger, "/h", "x-tenant", "acme", "x-client-version", "2.1"),
                before);
        assertPolicyDenied(get("headers.example.test", stranger, "/h", "x-tenant", "acme", "x-client-version", "2."),
                before);
        // Another spelling of the value, or no header at all, is not outside the condition: the policy decides.
        assertPolicyDenied(get("headers.example.test", stranger, "/h-case", "x-tenant", "ACME",
                "x-client-version", "2.1"), before);
        assertPolicyDenied(get("headers.example.test", stranger, "/h-missing", "x-tenant", "acme"), before);
        assertForwardedWithoutDecision(get("headers.example.test", stranger, "/h-equals",
                "x-tenant", "acme2", "x-client-version", "2.1"), before, "/h-equals");
        assertForwardedWithoutDecision(get("headers.example.test", stranger, "/h-prefix",
                "x-tenant", "acme", "x-client-version", "12.1"), before + 1, "/h-prefix");
    }

    @Test
    void outsideTheConditionCertificatesAreStillVerified() {
        int before = e.upstream.count();
        for (String host : new String[] {"paths.example.test", "methods.example.test", "headers.example.test"}) {
            Resp none = get(host, null, "/health");
            assertThat(none.status()).as(host).isEqualTo(401);
            assertThat(none.field("error_code")).isEqualTo("CERT_REQUIRED");
            Resp untrusted = get(host, e.pki.expiredClient(), "/health");
            assertThat(untrusted.status()).as(host).isEqualTo(401);
            assertThat(untrusted.field("message")).endsWith("(10)");
        }
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ error bodies

    @Test
    void theErrorTemplateRendersJsonEscapedValues() throws IOException {
        int before = e.upstream.count();
        Resp r = get("template.example.test", stranger, "/quote");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("content-type")).startsWith("application/json");
        JsonNode error = r.json().get("error");
        assertThat(error.get("status").asInt()).isEqualTo(403);
        assertThat(error.get("code").asText()).isEqualTo("QUOTE\"D");
        assertThat(error.get("detail").asText()).isEqualTo(quoteMessage)
                .contains("\"quoted\"", "\\", "\t", "\n", "ünïcødé ✓", "</script>");
        assertThat(error.get("id").asText()).hasSize(36);
        assertThat(r.json().size()).isEqualTo(1);

        Resp missing = get("template.example.test", null, "/quote");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.json().get("error").get("code").asText()).isEqualTo("CERT_REQUIRED");
        assertThat(missing.json().get("error").get("id").asText()).isEmpty();

        // Requests are routed by Host, so the service named by the Host renders the 421.
        Resp misdirected = E2e.execute(e.client(port, "active.example.test", e.pki.partnerClient()),
                RequestHeaders.builder(HttpMethod.GET, "/x").authority("template.example.test").build());
        assertThat(misdirected.status()).isEqualTo(421);
        assertThat(misdirected.json().get("error").get("status").asInt()).isEqualTo(421);
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void theDefaultErrorBodyEscapesToo() {
        Resp r = get("active.example.test", stranger, "/quote");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().size()).isEqualTo(4);
        assertThat(r.json().get("status").asInt()).isEqualTo(403);
        assertThat(r.field("error_code")).isEqualTo("QUOTE\"D");
        assertThat(r.field("message")).isEqualTo(quoteMessage);
        assertThat(r.field("decision_id")).hasSize(36);
    }

    @Test
    void challengeIsA401WithAnRfc9470StepUpHeader() {
        int before = e.upstream.count();
        WebClient c = e.client(port, "active.example.test", e.pki.partnerClient());
        Resp r = E2e.get(c, "/mfa");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("www-authenticate")).isEqualTo("Bearer error=\"insufficient_user_authentication\", "
                + "error_description=\"step-up authentication is required\", acr_values=\"urn:example:mfa\", "
                + "max_age=300");
        assertThat(r.field("error_code")).isEqualTo("MFA_REQUIRED");
        assertThat(r.field("message")).isEqualTo("step-up authentication is required");
        assertThat(r.field("decision_id")).hasSize(36);
        assertThat(r.header("cache-control")).isEqualTo("no-store");
        assertThat(e.upstream.count()).isEqualTo(before);
        JsonNode line = log.last("/mfa");
        assertThat(line.get("effect").asText()).isEqualTo("challenge");
        assertThat(line.get("decision_id").asText()).isEqualTo(r.field("decision_id"));
    }
}
