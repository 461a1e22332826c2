package io.certgate.pdp.pip;

import com.linecorp.armeria.common.annotation.Nullable;

/**
 * One provider answer for one key: the value (absent when unavailable), its status, whether it came
 * from the cache, and why the provider failed (when it did).
 */
public record Lookup<T>(LookupStatus status, @Nullable T value, boolean cached, @Nullable String error) {

    static <T> Lookup<T> ok(T value, boolean cached) {
        return new Lookup<>(LookupStatus.OK, value, cached, null);
    }

    static <T> Lookup<T> stale(T value, String error) {
        return new Lookup<>(LookupStatus.STALE, value, true, error);
    }

    static <T> Lookup<T> unavailable(String error) {
        return new Lookup<>(LookupStatus.UNAVAILABLE, null, false, error);
    }
}
