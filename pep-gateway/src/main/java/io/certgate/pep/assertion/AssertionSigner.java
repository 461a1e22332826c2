package io.certgate.pep.assertion;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.common.annotation.Nullable;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Mints the signed identity assertion of one service: a short-lived JWT saying who the gateway let through
 * ({@code sub}, {@code client_id}, {@code profile}, {@code roles}), bound to the client certificate
 * ({@code cnf.x5t#S256}, RFC 8705) and to the decision that allowed it.
 *
 * <p>With caching on, an assertion is reused for the same identity until a quarter of its lifetime is left
 * (so an upstream always receives one valid for at least that long): signing then costs once per identity
 * and period instead of once per request. Its {@code jti} and {@code decision_id} are those of the request
 * that minted it; each request's own decision id still travels in {@code x-decision-id}.
 */
public final class AssertionSigner {
    /**
     * What an assertion asserts.
     *
     * @param certificateSha256 lowercase hex SHA-256 of the client certificate's DER, or null without one
     */
    public record Identity(String subject, @Nullable String clientId, @Nullable String profile, List<String> roles,
            @Nullable String certificateSha256) {
        public Identity {
            roles = List.copyOf(roles);
        }
    }

    private record Minted(String jwt, Instant refreshAt) {}

    private final AssertionKeys keys;
    private final JWSSigner signer;
    private final JWSHeader header;
    private final String audience;
    private final Duration ttl;
    private final Duration reuse;
    private final Clock clock;
    @Nullable
    private final Cache<Identity, Minted> cache;

    public AssertionSigner(AssertionKeys keys, String audience, Duration ttl, boolean cache, Clock clock) {
        this.keys = keys;
        SigningKey key = keys.signing();
        try {
            this.signer = key.jwk() instanceof ECKey ec ? ecSigner(ec) : new RSASSASigner((RSAKey) key.jwk());
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalArgumentException("key " + key.kid() + " cannot sign: " + e.getMessage(), e);
        }
        this.header = new JWSHeader.Builder(key.algorithm()).keyID(key.kid()).type(JOSEObjectType.JWT).build();
        this.audience = audience;
        this.ttl = ttl;
        this.reuse = ttl.minus(ttl.dividedBy(4));
        this.clock = clock;
        this.cache = cache ? Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(reuse).build() : null;
    }

    /**
     * ECDSA through BouncyCastle, with the key converted once: JDK 17's SunEC computes k·G without
     * precomputed tables, BouncyCastle's fixed-point comb signs P-256 about six times faster (the curve
     * arithmetic is ~95% of an assertion's cost). Nonces come from the default SecureRandom, as before.
     */
    private static JWSSigner ecSigner(ECKey ec) throws JOSEException, GeneralSecurityException {
        Provider bc = new BouncyCastleProvider();
        PrivateKey key = (PrivateKey) KeyFactory.getInstance("EC", bc).translateKey(ec.toECPrivateKey());
        ECDSASigner signer = new ECDSASigner(key, ec.getCurve());
        signer.getJCAContext().setProvider(bc);
        return signer;
    }

    /** The assertion for a request allowed by decision {@code decisionId}. */
    public String assertion(Identity identity, String decisionId) {
        Instant now = clock.instant();
        if (cache == null) {
            return sign(identity, decisionId, now);
        }
        Minted m = cache.getIfPresent(identity);
        if (m == null || !now.isBefore(m.refreshAt())) {
            m = new Minted(sign(identity, decisionId, now), now.plus(reuse));
            cache.put(identity, m);
        }
        return m.jwt();
    }

    private String sign(Identity id, String decisionId, Instant now) {
        long iat = now.getEpochSecond();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(keys.issuer())
                .audience(audience)
                .subject(id.subject())
                .issueTime(Date.from(Instant.ofEpochSecond(iat)))
                .expirationTime(Date.from(Instant.ofEpochSecond(iat + ttl.toSeconds())))
                .jwtID(UUID.randomUUID().toString())
                .claim("decision_id", decisionId)
                .claim("roles", id.roles());
        if (id.clientId() != null) {
            claims.claim("client_id", id.clientId());
        }
        if (id.profile() != null) {
            claims.claim("profile", id.profile());
        }
        if (id.certificateSha256() != null) {
            claims.claim("cnf", Map.of("x5t#S256", Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(HexFormat.of().parseHex(id.certificateSha256()))));
        }
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing the assertion failed", e);
        }
        return jwt.serialize();
    }
}
