package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.testdata.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MFA facts from OIDC JWTs verified against a JWKS served by a real HTTP server. */
class MfaProviderTest {
    static final String CERT_SHA256 = "bfac3ee1c1786f7e294617205583ebd72cc3e8680e9ad267f19032e6b06602a2";
    static TestIssuer issuer;

    MutableClock clock;
    MfaProvider mfa;

    @BeforeAll
    static void start() throws Exception {
        issuer = new TestIssuer();
    }

    @AfterAll
    static void stop() {
        issuer.close();
    }

    @BeforeEach
    void setUp() throws Exception {
        clock = new MutableClock(Instant.now());
        mfa = provider(clock);
    }

    static MfaProvider provider(MutableClock clock) throws Exception {
        MfaConfig config = PdpConfig.parse("providers:\n  mfa: {jwks_url: '" + issuer.jwksUrl() + "', issuer: '"
                + TestIssuer.ISSUER + "', audience: [" + TestIssuer.AUDIENCE + "], clock_skew_seconds: 30,"
                + " mfa_acr: ['urn:example:acr:phr'], timeout_ms: 300}\n", "test").providers().mfa();
        return new MfaProvider(config, clock, new ObjectMapper(), new SimpleMeterRegistry());
    }

    MfaProvider.Outcome bearer(String token) {
        return mfa.evaluate("Bearer " + token, CERT_SHA256).join();
    }

    @Test
    void aValidCertificateBoundMfaToken() throws Exception {
        Instant now = clock.instant();
        MfaProvider.Outcome o = bearer(issuer.rs256(TestIssuer.claims(now).claim("cnf", TestIssuer.cnf(CERT_SHA256))
                .build()));
        assertThat(o.error()).isNull();
        assertThat(o.status()).isEqualTo("ok");
        assertThat(o.mfa().get("verified").asBoolean()).isTrue();
        assertThat(o.mfa().get("status").asText()).isEqualTo("ok");
        assertThat(o.mfa().get("methods").toString()).isEqualTo("[\"pwd\",\"otp\"]");
        assertThat(o.mfa().get("acr").asText()).isEqualTo("urn:example:acr:mfa");
        assertThat(o.mfa().get("age_seconds").asLong()).isEqualTo(60);
        assertThat(o.mfa().get("token_bound").asBoolean()).isTrue();
    }

    @Test
    void bindingToAnotherCertificateOrNoneIsNotBound() throws Exception {
        String other = "00".repeat(32);
        String token = issuer.es256(TestIssuer.claims(clock.instant()).claim("cnf", TestIssuer.cnf(other)).build());
        assertThat(bearer(token).mfa().get("token_bound").asBoolean()).isFalse();
        String unbound = issuer.es256(TestIssuer.claims(clock.instant()).build());
        assertThat(bearer(unbound).mfa().get("token_bound").asBoolean()).isFalse();
        assertThat(bearer(unbound).mfa().get("verified").asBoolean()).isTrue();
    }

    @Test
    void singleFactorIsVerifiedFalseAndAcrAloneCanCount() throws Exception {
        Instant now = clock.instant();
        MfaProvider.Outcome pwd = bearer(issuer.rs256(TestIssuer.claims(now).claim("amr", java.util.List.of("pwd"))
                .claim("acr", "urn:example:acr:pwd").build()));
        assertThat(pwd.status()).isEqualTo("ok");
        assertThat(pwd.mfa().get("verified").asBoolean()).isFalse();
        MfaProvider.Outcome phr = bearer(issuer.rs256(TestIssuer.claims(now).claim("amr", null)
                .claim("acr", "urn:example:acr:phr").build()));
        assertThat(phr.mfa().get("verified").asBoolean()).isTrue();
    }

    @Test
    void noTokenIsNotAnError() {
        for (String header : new String[] {null, "Basic YWxpY2U6c2VjcmV0"}) {
            MfaProvider.Outcome o = mfa.evaluate(header, CERT_SHA256).join();
            assertThat(o.status()).isEqualTo("absent");
            assertThat(o.error()).isNull();
            assertThat(o.mfa().get("verified").asBoolean()).isFalse();
            assertThat(o.mfa().get("status").asText()).isEqualTo("ok");
        }
    }

