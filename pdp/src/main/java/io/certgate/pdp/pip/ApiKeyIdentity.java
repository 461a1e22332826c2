package io.certgate.pdp.pip;

import com.linecorp.armeria.common.annotation.Nullable;

/**
 * An API key store's answer for one digest: the client and key id it is registered under, or
 * {@code found == false} (both null) for a key the store does not know.
 */
public record ApiKeyIdentity(boolean found, @Nullable String clientId, @Nullable String keyId) {
    static final ApiKeyIdentity UNKNOWN = new ApiKeyIdentity(false, null, null);
}
