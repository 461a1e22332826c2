package io.certgate.pdp.decision;

/**
 * A step-up authentication challenge (RFC 9470).
 *
 * @param type the kind of challenge, {@code mfa}
 * @param acrValues space-separated ACR values the client must reach, may be empty
 * @param maxAgeSeconds how recent the authentication must be, or -1 when unconstrained
 */
public record Challenge(String type, String acrValues, long maxAgeSeconds) {}
