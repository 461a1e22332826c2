package io.certgate.pdp.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.decision.Reason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table of inputs through the PDP with the reference bundle embedded in the jar (the same bytes
 * {@code pdp.jar serve} runs by default): effect, status, reason codes, obligations and TTL.
 */
class ReferencePolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Pdp pdp;

    @BeforeAll
    static void start() {
        pdp = Pdp.start(PdpConfig.defaults().withDecisionCache(0, false), new SimpleMeterRegistry(), Clock.systemUTC());
        assertThat(pdp.bundles().status().revision()).as("embedded reference bundle").isEqualTo("reference");
    }

    @AfterAll
    static void stop() {
        pdp.close();
    }

    static ObjectNode sample(String name) throws Exception {
        Path dir = Path.of(System.getProperty("certgate.policies.dir", "../policies")).getParent();
        return (ObjectNode) JSON.readTree(Files.readString(dir.resolve("testdata/inputs/" + name)));
    }

    static Decision decide(ObjectNode input) throws Exception {
        return pdp.decisions().decide(null, input, null, true);
    }

    private static Arguments row(String name, String sample, Consumer<ObjectNode> change, Effect effect, int status,
            List<String> codes) {
        return Arguments.of(name, sample, change, effect, status, codes);
    }

    static List<Arguments> table() {
        return List.of(
                row("sample allow", "allow.json", in -> { }, Effect.ALLOW, 200, List.of()),
                row("sample deny by IP", "deny_ip.json", in -> { }, Effect.DENY, 403,
                        List.of("IP_NOT_ALLOWED", "IP_NOT_ALLOWED")),
                row("sample expired certificate", "expired_cert.json", in -> { }, Effect.DENY, 401,
                        List.of("CERT_EXPIRED")),
                row("sample method", "method_not_allowed.json", in -> { }, Effect.DENY, 405,
                        List.of("METHOD_NOT_ALLOWED")),
                row("sample MFA challenge", "mfa_challenge.json", in -> { }, Effect.CHALLENGE, 401,
                        List.of("MFA_ACR_INSUFFICIENT", "MFA_METHOD_INSUFFICIENT", "MFA_STALE")),
                row("no certificate", "allow.json", in -> in.putObject("certificate").put("present", false),
                        Effect.DENY, 401, List.of("CERT_MISSING")),
                row("untrusted certificate", "allow.json", in -> ((ObjectNode) in.get("certificate"))
                        .put("verified", false).put("verify_code", 20), Effect.DENY, 401, List.of("CERT_UNTRUSTED")),
                row("expired by verify code", "allow.json", in -> ((ObjectNode) in.get("certificate"))
                        .put("verified", false).put("verify_code", 10), Effect.DENY, 401, List.of("CERT_EXPIRED")),
                row("unknown service", "allow.json", in -> ((ObjectNode) in.get("service")).put("id", "nope"),
                        Effect.DENY, 403, List.of("SERVICE_UNKNOWN")),
                row("rate limited", "allow.json", in -> in.putObject("limits").put("exceeded", true)
                        .put("name", "per-client"), Effect.DENY, 429, List.of("RATE_LIMITED")),
                row("empty input", null, in -> { }, Effect.DENY, 401, List.of("CERT_MISSING")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(String name, String sample, Consumer<ObjectNode> change, Effect effect, int status,
            List<String> codes) throws Exception {
        ObjectNode input = sample == null ? JSON.createObjectNode() : sample(sample);
        change.accept(input);
        Decision d = decide(input);
        assertThat(d.effect()).as(name + ": " + d).isEqualTo(effect);
        assertThat(d.status()).as(name).isEqualTo(status);
        assertThat(d.reasons()).extracting(Reason::code).as(name).containsExactlyElementsOf(codes);
        assertThat(d.reasons()).allSatisfy(r -> assertThat(r.message()).isNotBlank());
        if (effect == Effect.ALLOW) {
            assertThat(d.obligationHeaders()).containsKeys("x-authenticated-userid", "x-client-id", "x-profile-id");
            assertThat(d.ttlSeconds()).isPositive();
        }
        if (effect == Effect.CHALLENGE) {
            assertThat(d.challenge()).isNotNull();
            assertThat(d.challenge().type()).isEqualTo("mfa");
            assertThat(d.ttlSeconds()).isZero();
        }
    }
}
