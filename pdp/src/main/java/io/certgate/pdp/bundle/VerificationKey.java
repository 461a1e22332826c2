package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import com.nimbusds.jose.JWSAlgorithm;
import java.security.Key;

/**
 * A key that may sign bundles, as in OPA's {@code keys} configuration.
 *
 * @param id the key id a signature names ({@code kid} header, {@code keyid} claim or {@code key_id})
 * @param algorithm the only JWS algorithm accepted with this key
 * @param key an RSA or EC public key, or an HMAC secret ({@link javax.crypto.SecretKey})
 * @param scope the scope signatures by this key must carry when {@code bundle.verification.scope} is unset
 */
public record VerificationKey(String id, JWSAlgorithm algorithm, Key key, @Nullable String scope) {}
