package io.certgate.pep.ratelimit;

import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets shared by every gateway replica through Redis: Bucket4j's Lettuce proxy manager keeps each
 * bucket in one key and updates it with an atomic compare-and-swap script on the server, so concurrent
 * replicas never lose an update. Every call is asynchronous, bounded by the store's deadline and guarded
 * by a circuit breaker; a call that fails, times out or is refused by the open breaker fails with
 * {@link StoreUnavailableException} and the service's fallback applies.
 */
public final class RedisBuckets implements Buckets {
    private static final Logger log = LoggerFactory.getLogger(RedisBuckets.class);
    private static final String PREFIX = "certgate:rl:";
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(5);

    private final String described;
    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final AsyncProxyManager<byte[]> proxies;
    private final CircuitBreaker breaker;
    private final Duration timeout;
    private final Timer latency;
    private final MeterRegistry registry;

    private RedisBuckets(StoreConfig cfg, RedisClient client, StatefulRedisConnection<byte[], byte[]> connection,
            MeterRegistry registry) {
        this.described = "redis " + cfg.url().getScheme() + "://" + cfg.url().getHost() + ":" + cfg.url().getPort();
        this.client = client;
        this.connection = connection;
        this.timeout = cfg.timeout();
        this.registry = registry;
        this.proxies = Bucket4jLettuce.casBasedBuilder(connection)
                .requestTimeout(cfg.timeout())
                // a key outlives the time its bucket needs to fill up by a little, then Redis drops it
                .expirationAfterWrite(ExpirationAfterWriteStrategy
                        .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build()
                .asAsync();
        this.breaker = CircuitBreaker.of("rate-limit-store", CircuitBreakerConfig.custom()
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(cfg.breakerOpen())
                .permittedNumberOfCallsInHalfOpenState(2)
                .recordException(t -> true)
                .build());
        // once per transition, not per request
        breaker.getEventPublisher().onStateTransition(e -> log.warn("rate-limit store {}: circuit breaker {}",
                described, e.getStateTransition()));
        Gauge.builder("pep_rate_limit_store_breaker_state", breaker, RedisBuckets::stateCode)
                .description("Circuit breaker of the shared rate-limit store: 0 closed, 1 half-open, 2 open")
                .register(registry);
        this.latency = Timer.builder("pep_rate_limit_store_duration")
                .description("Time of one call to the shared rate-limit store")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    /**
     * Connects (blocking, at start) so that a wrong URL, password or CA is an error at start.
     *
     * @throws StoreConnectException naming the store and the cause
     */
    public static RedisBuckets connect(StoreConfig cfg, MeterRegistry registry) {
        // The URI's timeout bounds the connection's set-up (TLS handshake, AUTH, HELLO), at start and on every
        // reconnect; commands have their own deadline (timeoutOptions, below), far shorter.
        RedisURI.Builder builder = RedisURI.builder(RedisURI.create(cfg.url())).withTimeout(SETUP_TIMEOUT);
        if (cfg.password() != null) {
            builder.withPassword(cfg.password().toCharArray());
        }
        RedisURI uri = builder.build();
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(true)
                // while disconnected, fail at once rather than queue behind the deadline
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(cfg.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).build());
        if (cfg.caFile() != null) {
            options.sslOptions(SslOptions.builder().jdkSslProvider().trustManager(cfg.caFile().toFile()).build());
        }
        // reconnect within a second of the store coming back, not after Lettuce's default 30 s backoff
        ClientResources resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
        RedisClient client = RedisClient.create(resources);
        client.setOptions(options.build());
        try {
            StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE, uri);
            return new RedisBuckets(cfg, client, connection, registry);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            resources.shutdown();
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StoreConnectException("rate_limits.store: cannot connect to " + redacted(cfg) + ": "
                    + cause.getMessage(), e);
        }
    }

    private static String redacted(StoreConfig cfg) {
        return cfg.url().getScheme() + "://" + cfg.url().getHost() + ":" + cfg.url().getPort();
    }

    @Override
    public CompletableFuture<Verdict> consume(String name, String key, Quota quota) {
        if (!breaker.tryAcquirePermission()) {
            count("breaker_open");
            return CompletableFuture.failedFuture(new StoreUnavailableException("circuit breaker open"));
        }
        long start = System.nanoTime();
        byte[] id = (PREFIX + Buckets.id(name, key, quota)).getBytes(StandardCharsets.UTF_8);
        CompletableFuture<Verdict> out = new CompletableFuture<>();
        proxies.builder()
                .build(id, () -> CompletableFuture.completedFuture(BucketConfigs.configuration(quota)))
                .tryConsumeAndReturnRemaining(1)
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((probe, failure) -> {
                    long nanos = System.nanoTime() - start;
                    latency.record(nanos, TimeUnit.NANOSECONDS);
                    if (failure == null) {
                        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                        out.complete(BucketConfigs.verdict(name, key, quota, probe, false));
                        return;
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    breaker.onError(nanos, TimeUnit.NANOSECONDS, cause);
                    boolean late = cause instanceof TimeoutException
                            || cause instanceof io.lettuce.core.RedisCommandTimeoutException;
                    count(late ? "timeout" : "error");
                    out.completeExceptionally(new StoreUnavailableException(late
                            ? "no answer within " + timeout.toMillis() + " ms" : cause.toString(), cause));
                });
        return out;
    }

    private void count(String reason) {
        registry.counter("pep_rate_limit_store_errors_total", "reason", reason).increment();
    }

    private static double stateCode(CircuitBreaker b) {
        return switch (b.getState()) {
            case CLOSED, DISABLED -> 0;
            case HALF_OPEN -> 1;
            default -> 2;
        };
    }

    /** The breaker's state, for tests and the health of the store. */
    public CircuitBreaker.State breakerState() {
        return breaker.getState();
    }

    @Override
    public String describe() {
        return described;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        client.getResources().shutdown();
    }
}
