package io.certgate.pep.config;

import com.linecorp.armeria.common.annotation.Nullable;

/** A header condition: the header equals {@code equals}, or starts with {@code prefix}. */
public record HeaderMatch(String name, @Nullable String equals, @Nullable String prefix) {
    public boolean matches(@Nullable String value) {
        if (value == null) {
            return false;
        }
        if (equals != null) {
            return value.equals(equals);
        }
        return prefix != null && value.startsWith(prefix);
    }
}
