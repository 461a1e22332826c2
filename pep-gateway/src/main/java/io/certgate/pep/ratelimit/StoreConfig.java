package io.certgate.pep.ratelimit;

import com.linecorp.armeria.common.annotation.Nullable;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The top-level {@code rate_limits:} of {@code gateway.yaml}: where budgets live. No {@code store} means
 * each gateway counts in its own memory.
 *
 * @param url {@code redis://host:port[/db]} or {@code rediss://…} (TLS); null = in memory
 * @param caFile trust roots for {@code rediss://}
 * @param password from {@code password_env} (or inline {@code password}); null = none
 * @param timeout deadline of one store call; past it the call counts as failed
 * @param breakerOpen how long the breaker stays open before probing the store again
 */
public record StoreConfig(@Nullable URI url, @Nullable Path caFile, @Nullable String password, Duration timeout,
        Duration breakerOpen) {

    public static StoreConfig local() {
        return new StoreConfig(null, null, null, Duration.ofMillis(50), Duration.ofSeconds(5));
    }

    public boolean shared() {
        return url != null;
    }

    @Override
    public String toString() {
        // never the password
        return "StoreConfig[url=" + url + ", caFile=" + caFile + ", timeout=" + timeout + "]";
    }
}
