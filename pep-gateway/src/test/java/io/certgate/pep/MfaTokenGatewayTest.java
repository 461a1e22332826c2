package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.support.E2e;
import io.certgate.testdata.TestCert;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's {@code Authorization} bearer token reaches the PDP's MFA provider through the gateway, with
 * the PDP embedded and remote, and the policy sees the verified facts but never the token itself.
 */
class MfaTokenGatewayTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static Server jwks;
    static RSAKey key;
    static int embedded;
    static int remote;

    static String providers() {
        return "{mfa: {jwks_url: 'http://127.0.0.1:" + jwks.activeLocalPort() + "/jwks.json',"
                + " issuer: 'https://idp.example.test', audience: [certgate], timeout_ms: 1000}}";
    }

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        String set = new JWKSet(key.toPublicJWK()).toString();
        jwks = Server.builder().http(0).service("/jwks.json", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
                MediaType.JSON, set)).build();
        jwks.start().join();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PdpConfig pdpConfig = PdpConfig.parse("providers: " + providers() + "\n", "pdp.yaml")
                .withOverrides(0, null, E2e.e2ePolicies(), "gw/authz/decision");
        Pdp pdp = e.closeLater(Pdp.start(pdpConfig, registry, Clock.systemUTC()));
        PdpServer pdpServer = e.closeLater(new PdpServer(pdp, registry).start());
        String service = e.service("api", "api.example.test", "{verify: required, ca_file: ca.pem}", "{}");
        embedded = e.start(E2e.gateway("{mode: embedded, policies: " + E2e.e2ePolicies()
                + ", entrypoint: gw/authz/decision, providers: " + providers() + "}", "", service)).port();
        remote = e.start(E2e.gateway("{mode: remote, address: 127.0.0.1:" + pdpServer.port()
                + ", timeout_ms: 5000, entrypoint: gw/authz/decision}", "", service)).port();
    }

    @AfterAll
    static void stop() {
        e.close();
        jwks.stop().join();
    }

    static String token(TestCert boundTo) throws Exception {
        byte[] der = boundTo.certificate().getEncoded();
        String x5t = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(der));
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer("https://idp.example.test").audience("certgate")
                .subject("billing").expirationTime(Date.from(now.plusSeconds(300)))
                .claim("auth_time", now.getEpochSecond()).claim("amr", List.of("pwd", "hwk"))
                .claim("cnf", Map.of("x5t#S256", x5t)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    RequestHeaders upstreamSees(int port, String... headers) {
        TestCert partner = e.pki.partnerClient();
        int before = e.upstream.count();
        E2e.Resp r = E2e.get(e.client(port, "api.example.test", partner), "/echo", headers);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        return e.upstream.last();
    }

    @ParameterizedTest
    @ValueSource(strings = {"embedded", "remote"})
    void theTokenIsVerifiedByThePdpAndNeverShownToThePolicy(String mode) throws Exception {
        int port = mode.equals("embedded") ? embedded : remote;
        RequestHeaders verified = upstreamSees(port, "authorization", "Bearer " + token(e.pki.partnerClient()));
        assertThat(verified.get("x-pdp-mfa")).isEqualTo("true");
        assertThat(verified.get("x-pdp-token-seen")).isEqualTo("false");

        String forged = token(e.pki.partnerClient());
        RequestHeaders rejected = upstreamSees(port, "authorization", "Bearer " + forged.substring(0,
                forged.length() - 6) + "AAAAAA");
        assertThat(rejected.get("x-pdp-mfa")).isEqualTo("false");
        assertThat(rejected.get("x-pdp-token-seen")).isEqualTo("false");

        RequestHeaders none = upstreamSees(port);
        assertThat(none.get("x-pdp-mfa")).isEqualTo("false");
    }
}
