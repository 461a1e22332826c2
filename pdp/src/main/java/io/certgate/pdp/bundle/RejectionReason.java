package io.certgate.pdp.bundle;

import java.util.Locale;

/** Why a bundle (or a load) was rejected: the {@code reason} label of {@code pdp_bundle_rejections_total}. */
public enum RejectionReason {
    /** The source could not be read (file missing, HTTP error, policy directory not compiling). */
    LOAD_FAILED,
    /** The archive, its data or manifest is malformed, or the policy does not activate. */
    INVALID_BUNDLE,
    /** Verification is configured but the bundle has no {@code /.signatures.json}. */
    SIGNATURE_MISSING,
    /** {@code /.signatures.json} or its JWT is malformed, or the signature does not verify. */
    SIGNATURE_INVALID,
    /** The JWT names no key, or one that {@code bundle.verification.keys} does not have. */
    KEY_UNKNOWN,
    /** The JWT's {@code scope} is not the configured one. */
    SCOPE_MISMATCH,
    /** A file in the bundle is not listed in the signature. */
    FILE_UNSIGNED,
    /** A file listed in the signature is not in the bundle. */
    FILE_MISSING,
    /** A file's digest differs from the one in the signature. */
    DIGEST_MISMATCH;

    /** The metric label value, e.g. {@code signature_invalid}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
