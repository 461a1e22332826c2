package io.certgate.pdp.pip;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.linecorp.armeria.client.UnprocessedRequestException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider's calls behind a deadline, a bulkhead and a circuit breaker, with a Caffeine cache in
 * front: fresh hits are answered at once (and refreshed in the background once older than
 * {@code refreshAfter}); a miss calls the provider, concurrent misses for one key share the call; when
 * the call fails, the last answer is served as {@link LookupStatus#STALE} for at most {@code maxStale}
 * past its TTL, else the lookup is {@link LookupStatus#UNAVAILABLE} with the reason. Lookups never fail
 * and never block: a lookup completes within the call deadline.
 */
public final class ResilientLookup<T> {
    private static final Logger log = LoggerFactory.getLogger(ResilientLookup.class);

    private final String provider;
    private final Function<String, CompletableFuture<T>> fetcher;
    private final ResilienceSettings settings;
    private final Clock clock;
    private final Cache<String, Entry<T>> cache;
    private final ConcurrentMap<String, CompletableFuture<T>> inflight = new ConcurrentHashMap<>();
    private final CircuitBreaker breaker;
    private final Bulkhead bulkhead;
    private final Timer latency;
    private final MeterRegistry registry;

    private record Entry<T>(T value, long fetchedAtMillis) {}

    /**
     * @param provider the provider's name in metrics, logs and reasons ({@code ldap}, {@code posture}, …)
     * @param fetcher one call for a key; completes exceptionally (ideally with a {@link ProviderException})
     *     when the provider fails or answers something unusable
     */
    public ResilientLookup(String provider, Function<String, CompletableFuture<T>> fetcher,
            ResilienceSettings settings, Clock clock, MeterRegistry registry) {
        this.provider = provider;
        this.fetcher = fetcher;
        this.settings = settings;
        this.clock = clock;
        this.registry = registry;
        this.cache = Caffeine.newBuilder()
                .maximumSize(settings.cacheSize())
                .expireAfterWrite(settings.cacheTtl().plus(settings.maxStale()))
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
                .build();
        this.breaker = CircuitBreaker.of(provider, CircuitBreakerConfig.custom()
                .failureRateThreshold(settings.failureRatePercent())
                .minimumNumberOfCalls(settings.minimumCalls())
                .slidingWindowSize(settings.windowCalls())
                .waitDurationInOpenState(settings.breakerOpen())
                .permittedNumberOfCallsInHalfOpenState(1)
                .clock(clock)
                .build());
        // Once per transition, not per rejected call.
        breaker.getEventPublisher().onStateTransition(e -> log.warn("provider {}: circuit breaker {}", provider,
                e.getStateTransition()));
        this.bulkhead = Bulkhead.of(provider, BulkheadConfig.custom()
                .maxConcurrentCalls(settings.maxConcurrency())
                .maxWaitDuration(Duration.ZERO)
                .build());
        this.latency = Timer.builder("pdp_provider_call_duration")
                .description("Duration of calls to an attribute provider (cache misses and refreshes)")
                .tag("provider", provider)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        Gauge.builder("pdp_provider_breaker_state", breaker, b -> stateCode(b.getState()))
                .description("Circuit breaker state: 0 closed, 1 open, 2 half-open, 3 other")
                .tag("provider", provider)
                .register(registry);
    }

    public String provider() {
        return provider;
    }

    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    /** The answer for {@code key}: from the cache when fresh, else from the provider (or stale, or unavailable). */
    public CompletableFuture<Lookup<T>> get(String key) {
        return get(key, settings.cacheTtl());
    }

    /**
     * Like {@link #get(String)}, but an entry older than {@code maxAge} (below the TTL) counts as a
     * miss: for callers that know the cached answer is outdated (a JWKS without a token's key id).
     */
    public CompletableFuture<Lookup<T>> get(String key, Duration maxAge) {
        long now = clock.millis();
        Entry<T> entry = cache.getIfPresent(key);
        long freshFor = Math.min(maxAge.toMillis(), settings.cacheTtl().toMillis());
        if (entry != null && now - entry.fetchedAtMillis() < freshFor) {
            if (now - entry.fetchedAtMillis() >= settings.refreshAfter().toMillis()) {
                count("refresh");
                call(key);
            }
            count("hit");
            return CompletableFuture.completedFuture(Lookup.ok(entry.value(), true));
        }
        count("miss");
        return call(key).handle((value, failure) -> {
            if (failure == null) {
                return Lookup.ok(value, false);
            }
            String reason = reason(failure);
            long staleUntil = settings.cacheTtl().plus(settings.maxStale()).toMillis();
            if (entry != null && clock.millis() - entry.fetchedAtMillis() < staleUntil) {
                result("stale");
                return Lookup.stale(entry.value(), reason);
            }
            result("unavailable");
            return Lookup.unavailable(reason);
        });
    }

    /** One call per key at a time; the result is cached on success. */
    private CompletableFuture<T> call(String key) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        CompletableFuture<T> running = inflight.putIfAbsent(key, mine);
        if (running != null) {
            return running;
        }
        start(key).whenComplete((value, failure) -> {
            if (failure == null) {
                cache.put(key, new Entry<>(value, clock.millis())); // before the removal: no gap without either
            }
            inflight.remove(key, mine);
            if (failure == null) {
                mine.complete(value);
            } else {
                mine.completeExceptionally(failure);
            }
        });
        return mine;
    }

    private CompletableFuture<T> start(String key) {
        if (!breaker.tryAcquirePermission()) {
            error("breaker_open");
            return CompletableFuture.failedFuture(new ProviderException("circuit breaker open after repeated failures"
                    + " (retried after " + settings.breakerOpen().toSeconds() + " s)"));
        }
        if (!bulkhead.tryAcquirePermission()) {
            breaker.releasePermission();
            error("saturated");
            return CompletableFuture.failedFuture(new ProviderException(
                    "too many concurrent calls (max_concurrency " + settings.maxConcurrency() + ")"));
        }
        long start = System.nanoTime();
        CompletableFuture<T> call;
        try {
            call = fetcher.apply(key);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        // The slot is held until the call itself ends, also past the deadline: concurrency stays bounded.
        call.whenComplete((v, f) -> bulkhead.onComplete());
        return call.copy().orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((value, failure) -> {
                    long nanos = System.nanoTime() - start;
                    latency.record(nanos, TimeUnit.NANOSECONDS);
                    if (failure == null) {
                        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                    } else {
                        Throwable cause = unwrap(failure);
                        breaker.onError(nanos, TimeUnit.NANOSECONDS, cause);
                        error(isTimeout(cause) ? "timeout" : "failure");
                        log.debug("provider {}: call for {} failed: {}", provider, key, reason(cause));
                    }
                });
    }

    private String reason(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (isTimeout(cause)) {
            return "no answer within " + settings.timeout().toMillis() + " ms";
        }
        if (cause instanceof ProviderException) {
            return cause.getMessage();
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof UnprocessedRequestException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /** Our deadline, or the HTTP client's own (the same duration) firing first. */
    private static boolean isTimeout(Throwable cause) {
        return cause instanceof TimeoutException || cause instanceof com.linecorp.armeria.common.TimeoutException;
    }

    private void count(String result) {
        Counter.builder("pdp_provider_cache_total").description("Provider cache lookups by result")
                .tag("provider", provider).tag("result", result).register(registry).increment();
    }

    private void result(String status) {
        Counter.builder("pdp_provider_fallbacks_total")
                .description("Lookups answered stale or unavailable because the provider failed")
                .tag("provider", provider).tag("status", status).register(registry).increment();
    }

    private void error(String kind) {
        Counter.builder("pdp_provider_errors_total").description("Failed provider calls by kind")
                .tag("provider", provider).tag("kind", kind).register(registry).increment();
    }

    private static int stateCode(CircuitBreaker.State s) {
        return switch (s) {
            case CLOSED -> 0;
            case OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 3;
        };
    }
}
