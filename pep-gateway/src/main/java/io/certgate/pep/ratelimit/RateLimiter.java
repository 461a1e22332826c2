package io.certgate.pep.ratelimit;

import com.linecorp.armeria.common.annotation.Nullable;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's limits against the gateway's bucket store: takes a token from every limit that applies
 * and answers with the verdict the client must heed. While a shared store is unavailable the service's
 * fallback answers instead: the same limit in local memory, allow, or a {@link StoreUnavailableException}
 * (the caller refuses the request).
 */
public final class RateLimiter {
    private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);

    /** One bucket to take a token from. */
    public record Check(String name, String key, Quota quota) {}

    private final String service;
    private final ServiceLimits limits;
    private final Buckets store;
    private final LocalBuckets fallback;
    private final MeterRegistry registry;

    /**
     * @param store the gateway's buckets (shared or local)
     * @param fallback this service's local buckets, used while a shared store is unavailable
     */
    public RateLimiter(String service, ServiceLimits limits, Buckets store, LocalBuckets fallback,
            MeterRegistry registry) {
        this.service = service;
        this.limits = limits;
        this.store = store;
        this.fallback = fallback;
        this.registry = registry;
    }

    public ServiceLimits limits() {
        return limits;
    }

    /**
     * Takes a token from each bucket. The future completes with the tightest verdict (null when
     * {@code checks} is empty), or fails with {@link StoreUnavailableException} under fallback deny.
     */
    public CompletableFuture<@Nullable Verdict> check(List<Check> checks) {
        if (checks.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Verdict>> each = new ArrayList<>(checks.size());
        for (Check c : checks) {
            each.add(store.consume(c.name(), c.key(), c.quota()).handle((v, failure) -> {
                if (failure == null) {
                    return v;
                }
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                return degraded(c, cause);
            }));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            Verdict out = null;
            for (CompletableFuture<Verdict> f : each) {
                Verdict v = f.join();
                out = out == null ? v : Verdict.tighter(out, v);
            }
            return out;
        });
    }

    private Verdict degraded(Check c, Throwable cause) {
        if (!(cause instanceof StoreUnavailableException)) {
            throw new CompletionException(cause);
        }
        ServiceLimits.Fallback f = limits.onStoreUnavailable();
        registry.counter("pep_rate_limit_degraded_total", "service", service, "limit", c.name(),
                "fallback", f.name().toLowerCase(java.util.Locale.ROOT)).increment();
        log.debug("service {}: rate-limit store {} unavailable ({}); fallback {}", service, store.describe(),
                cause.getMessage(), f);
        return switch (f) {
            case LOCAL -> {
                Verdict v = fallback.take(c.name(), c.key(), c.quota());
                yield new Verdict(v.name(), v.key(), v.quota(), v.allowed(), v.remaining(), v.resetNanos(), true);
            }
            case ALLOW -> new Verdict(c.name(), c.key(), c.quota(), true, c.quota().burst(), 0, true);
            case DENY -> throw new CompletionException(cause);
        };
    }
}
