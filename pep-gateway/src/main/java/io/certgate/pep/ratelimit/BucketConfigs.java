package io.certgate.pep.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;

/** The one translation of a {@link Quota} into Bucket4j terms, shared by the local and the Redis store. */
final class BucketConfigs {
    private BucketConfigs() {}

    static Bandwidth bandwidth(Quota q) {
        return Bandwidth.builder().capacity(q.burst()).refillGreedy(q.rate(), q.period()).build();
    }

    static BucketConfiguration configuration(Quota q) {
        return BucketConfiguration.builder().addLimit(bandwidth(q)).build();
    }

    /** How long an empty bucket takes to fill up (then it equals a new one and may be forgotten). */
    static Duration timeToFill(Quota q) {
        return q.period().multipliedBy(q.burst()).dividedBy(q.rate()).plusSeconds(1);
    }

    static Verdict verdict(String name, String key, Quota q, ConsumptionProbe p, boolean degraded) {
        long reset = p.isConsumed() ? p.getNanosToWaitForReset() : p.getNanosToWaitForRefill();
        return new Verdict(name, key, q, p.isConsumed(), p.getRemainingTokens(), reset, degraded);
    }
}
