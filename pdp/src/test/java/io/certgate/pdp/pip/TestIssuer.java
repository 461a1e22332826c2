package io.certgate.pdp.pip;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OIDC issuer for tests: generated RSA and EC signing keys, a JWKS served by a real Armeria server
 * ({@link ChaosHttpServer}), and Nimbus-minted tokens.
 */
final class TestIssuer implements AutoCloseable {
    static final String ISSUER = "https://idp.corp.example.com";
    static final String AUDIENCE = "certgate";

    final RSAKey rsa;
    final ECKey ec;
    final List<JWK> published = new CopyOnWriteArrayList<>();
    final ChaosHttpServer server;

    TestIssuer() throws Exception {
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        published.add(rsa.toPublicJWK());
        published.add(ec.toPublicJWK());
        server = new ChaosHttpServer((ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON,
                new JWKSet(List.copyOf(published)).toString()));
    }

    String jwksUrl() {
        return server.url() + "/jwks.json";
    }

    /** Standard claims of a valid multi-factor token issued at {@code now}, authenticated 60 s before. */
    static JWTClaimsSet.Builder claims(Instant now) {
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("alice")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .claim("auth_time", now.minusSeconds(60).getEpochSecond())
                .claim("amr", List.of("pwd", "otp"))
                .claim("acr", "urn:example:acr:mfa");
    }

    /** RFC 8705 confirmation for a certificate's SHA-256 (hex). */
    static Map<String, Object> cnf(String certSha256Hex) {
        return Map.of("x5t#S256",
                Base64.getUrlEncoder().withoutPadding().encodeToString(HexFormat.of().parseHex(certSha256Hex)));
    }

    String rs256(JWTClaimsSet claims) throws JOSEException {
        return sign(claims, rsa, JWSAlgorithm.RS256);
    }

    String es256(JWTClaimsSet claims) throws JOSEException {
        return sign(claims, ec, JWSAlgorithm.ES256);
    }

    static String sign(JWTClaimsSet claims, JWK key, JWSAlgorithm alg) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(key.getKeyID()).build(), claims);
        jwt.sign(key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key));
        return jwt.serialize();
    }

    @Override
    public void close() {
        server.close();
    }
}
