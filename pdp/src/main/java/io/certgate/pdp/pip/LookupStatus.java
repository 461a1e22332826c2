package io.certgate.pdp.pip;

import java.util.Locale;

/** How fresh a provider's answer is, as the policy reads it ({@code groups_status}, {@code device.status}). */
public enum LookupStatus {
    /** A fresh answer from the provider (or its cache within the TTL). */
    OK,
    /** The provider failed; this is the last good answer, older than the TTL but within the stale bound. */
    STALE,
    /** The provider failed and no usable answer exists. */
    UNAVAILABLE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