    @Test
    void everyBadTokenIsRejectedWithAReason() throws Exception {
        Instant now = clock.instant();
        JWTClaimsSet good = TestIssuer.claims(now).build();
        RSAKey impostor = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), good);
        hmac.sign(new MACSigner("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8)));
        String none = new PlainJWT(good).serialize();
        String noneWithKid = Base64URL.encode("{\"alg\":\"none\",\"kid\":\"rsa-1\"}") + "." + good.toPayload()
                .toBase64URL() + ".";
        String valid = issuer.rs256(good);
        String tampered = valid.substring(0, valid.lastIndexOf('.') + 1) + "AAAA" + valid.substring(
                valid.lastIndexOf('.') + 5);

        assertInvalid(none, "alg none");
        assertInvalid(noneWithKid, "alg none");
        assertInvalid(hmac.serialize(), "HS256 is not accepted");
        assertInvalid(TestIssuer.sign(good, impostor, JWSAlgorithm.RS256), "Invalid signature");
        assertInvalid(tampered, "JWT rejected");
        assertInvalid(issuer.rs256(TestIssuer.claims(now).expirationTime(Date.from(now.minusSeconds(31))).build()),
                "Expired JWT");
        assertInvalid(issuer.rs256(TestIssuer.claims(now).notBeforeTime(Date.from(now.plusSeconds(31))).build()),
                "before use time");
        assertInvalid(issuer.rs256(TestIssuer.claims(now).audience("someone-else").build()), "aud claim rejected");
        assertInvalid(issuer.rs256(TestIssuer.claims(now).issuer("https://evil.example").build()), "iss");
        assertInvalid(issuer.rs256(TestIssuer.claims(now).expirationTime(null).build()), "exp");
        assertInvalid(issuer.rs256(TestIssuer.claims(now).claim("amr", "otp").build()), "amr");
        assertInvalid(issuer.rs256(TestIssuer.claims(now).claim("auth_time", now.plusSeconds(3600).getEpochSecond())
                .build()), "in the future");
        SignedJWT noKid = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).build(), good);
        noKid.sign(new com.nimbusds.jose.crypto.RSASSASigner(issuer.rsa));
        assertInvalid(noKid.serialize(), "no kid");
        assertInvalid("not-a-jwt", "not a JWT");
        assertInvalid("a.b.c", "not a JWT");
        assertInvalid("", "not a JWT");
    }

    @Test
    void smallClockSkewIsTolerated() throws Exception {
        Instant now = clock.instant();
        MfaProvider.Outcome o = bearer(issuer.rs256(TestIssuer.claims(now).expirationTime(Date.from(now.minusSeconds(20)))
                .notBeforeTime(Date.from(now.plusSeconds(20))).build()));
        assertThat(o.status()).isEqualTo("ok");
        assertThat(o.mfa().get("verified").asBoolean()).isTrue();
    }

    @Test
    void anUnknownKidRefetchesTheJwksOnceItIsOlderThanThirtySeconds() throws Exception {
        RSAKey rotated = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
        assertThat(bearer(issuer.rs256(TestIssuer.claims(clock.instant()).build())).status()).isEqualTo("ok");
        issuer.published.add(rotated.toPublicJWK());
        try {
            String token = TestIssuer.sign(TestIssuer.claims(clock.instant()).build(), rotated, JWSAlgorithm.RS256);
            assertInvalid(token, "kid rsa-2 is not in the issuer's JWKS");
            clock.advance(Duration.ofSeconds(31));
            MfaProvider.Outcome o = bearer(TestIssuer.sign(TestIssuer.claims(clock.instant()).build(), rotated,
                    JWSAlgorithm.RS256));
            assertThat(o.error()).isNull();
            assertThat(o.mfa().get("verified").asBoolean()).isTrue();
        } finally {
            issuer.published.remove(rotated.toPublicJWK());
        }
    }

    @Test
    void jwksDownGarbageOrSlowIsUnavailableAndStaleKeysStillVerify() throws Exception {
        issuer.server.mode(ChaosHttpServer.Mode.GARBAGE);
        try {
            MfaProvider.Outcome garbage = bearer(issuer.rs256(TestIssuer.claims(clock.instant()).build()));
            assertThat(garbage.status()).isEqualTo("unavailable");
            assertThat(garbage.mfa().get("verified").asBoolean()).isFalse();
            assertThat(garbage.mfa().get("status").asText()).isEqualTo("unavailable");
            assertThat(garbage.error()).contains("does not parse");

            issuer.server.mode(ChaosHttpServer.Mode.SLOW);
            MfaProvider.Outcome slow = bearer(issuer.rs256(TestIssuer.claims(clock.instant()).build()));
            assertThat(slow.status()).isEqualTo("unavailable");
            assertThat(slow.error()).contains("no answer within 300 ms");

            issuer.server.mode(ChaosHttpServer.Mode.NORMAL);
            assertThat(bearer(issuer.rs256(TestIssuer.claims(clock.instant()).build())).status()).isEqualTo("ok");
            issuer.server.mode(ChaosHttpServer.Mode.ERROR);
            clock.advance(Duration.ofSeconds(301));
            MfaProvider.Outcome stale = bearer(issuer.rs256(TestIssuer.claims(clock.instant()).build()));
            assertThat(stale.status()).isEqualTo("stale");
            assertThat(stale.mfa().get("verified").asBoolean()).isTrue();
            assertThat(stale.error()).contains("500");
        } finally {
            issuer.server.mode(ChaosHttpServer.Mode.NORMAL);
        }
    }

    void assertInvalid(String token, String reason) {
        MfaProvider.Outcome o = bearer(token);
        assertThat(o.status()).as(token).isEqualTo("invalid");
        assertThat(o.mfa().get("verified").asBoolean()).as(token).isFalse();
        assertThat(o.mfa().get("status").asText()).isEqualTo("invalid");
        assertThat(o.error()).as(token).contains(reason);
    }
}
