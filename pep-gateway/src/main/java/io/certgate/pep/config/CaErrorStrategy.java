package io.certgate.pep.config;

/** What happens when a presented certificate fails verification. */
public enum CaErrorStrategy {
    /** Reject with 401. */
    STRICT,
    /** Go on whatever the code; the code is still reported to the policy and the upstream. */
    IGNORE_ALL,
    /** Go on only for the codes listed in {@code ignore_codes}; reject otherwise. */
    MANUAL_IGNORE_LIST
}
