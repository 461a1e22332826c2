package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import java.util.List;
import java.util.Map;

/**
 * How bundle signatures are verified ({@code bundle.verification} in pdp.yaml, OPA's names).
 *
 * @param keys the keys that may sign, by id; several allow key rotation
 * @param keyId the key to use whatever the signature names; null = the signature's {@code kid}/{@code keyid}
 * @param scope the scope every signature must carry; null = the key's scope, else none
 * @param excludeFiles glob patterns ({@code *} does not cross {@code /}) of bundle files not checked
 */
public record BundleVerification(Map<String, VerificationKey> keys, @Nullable String keyId, @Nullable String scope,
        List<String> excludeFiles) {
    public BundleVerification {
        keys = Map.copyOf(keys);
        excludeFiles = List.copyOf(excludeFiles);
    }
}
