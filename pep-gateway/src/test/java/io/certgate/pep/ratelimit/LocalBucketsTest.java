package io.certgate.pep.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Burst and refill of the in-memory buckets against the declared rate, on a clock driven by hand. */
class LocalBucketsTest {
    /** A clock the test moves; Bucket4j reads it as wall time. */
    static final class ManualClock implements TimeMeter {
        long nanos = 1_000_000_000L;

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }

    @Test
    void randomArrivalsNeverExceedBurstPlusRefillAndAreRefusedOnlyWhenEmpty() {
        Random random = new Random(20240607L);
        for (int run = 0; run < 200; run++) {
            long rate = 1 + random.nextInt(50);
            long burst = 1 + random.nextInt(100);
            Duration period = Duration.ofMillis(100 + random.nextInt(5_000));
            Quota q = new Quota(rate, period, burst);
            ManualClock clock = new ManualClock();
            LocalBuckets buckets = new LocalBuckets(100, clock);
            long start = clock.nanos;
            // the reference model: an exact token bucket in doubles
            double tokens = burst;
            long last = start;
            int accepted = 0;
            for (int i = 0; i < 300; i++) {
                clock.nanos += (long) (random.nextDouble() * 2 * period.toNanos() / rate);
                tokens = Math.min(burst, tokens + (clock.nanos - last) * (double) rate / period.toNanos());
                last = clock.nanos;
                Verdict v = buckets.take("l", "k", q);
                double elapsedPeriods = (clock.nanos - start) / (double) period.toNanos();
                if (v.allowed()) {
                    accepted++;
                    tokens -= 1;
                    assertThat(tokens).as("run %d: accepted without a token", run).isGreaterThan(-1e-6);
                    assertThat(v.remaining()).isBetween(0L, burst - 1);
                } else {
                    assertThat(tokens).as("run %d: refused with a token", run).isLessThan(1 + 1e-6);
                    assertThat(v.retryAfterSeconds()).isPositive();
                }
                assertThat((double) accepted).isLessThanOrEqualTo(burst + rate * elapsedPeriods + 1e-6);
            }
        }
    }

    @Test
    void aFullBurstThenOneTokenPerRefillInterval() {
        ManualClock clock = new ManualClock();
        LocalBuckets buckets = new LocalBuckets(100, clock);
        Quota q = new Quota(10, Duration.ofSeconds(1), 5);
        for (int i = 0; i < 5; i++) {
            assertThat(buckets.take("l", "k", q).allowed()).isTrue();
        }
        Verdict refused = buckets.take("l", "k", q);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.resetNanos()).isEqualTo(100_000_000L);
        assertThat(buckets.take("l", "other", q).allowed()).as("another key has its own bucket").isTrue();
        clock.nanos += 100_000_000L;
        assertThat(buckets.take("l", "k", q).allowed()).isTrue();
        assertThat(buckets.take("l", "k", q).allowed()).isFalse();
    }
}
