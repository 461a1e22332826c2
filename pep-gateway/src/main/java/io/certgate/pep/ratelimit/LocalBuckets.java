package io.certgate.pep.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Buckets in this gateway's memory: Bucket4j's lock-free token buckets (greedy refill), one per limit
 * and key. A bucket idle long enough to be full again is evicted, since a fresh one is the same.
 */
public final class LocalBuckets implements Buckets {
    private record Entry(Bucket bucket, Duration idle) {}

    private final TimeMeter clock;
    private final Cache<String, Entry> buckets;

    /** Buckets on the system clock, at most {@code maxKeys} of them. */
    public LocalBuckets(long maxKeys) {
        this(maxKeys, TimeMeter.SYSTEM_NANOTIME);
    }

    /** Buckets on {@code clock} (tests drive time by hand). */
    public LocalBuckets(long maxKeys, TimeMeter clock) {
        this.clock = clock;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .ticker(clock::currentTimeNanos)
                .expireAfter(Expiry.<String, Entry>accessing((k, e) -> e.idle()))
                .build();
    }

    @Override
    public CompletableFuture<Verdict> consume(String name, String key, Quota quota) {
        return CompletableFuture.completedFuture(take(name, key, quota));
    }

    /** The same as {@link #consume}, answered at once. */
    public Verdict take(String name, String key, Quota quota) {
        Entry e = buckets.get(Buckets.id(name, key, quota), id -> new Entry(Bucket.builder()
                .addLimit(BucketConfigs.bandwidth(quota))
                .withCustomTimePrecision(clock)
                .build(), BucketConfigs.timeToFill(quota)));
        ConsumptionProbe p = e.bucket().tryConsumeAndReturnRemaining(1);
        return BucketConfigs.verdict(name, key, quota, p, false);
    }

    @Override
    public String describe() {
        return "memory";
    }
}
