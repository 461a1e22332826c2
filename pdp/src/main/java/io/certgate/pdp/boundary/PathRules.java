package io.certgate.pdp.boundary;

/**
 * What a service tolerates in request paths beyond the strict default. Each switch exists for upstreams
 * that need the construct and interpret it the way the policy will (see docs/security.md).
 *
 * @param allowEncodedSlash keep {@code %2F} in a segment instead of answering 400
 * @param allowBackslash keep {@code \} (as {@code %5C}) instead of answering 400
 * @param allowSemicolon keep {@code ;} path parameters instead of answering 400 (dot segments are still
 *     refused with parameters, e.g. {@code ..;x})
 * @param lowercase lower-case the path for the policy, {@code policy.when}, logs and the upstream alike
 *     (for upstreams that match paths case-insensitively)
 */
public record PathRules(boolean allowEncodedSlash, boolean allowBackslash, boolean allowSemicolon,
        boolean lowercase) {
    private static final PathRules STRICT = new PathRules(false, false, false, false);

    /** The default: every ambiguous construct answers 400. */
    public static PathRules strict() {
        return STRICT;
    }
}
