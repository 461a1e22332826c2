package io.certgate.pdp.decision;

import java.util.Locale;

/** What the enforcement point does with a request. */
public enum Effect {
    ALLOW, DENY, CHALLENGE;

    /** The wire name: {@code allow}, {@code deny}, {@code challenge}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
