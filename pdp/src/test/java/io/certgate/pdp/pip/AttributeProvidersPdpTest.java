package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.decision.Reason;
import io.certgate.pdp.support.DecisionLines;
import io.certgate.testdata.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reference policy with all three providers against real servers (LDAP in memory, posture and
 * JWKS over HTTP): facts replace what the caller sent, and when a server is killed, slowed past the
 * deadline or corrupted, decisions keep coming within the deadline, follow the documented fallback,
 * and recover when the server is back.
 */
class AttributeProvidersPdpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SERIAL = "4f1c2a9be07d3c55a1e8";
    static final String CERT_SHA256 = "bfac3ee1c1786f7e294617205583ebd72cc3e8680e9ad267f19032e6b06602a2";
    /** Room for a healthy peer on a loaded machine, and still well below {@link ChaosHttpServer#SLOW}. */
    static final int TIMEOUT_MS = 1000;

    static TestDirectory directory;
    static ChaosHttpServer posture;
    static TestIssuer issuer;
    static ObjectNode template;

    MutableClock clock;
    Pdp pdp;
    DecisionLines decisionLog;
    String lastDecisionId;

    @BeforeAll
    static void servers() throws Exception {
        directory = new TestDirectory();
        issuer = new TestIssuer();
        String compliant = """
                {"id": "%s", "compliant": true, "managed": true, "disk_encrypted": true, "os_patch_age_days": 12,
                 "edr_running": true, "last_seen": "2026-03-12T09:58:00Z", "os": "macos"}""".formatted(SERIAL);
        posture = new ChaosHttpServer((ctx, req) -> ctx.path().equals("/devices/" + SERIAL)
                ? HttpResponse.of(HttpStatus.OK, MediaType.JSON, compliant) : HttpResponse.of(HttpStatus.NOT_FOUND));
        Path root = Path.of(System.getProperty("certgate.policies.dir", "../policies")).getParent();
        ObjectNode sample = (ObjectNode) JSON.readTree(Files.readString(root.resolve("testdata/inputs/mfa_challenge.json")));
        template = JSON.createObjectNode();
        template.set("certificate", sample.get("certificate"));
        template.set("connection", sample.get("connection"));
        template.set("service", sample.get("service"));
        template.putObject("request").put("method", "GET").put("path", "/dashboard")
                .put("host", "console.corp.example.com").putObject("headers");
        // The JVM's first HTTP client call loads and initializes the client stack (hundreds of ms on a cold JVM);
        // the timed assertions below are about the providers, not class loading.
        WebClient.of().get(posture.url() + "/devices/warm-up").aggregate().join();
        WebClient.of().get(issuer.jwksUrl()).aggregate().join();
    }

    @AfterAll
    static void stopServers() {
        directory.close();
        posture.close();
        issuer.close();
    }

    @BeforeEach
    void start() throws Exception {
        clock = new MutableClock(Instant.parse("2026-03-12T10:00:00Z")); // a Thursday, inside the console's window
        String resilience = "timeout_ms: " + TIMEOUT_MS + ", cache: {ttl_seconds: 60, max_stale_seconds: 120},"
                + " breaker: {minimum_calls: 3, window_calls: 3, open_seconds: 30}";
        PdpConfig config = PdpConfig.parse("""
                caches: {decisions: 1000}
                # the providers' deadlines are under test, not the evaluation's: room for a loaded machine
                engine: {pool_size: 1, evaluation_timeout_ms: 30000, acquire_timeout_ms: 30000}
                providers:
                  ldap: {url: '%s', base_dn: 'ou=people,%s', bind_dn: '%s', bind_password: '%s',
                         user_filter: '(mail={id})', subject_from: san_email, %s}
                  posture: {base_url: '%s', device_from: serial, %s}
                  mfa: {jwks_url: '%s', issuer: '%s', audience: [%s], %s}
                """.formatted(directory.url(), TestDirectory.BASE, TestDirectory.READER_DN,
                TestDirectory.READER_PASSWORD, resilience, posture.url(), resilience, issuer.jwksUrl(),
                TestIssuer.ISSUER, TestIssuer.AUDIENCE, resilience), "test");
        pdp = Pdp.start(config, new SimpleMeterRegistry(), clock);
        assertThat(pdp.bundles().status().revision()).isEqualTo("reference");
        decisionLog = DecisionLines.attach();
    }

    @AfterEach
    void stop() {
        posture.mode(ChaosHttpServer.Mode.NORMAL);
        issuer.server.mode(ChaosHttpServer.Mode.NORMAL);
        directory.server.setProcessingDelayMillis(0);
        decisionLog.close();
        pdp.close();
    }

    String token() throws Exception {
        return issuer.rs256(TestIssuer.claims(clock.instant()).claim("cnf", TestIssuer.cnf(CERT_SHA256)).build());
    }

    ObjectNode input(String email, String token) {
        ObjectNode in = template.deepCopy();
        ((ObjectNode) in.get("certificate")).putObject("san").putArray("email").add(email);
        if (token != null) {
            ((ObjectNode) in.get("request").get("headers")).put("authorization", "Bearer " + token);
        }
        return in;
    }

    /**
     * A decision. That a provider's deadline bounds it shows in its outcome, not in a stopwatch: a slow peer
     * (answering after {@link ChaosHttpServer#SLOW}, far past {@link #TIMEOUT_MS}) yields an *_UNAVAILABLE
     * reason and "no answer within", where waiting for it would have yielded its answer.
     */
    Decision decide(ObjectNode input) throws Exception {
        Decision d = pdp.decisions().decide(null, input, null, false);
        lastDecisionId = d.decisionId();
        return d;
    }

    static List<String> codes(Decision d) {
        return d.reasons().stream().map(Reason::code).toList();
    }

    /** The log line of the last decision (written asynchronously: waits for it). */
    JsonNode lastLogLine() throws Exception {
        return decisionLog.line(lastDecisionId);
    }

    @Test
    void allProvidersHealthyAllowAndReplaceWhatTheCallerClaimed() throws Exception {
        ObjectNode in = input("alice@corp.example.com", token());
        in.putObject("subject").put("id", "root").putArray("groups").add("sre");
        in.putObject("device").put("status", "ok").putObject("posture").put("compliant", false);
        in.putObject("mfa").put("verified", false);
        Decision d = decide(in);
        assertThat(d.effect()).as(codes(d).toString()).isEqualTo(Effect.ALLOW);
        assertThat(d.obligationHeaders().get("x-roles")).contains("console.admin").doesNotContain("console.operator");

        assertThat(in.at("/subject/groups").toString()).isEqualTo("[\"platform-admins\",\"staff\"]");
        assertThat(in.at("/subject/id").asText()).isEqualTo("alice@corp.example.com");
        assertThat(in.at("/device/posture/compliant").asBoolean()).isTrue();
        assertThat(in.at("/device/id").asText()).isEqualTo(SERIAL);
        assertThat(in.at("/mfa/token_bound").asBoolean()).isTrue();
        assertThat(in.at("/request/headers").has("authorization")).as("token consumed").isFalse();

        JsonNode line = lastLogLine();
        assertThat(line.toString()).doesNotContain("Bearer").doesNotContain(token().substring(0, 20));
        assertThat(line.at("/providers/groups/status").asText()).isEqualTo("ok");
        assertThat(line.at("/providers/device/status").asText()).isEqualTo("ok");
        assertThat(line.at("/providers/mfa/status").asText()).isEqualTo("ok");
    }

    @Test
    void noTokenChallengesEvenWhenTheCallerClaimsMfa() throws Exception {
        ObjectNode in = input("alice@corp.example.com", null);
        in.putObject("mfa").put("verified", true).put("status", "ok").put("age_seconds", 1).put("token_bound", true)
                .put("acr", "urn:example:acr:mfa");
        Decision d = decide(in);
        assertThat(d.effect()).isEqualTo(Effect.CHALLENGE);
        assertThat(codes(d)).containsExactly("MFA_REQUIRED");
        assertThat(lastLogLine().at("/providers/mfa/status").asText()).isEqualTo("absent");
    }

    @Test
    void theOpaDataApiGetsTheSameFactsAsDecide() throws Exception {
        ObjectNode in = input("alice@corp.example.com", null);
        in.putObject("mfa").put("verified", true).put("status", "ok").put("age_seconds", 1).put("token_bound", true)
                .put("acr", "urn:example:acr:mfa");
        var raw = pdp.decisions().evaluateRaw("mtls/authz/decision", in);
        lastDecisionId = raw.decisionId();
        JsonNode result = raw.result().orElseThrow();
        assertThat(result.get("effect").asText()).isEqualTo("challenge");
        assertThat(in.at("/subject/groups_status").asText()).isEqualTo("ok");
        assertThat(lastLogLine().at("/providers/mfa/status").asText()).isEqualTo("absent");
    }

    @Test
    void aDecisionIsNeverCacheablePastItsTokensExpiry() throws Exception {
        String shortLived = issuer.rs256(TestIssuer.claims(clock.instant()).claim("cnf", TestIssuer.cnf(CERT_SHA256))
                .expirationTime(java.util.Date.from(clock.instant().plusSeconds(42))).build());
        assertThat(decide(input("alice@corp.example.com", token())).ttlSeconds()).as("the service's 300 s")
                .isEqualTo(300);
        Decision d = decide(input("alice@corp.example.com", shortLived));
        assertThat(lastLogLine().get("cached").asBoolean()).as("same facts, same cache entry").isTrue();
        assertThat(d.effect()).isEqualTo(Effect.ALLOW);
        assertThat(d.ttlSeconds()).isEqualTo(42);
        assertThat(lastLogLine().at("/providers/mfa/expires_in_seconds").asLong()).isEqualTo(42);
    }

    @Test
    void theDecisionCacheNeverServesAnotherUsersOrAnotherTokensDecision() throws Exception {
        String good = token();
        assertThat(decide(input("alice@corp.example.com", good)).effect()).isEqualTo(Effect.ALLOW);
        assertThat(decide(input("alice@corp.example.com", good)).effect()).isEqualTo(Effect.ALLOW);
        assertThat(lastLogLine().get("cached").asBoolean()).as("same facts: cached").isTrue();

        Decision forged = decide(input("alice@corp.example.com", good.substring(0, good.length() - 4) + "AAAA"));
        assertThat(forged.effect()).isEqualTo(Effect.CHALLENGE);
        assertThat(lastLogLine().at("/providers/mfa/error").asText()).contains("Invalid signature");

        String unbound = issuer.rs256(TestIssuer.claims(clock.instant()).build());
        assertThat(codes(decide(input("alice@corp.example.com", unbound)))).containsExactly("MFA_TOKEN_NOT_BOUND");

        Decision carol = decide(input("carol@corp.example.com", good));
        assertThat(carol.effect()).isEqualTo(Effect.DENY);
        assertThat(codes(carol)).contains("GROUP_REQUIRED");
    }

    @Test
    void directoryDownOrSlowFailsClosedThenRecovers() throws Exception {
        String t = token();
        directory.stop();
        try {
            Decision down = decide(input("alice@corp.example.com", t));
            assertThat(codes(down)).containsExactly("GROUPS_UNAVAILABLE");
            assertThat(lastLogLine().at("/providers/groups/error").asText()).isNotBlank();
        } finally {
            directory.restart();
        }
        directory.server.setProcessingDelayMillis(ChaosHttpServer.SLOW.toMillis());
        try {
            assertThat(codes(decide(input("bob@corp.example.com", t)))).contains("GROUPS_UNAVAILABLE");
        } finally {
            directory.server.setProcessingDelayMillis(0);
        }
        assertThat(decide(input("alice@corp.example.com", t)).effect()).isEqualTo(Effect.ALLOW);
    }

    @Test
    void staleGroupsAreServedWithinTheBoundAndSaySo() throws Exception {
        assertThat(decide(input("alice@corp.example.com", token())).effect()).isEqualTo(Effect.ALLOW);
        directory.stop();
        try {
            clock.advance(Duration.ofSeconds(61));
            ObjectNode in = input("alice@corp.example.com", token());
            assertThat(decide(in).effect()).as("allow_stale is true for the console").isEqualTo(Effect.ALLOW);
            assertThat(in.at("/subject/groups_status").asText()).isEqualTo("stale");
            assertThat(lastLogLine().at("/providers/groups/status").asText()).isEqualTo("stale");

            clock.advance(Duration.ofSeconds(120));
            assertThat(codes(decide(input("alice@corp.example.com", token())))).containsExactly("GROUPS_UNAVAILABLE");
        } finally {
            directory.restart();
        }
    }

    @Test
    void postureDownSlowOrGarbageFailsClosedTheBreakerOpensAndItRecovers() throws Exception {
        String t = token();
        for (ChaosHttpServer.Mode mode : List.of(ChaosHttpServer.Mode.GARBAGE, ChaosHttpServer.Mode.SLOW)) {
            posture.mode(mode);
            clock.advance(Duration.ofSeconds(181)); // past TTL and stale bound: a miss
            Decision d = decide(input("alice@corp.example.com", t = token()));
            assertThat(codes(d)).as(mode.name()).containsExactly("DEVICE_POSTURE_UNAVAILABLE");
            assertThat(lastLogLine().at("/providers/device/error").asText()).as(mode.name())
                    .contains(mode == ChaosHttpServer.Mode.SLOW ? "no answer within" : "not JSON");
        }
        posture.stop();
        try {
            clock.advance(Duration.ofSeconds(181));
            assertThat(codes(decide(input("alice@corp.example.com", token()))))
                    .containsExactly("DEVICE_POSTURE_UNAVAILABLE");
            assertThat(breaker("posture")).isEqualTo(CircuitBreaker.State.OPEN);
            posture.mode(ChaosHttpServer.Mode.NORMAL);
            posture.start();
            int before = posture.requests();
            assertThat(codes(decide(input("alice@corp.example.com", token()))))
                    .containsExactly("DEVICE_POSTURE_UNAVAILABLE");
            assertThat(lastLogLine().at("/providers/device/error").asText()).contains("circuit breaker open");
            assertThat(posture.requests()).as("an open breaker calls nobody").isEqualTo(before);
        } finally {
            posture.mode(ChaosHttpServer.Mode.NORMAL);
        }
        clock.advance(Duration.ofSeconds(31));
        assertThat(decide(input("alice@corp.example.com", token())).effect()).isEqualTo(Effect.ALLOW);
        assertThat(breaker("posture")).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void jwksDownIsMfaUnavailableAChallengeNeverAnAllow() throws Exception {
        issuer.server.stop();
        try {
            Decision d = decide(input("alice@corp.example.com", token()));
            assertThat(d.effect()).isEqualTo(Effect.CHALLENGE);
            assertThat(codes(d)).containsExactly("MFA_UNAVAILABLE");
            assertThat(lastLogLine().at("/providers/mfa/error").asText()).startsWith("JWKS unavailable");
        } finally {
            issuer.server.start();
        }
        issuer.server.mode(ChaosHttpServer.Mode.SLOW);
        try {
            clock.advance(Duration.ofSeconds(1));
            assertThat(codes(decide(input("alice@corp.example.com", token())))).containsExactly("MFA_UNAVAILABLE");
        } finally {
            issuer.server.mode(ChaosHttpServer.Mode.NORMAL);
        }
        assertThat(decide(input("alice@corp.example.com", token())).effect()).isEqualTo(Effect.ALLOW);
    }

    CircuitBreaker.State breaker(String provider) {
        return pdp.providers().lookups().stream().filter(l -> l.provider().equals(provider)).findFirst()
                .orElseThrow().breakerState();
    }
}
