package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.certgate.pep.assertion.AssertionKeys;
import io.certgate.pep.assertion.AssertionSigner;
import io.certgate.pep.assertion.SigningKey;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed identity assertions, checked the way an upstream would: a server that verifies every request's
 * {@code x-certgate-assertion} with Nimbus against the gateway's JWKS, fetched over HTTP from the admin port.
 */
class IdentityAssertionTest {
    static final String API = "assert.example.test";
    static final String NOCACHE = "nocache.example.test";
    static final String CUSTOM = "custom.example.test";
    static final String PASSIVE = "passive.example.test";

    @TempDir
    static Path tmp;
    static E2e e;
    static GatewayServer gateway;
    static Server verifyingUpstream;
    static final List<String> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        key("k1");
        key("k2");
        key("stranger");
        verifyingUpstream = Server.builder().http(0).service("prefix:/", (ctx, req) -> {
            String jwt = req.headers().get("x-certgate-assertion");
            String custom = req.headers().get("x-identity-assertion");
            received.add(jwt != null ? jwt : custom != null ? custom : "");
            return HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok");
        }).build();
        verifyingUpstream.start().join();
        gateway = e.start(gatewayYaml("[{kid: k1, key_file: k1.pem}]"));
    }

    private static String gatewayYaml(String keys) {
        String up = "{url: \"http://127.0.0.1:" + verifyingUpstream.activeLocalPort() + "\"}";
        return E2e.gateway(E2e.embeddedPdp(), "assertions: {issuer: https://gw.example.test, keys: " + keys + "}",
                E2e.service("partner-api", API, "{verify: required, ca_file: ca.pem}", up, "{}")
                        + "    assertion: {ttl_seconds: 60}\n",
                E2e.service("nocache", NOCACHE, "{verify: required, ca_file: ca.pem}", up, "{}")
                        + "    assertion: {ttl_seconds: 30, cache: false}\n",
                E2e.service("custom", CUSTOM, "{verify: required, ca_file: ca.pem}", up, "{}")
                        + "    assertion: {header: x-identity-assertion}\n",
                // report-only: requests the policy denies are forwarded anyway, without an assertion
                E2e.service("passive-api", PASSIVE, "{verify: required, ca_file: ca.pem}", up, "{mode: passive}")
                        + "    assertion: {header: x-identity-assertion}\n");
    }

    private static void key(String name) {
        E2e.Proc p = E2e.run(null, List.of("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", e.file(name + ".pem")));
        assertThat(p.exit()).as(p.stderr()).isZero();
    }

    @AfterAll
    static void stop() {
        e.close();
        verifyingUpstream.stop().join();
    }

    /** What an upstream does: verify signature (key from the JWKS by kid), iss, aud and exp. */
    static JWTClaimsSet verify(String jwt, int adminPort, String audience) throws Exception {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.ES256),
                JWKSourceBuilder.create(URI.create("http://127.0.0.1:" + adminPort + "/.well-known/jwks.json")
                        .toURL()).retrying(false).build()));
        p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer("https://gw.example.test").build(),
                Set.of("sub", "exp", "iat", "jti", "decision_id")));
        return p.process(jwt, null);
    }

    private static String assertionFor(String host, String... headers) {
        Resp r = E2e.get(e.client(gateway.port(), host, e.pki.partnerClient()), "/x", headers);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return received.get(received.size() - 1);
    }

    @Test
    void anAllowedRequestCarriesAnAssertionTheUpstreamVerifies() throws Exception {
        String jwt = assertionFor(API);
        JWTClaimsSet c = verify(jwt, gateway.adminPort(), "partner-api");
        assertThat(SignedJWT.parse(jwt).getHeader().getKeyID()).isEqualTo("k1");
        assertThat(SignedJWT.parse(jwt).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(c.getSubject()).isEqualTo("billing-service");
        assertThat(c.getStringClaim("client_id")).isEqualTo("billing-service");
        assertThat(c.getStringListClaim("roles")).containsExactly("billing.read");
        assertThat(c.getStringClaim("profile")).isEqualTo("partner-api");
        assertThat(c.getStringClaim("decision_id")).isNotBlank();
        assertThat(c.getExpirationTime().getTime() - c.getIssueTime().getTime()).isEqualTo(60_000);
        String thumbprint = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest
                .getInstance("SHA-256").digest(e.pki.partnerClient().certificate().getEncoded()));
        assertThat(c.getJSONObjectClaim("cnf")).isEqualTo(Map.of("x5t#S256", thumbprint));
    }

    @Test
    void tamperedExpiredWrongAudienceAndOtherKeyAssertionsAreRejected() throws Exception {
        String jwt = assertionFor(API);
        int admin = gateway.adminPort();
        String[] parts = jwt.split("\\.");
        String forgedClaims = Base64.getUrlEncoder().withoutPadding().encodeToString(new String(
                Base64.getUrlDecoder().decode(parts[1])).replace("billing.read", "billing.admin").getBytes());
        assertThatThrownBy(() -> verify(parts[0] + "." + forgedClaims + "." + parts[2], admin, "partner-api"))
                .hasMessageContaining("Signed JWT rejected: Invalid signature");

        assertThatThrownBy(() -> verify(jwt, admin, "billing-internal")).hasMessageContaining("aud claim rejected");

        AssertionKeys keys = new AssertionKeys("https://gw.example.test",
                List.of(SigningKey.load("k1", Path.of(e.file("k1.pem")))));
        Clock past = Clock.fixed(Instant.now().minus(Duration.ofMinutes(10)), ZoneOffset.UTC);
        String expired = new AssertionSigner(keys, "partner-api", Duration.ofSeconds(60), false, past)
                .assertion(identity(), "d-1");
        assertThatThrownBy(() -> verify(expired, admin, "partner-api")).hasMessageContaining("Expired JWT");

        // a key the gateway does not publish, under a published and an unpublished key id
        for (String kid : List.of("k1", "stranger")) {
            AssertionKeys other = new AssertionKeys("https://gw.example.test",
                    List.of(SigningKey.load(kid, Path.of(e.file("stranger.pem")))));
            String forged = new AssertionSigner(other, "partner-api", Duration.ofSeconds(60), false,
                    Clock.systemUTC()).assertion(identity(), "d-2");
            assertThatThrownBy(() -> verify(forged, admin, "partner-api")).as(kid)
                    .hasMessageContaining("Signed JWT rejected");
        }
    }

    @Test
    void aRotationKeepsEveryIssuedAssertionVerifiable() throws Exception {
        String before = assertionFor(API);
        // the rotated configuration: k2 signs, k1 stays published
        GatewayServer rotated = e.start(gatewayYaml("[{kid: k2, key_file: k2.pem}, {kid: k1, key_file: k1.pem}]"));
        Resp r = E2e.get(e.client(rotated.port(), API, e.pki.partnerClient()), "/x");
        assertThat(r.status()).isEqualTo(200);
        String after = received.get(received.size() - 1);
        assertThat(SignedJWT.parse(after).getHeader().getKeyID()).isEqualTo("k2");
        assertThat(verify(before, rotated.adminPort(), "partner-api").getSubject()).isEqualTo("billing-service");
        assertThat(verify(after, rotated.adminPort(), "partner-api").getSubject()).isEqualTo("billing-service");
    }

    @Test
    void clientSentAssertionsAreStripped() throws Exception {
        String forged = assertionFor(API);
        String got = assertionFor(API, "x-certgate-assertion", "forged", "X_CERTGATE_ASSERTION", "forged2");
        assertThat(got).isNotIn("forged", "forged2");
        verify(got, gateway.adminPort(), "partner-api");
        // a custom header name is the gateway's too
        String custom = assertionFor(CUSTOM, "x-identity-assertion", forged);
        assertThat(custom).isNotEqualTo(forged);
        assertThat(verify(custom, gateway.adminPort(), "custom").getAudience()).containsExactly("custom");
    }

    @Test
    void aRequestForwardedWithoutAnAllowCarriesNoClientSentAssertion() throws Exception {
        // the policy does not know passive-api, so it denies; passive mode forwards without signing, and
        // the client's copy of the configured header must not reach the upstream either
        String forged = assertionFor(API);
        String got = assertionFor(PASSIVE, "x-identity-assertion", forged, "X_Identity_Assertion", "forged2",
                "x-certgate-assertion", forged);
        assertThat(got).isEmpty();
    }

    @Test
    void assertionsAreReusedPerIdentityUnlessCachingIsOff() throws Exception {
        assertThat(assertionFor(API)).isEqualTo(assertionFor(API));
        String a = assertionFor(NOCACHE);
        String b = assertionFor(NOCACHE);
        assertThat(a).isNotEqualTo(b);
        assertThat(verify(a, gateway.adminPort(), "nocache").getJWTID())
                .isNotEqualTo(verify(b, gateway.adminPort(), "nocache").getJWTID());
    }

    private static AssertionSigner.Identity identity() {
        return new AssertionSigner.Identity("billing-service", "billing-service", "partner-api",
                List.of("billing.admin"), null);
    }
}
