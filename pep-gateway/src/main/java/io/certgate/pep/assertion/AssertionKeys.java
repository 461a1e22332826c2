package io.certgate.pep.assertion;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.List;

/**
 * The gateway's assertion keys ({@code assertions.keys}): the first signs, every one is published in the
 * JWKS. Rotation is a configuration change with overlap: publish the new key second, then make it first
 * (the old one, now second, keeps verifying the assertions already issued), then remove the old one once
 * the longest assertion lifetime has passed.
 *
 * @param issuer the {@code iss} of every assertion
 */
public record AssertionKeys(String issuer, List<SigningKey> keys) {
    public AssertionKeys {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one key is required");
        }
        keys = List.copyOf(keys);
    }

    public SigningKey signing() {
        return keys.get(0);
    }

    /** The public keys as a JWK Set document (RFC 7517), for {@code /.well-known/jwks.json}. */
    public String jwks() {
        return new JWKSet(keys.stream().map(SigningKey::publicJwk).toList()).toString();
    }
}
