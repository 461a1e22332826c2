package io.certgate.pdp.pip;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.annotation.Nullable;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * MFA facts from an OIDC JWT: signature against the issuer's JWKS (asymmetric algorithms only, the
 * token's {@code kid} must resolve), {@code iss}, {@code aud}, {@code exp}/{@code nbf} with a small
 * skew; then {@code verified} from {@code amr}/{@code acr}, {@code age_seconds} from {@code auth_time}
 * and {@code token_bound} from {@code cnf["x5t#S256"]} (RFC 8705). A token that fails any check is
 * {@code invalid} with the reason — never verified.
 */
final class MfaProvider {
    private static final String JWKS_KEY = "jwks";
    /** A token whose kid is not in a JWKS older than this makes the JWKS be fetched again (key rotation). */
    private static final Duration KID_MISS_REFETCH_AGE = Duration.ofSeconds(30);
    private static final Set<JOSEObjectType> TYPES = Set.of(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"));

    private final MfaConfig config;
    private final Clock clock;
    private final ObjectMapper json;
    private final WebClient client;
    private final ResilientLookup<JWKSet> jwks;

    MfaProvider(MfaConfig config, Clock clock, ObjectMapper json, MeterRegistry registry) {
        this.config = config;
        this.clock = clock;
        this.json = json;
        this.client = WebClient.builder()
                .responseTimeout(config.resilience().timeout())
                .responseTimeoutMode(ResponseTimeoutMode.FROM_START)
                .maxResponseLength(HttpEndpoint.MAX_RESPONSE_BYTES)
                .build();
        this.jwks = new ResilientLookup<>("mfa_jwks", k -> fetchJwks(), config.resilience(), clock, registry);
    }

    ResilientLookup<JWKSet> jwksLookup() {
        return jwks;
    }

    /** The outcome for one request: the {@code mfa} input object, plus why it is not verified when invalid. */
    record Outcome(ObjectNode mfa, String status, boolean cached, @Nullable String error,
            @Nullable Long expiresInSeconds) {}

    private CompletableFuture<JWKSet> fetchJwks() {
        return client.get(config.jwks().baseUrl().toString()).aggregate().thenApply(this::parseJwks);
    }

    private JWKSet parseJwks(AggregatedHttpResponse r) {
        if (!r.status().equals(HttpStatus.OK)) {
            throw new ProviderException("mfa: GET " + config.jwks().baseUrl() + " answered " + r.status());
        }
        try {
            JWKSet set = JWKSet.parse(r.contentUtf8()).toPublicJWKSet();
            if (set.isEmpty()) {
                throw new ProviderException("mfa: the JWKS at " + config.jwks().baseUrl() + " holds no public key");
            }
            return set;
        } catch (ParseException e) {
            throw new ProviderException("mfa: the JWKS at " + config.jwks().baseUrl() + " does not parse: "
                    + e.getMessage());
        }
    }

    /**
     * @param authorization the request's {@code Authorization} header, or null
     * @param certSha256Hex the client certificate's SHA-256 (hex), or null without a certificate
     */
    CompletableFuture<Outcome> evaluate(@Nullable String authorization, @Nullable String certSha256Hex) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ObjectNode mfa = json.createObjectNode().put("verified", false).put("status", "ok");
            mfa.putArray("methods");
            return CompletableFuture.completedFuture(new Outcome(mfa, "absent", false, null, null));
        }
        String token = authorization.substring(7).trim();
        SignedJWT jwt;
        try {
            jwt = signed(JWTParser.parse(token));
        } catch (ParseException e) {
            return CompletableFuture.completedFuture(invalid("the bearer token is not a JWT: " + e.getMessage()));
        } catch (ProviderException e) {
            return CompletableFuture.completedFuture(invalid(e.getMessage()));
        }
        return jwks.get(JWKS_KEY).thenCompose(keys -> {
            if (keys.status() == LookupStatus.UNAVAILABLE) {
                return CompletableFuture.completedFuture(unavailable(keys.error()));
            }
            if (keys.value().getKeyByKeyId(jwt.getHeader().getKeyID()) == null && keys.cached()) {
                return jwks.get(JWKS_KEY, KID_MISS_REFETCH_AGE).thenApply(again ->
                        again.status() == LookupStatus.UNAVAILABLE ? verify(jwt, keys, certSha256Hex)
                                : verify(jwt, again, certSha256Hex));
            }
            return CompletableFuture.completedFuture(verify(jwt, keys, certSha256Hex));
        });
    }

    private SignedJWT signed(JWT parsed) {
        if (parsed instanceof PlainJWT) {
            throw new ProviderException("unsecured JWT (alg none) rejected");
        }
        if (parsed instanceof EncryptedJWT) {
            throw new ProviderException("encrypted JWT rejected: a signed JWT is expected");
        }
        SignedJWT jwt = (SignedJWT) parsed;
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!config.algorithms().contains(alg)) {
            throw new ProviderException("JWT algorithm " + alg + " is not accepted (accepted: "
                    + config.algorithms() + ")");
        }
        if (jwt.getHeader().getKeyID() == null) {
            throw new ProviderException("the JWT header has no kid");
        }
        return jwt;
    }

    private Outcome verify(SignedJWT jwt, Lookup<JWKSet> keys, @Nullable String certSha256Hex) {
        String kid = jwt.getHeader().getKeyID();
        if (keys.value().getKeyByKeyId(kid) == null) {
            return invalid("the JWT's kid " + kid + " is not in the issuer's JWKS");
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(TYPES.toArray(new JOSEObjectType[0])) {
            @Override
            public void verify(JOSEObjectType type, SecurityContext context) throws BadJOSEException {
                if (type != null) {
                    super.verify(type, context);
                }
            }
        });
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(config.algorithms(),
                new ImmutableJWKSet<>(keys.value())));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(config.audiences(),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("exp", "iss", "aud"), null) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        claims.setMaxClockSkew((int) config.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
        JWTClaimsSet set;
        try {
            set = processor.process(jwt, null);
        } catch (BadJOSEException | JOSEException e) {
            return invalid("JWT rejected: " + e.getMessage());
        }
        try {
            return facts(set, keys, certSha256Hex);
        } catch (ParseException | ProviderException e) {
            return invalid("JWT claims malformed: " + e.getMessage());
        }
    }

    private Outcome facts(JWTClaimsSet set, Lookup<JWKSet> keys, @Nullable String certSha256Hex)
            throws ParseException {
        List<String> amr = set.getStringListClaim("amr");
        String acr = set.getStringClaim("acr");
        ObjectNode mfa = json.createObjectNode();
        boolean multiFactor = acr != null && config.mfaAcr().contains(acr);
        var methods = mfa.putArray("methods");
        for (String m : amr == null ? List.<String>of() : amr) {
            methods.add(m);
            multiFactor |= config.mfaAmr().contains(m);
        }
        mfa.put("verified", multiFactor);
        if (acr != null) {
            mfa.put("acr", acr);
        }
        Object authTime = set.getClaim("auth_time");
        if (authTime != null) {
            Date at = set.getDateClaim("auth_time");
            long age = Duration.between(at.toInstant(), clock.instant()).toSeconds();
            if (age < -config.clockSkew().toSeconds()) {
                throw new ProviderException("auth_time " + at.toInstant() + " is in the future");
            }
            mfa.put("age_seconds", Math.max(0, age));
        }
        mfa.put("token_bound", bound(set, certSha256Hex));
        String status = keys.status() == LookupStatus.STALE ? "stale" : "ok";
        mfa.put("status", status);
        long expiresIn = Math.max(0, Duration.between(clock.instant(), set.getExpirationTime().toInstant())
                .toSeconds());
        return new Outcome(mfa, status, keys.cached(), keys.error(), expiresIn);
    }

    private static boolean bound(JWTClaimsSet set, @Nullable String certSha256Hex) throws ParseException {
        Map<String, Object> cnf = set.getJSONObjectClaim("cnf");
        if (cnf == null || certSha256Hex == null) {
            return false;
        }
        Object x5t = cnf.get("x5t#S256");
        if (x5t != null && !(x5t instanceof String)) {
            throw new ProviderException("cnf.x5t#S256 is not a string");
        }
        try {
            byte[] digest = HexFormat.of().parseHex(certSha256Hex);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).equals(x5t);
        } catch (IllegalArgumentException e) {
            return false; // no usable certificate fingerprint: nothing to bind to
        }
    }

    private Outcome invalid(String reason) {
        ObjectNode mfa = json.createObjectNode().put("verified", false).put("status", "invalid");
        mfa.putArray("methods");
        return new Outcome(mfa, "invalid", false, reason, null);
    }

    private Outcome unavailable(String reason) {
        ObjectNode mfa = json.createObjectNode().put("verified", false).put("status", "unavailable");
        return new Outcome(mfa, "unavailable", false, "JWKS unavailable: " + reason, null);
    }
}
