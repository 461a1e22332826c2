package io.certgate.pep.config;

import com.linecorp.armeria.common.annotation.Nullable;

/** A header condition: the header equals {@code equals}, or starts with {@code prefix}, ignoring case. */
record HeaderMatch(String name, @Nullable String equals, @Nullable String prefix) {
    public boolean matches(@Nullable String value) {
        if (value == null) {
            return false;
        }
        // Case-insensitive: a case variant must not fall outside policy.when (see RequestCondition).
        if (equals != null) {
            return value.equalsIgnoreCase(equals);
        }
        return prefix != null && value.regionMatches(true, 0, prefix, 0, prefix.length());
    }
}
