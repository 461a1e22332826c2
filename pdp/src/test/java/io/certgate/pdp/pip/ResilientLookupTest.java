package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pdp.config.PdpConfig;
import io.certgate.testdata.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The cache, breaker and bulkhead discipline in front of every provider, driven by a provider whose
 * answers the test completes by hand and a clock it moves by hand.
 */
class ResilientLookupTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-12T10:00:00Z"));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Calls in the order the lookup made them; each completes when the test says so. */
    final List<Map.Entry<String, CompletableFuture<String>>> calls = new CopyOnWriteArrayList<>();
    final Map<String, Integer> callCount = new ConcurrentHashMap<>();

    ResilientLookup<String> lookup(String yaml) throws Exception {
        ResilienceSettings s = PdpConfig.parse("providers:\n  posture: {base_url: 'http://127.0.0.1:1', " + yaml
                + "}\n", "t").providers().posture().resilience();
        return new ResilientLookup<>("test", key -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            calls.add(Map.entry(key, f));
            callCount.merge(key, 1, Integer::sum);
            return f;
        }, s, clock, registry);
    }

    void answer(int call, String value) {
        calls.get(call).getValue().complete(value);
    }

    void fail(int call) {
        calls.get(call).getValue().completeExceptionally(new ProviderException("boom"));
    }

    @Test
    void concurrentMissesShareOneCallAndHitsCallNobody() throws Exception {
        ResilientLookup<String> l = lookup("cache: {ttl_seconds: 60, refresh_after_seconds: 50}");
        CompletableFuture<Lookup<String>> a = l.get("k");
        CompletableFuture<Lookup<String>> b = l.get("k");
        assertThat(calls).hasSize(1);
        answer(0, "v1");
        assertThat(a.join()).isEqualTo(Lookup.ok("v1", false));
        assertThat(b.join().value()).isEqualTo("v1");
        clock.advance(Duration.ofSeconds(49));
        assertThat(l.get("k").join()).isEqualTo(Lookup.ok("v1", true));
        assertThat(calls).hasSize(1);
        assertThat(registry.counter("pdp_provider_cache_total", "provider", "test", "result", "hit").count())
                .isEqualTo(1);
    }

    @Test
    void refreshAheadAnswersFromTheCacheAndReplacesTheEntryInTheBackground() throws Exception {
        ResilientLookup<String> l = lookup("cache: {ttl_seconds: 60, refresh_after_seconds: 50}");
        l.get("k");
        answer(0, "v1");
        clock.advance(Duration.ofSeconds(51));
        assertThat(l.get("k").join()).isEqualTo(Lookup.ok("v1", true));
        assertThat(calls).as("a background refresh").hasSize(2);
        answer(1, "v2");
        assertThat(l.get("k").join()).isEqualTo(Lookup.ok("v2", true));
        clock.advance(Duration.ofSeconds(49));
        assertThat(l.get("k").join().value()).as("the refresh restarted the TTL (100 s after the first call)").isEqualTo("v2");
        assertThat(calls).hasSize(2);
    }

    @Test
    void failuresServeStaleWithinTheBoundThenUnavailableNeverAnInventedValue() throws Exception {
        ResilientLookup<String> l = lookup("cache: {ttl_seconds: 60, max_stale_seconds: 30},"
                + " breaker: {minimum_calls: 100, window_calls: 100}");
        l.get("k");
        answer(0, "v1");
        clock.advance(Duration.ofSeconds(61));
        CompletableFuture<Lookup<String>> stale = l.get("k");
        fail(1);
        assertThat(stale.join()).isEqualTo(Lookup.stale("v1", "boom"));
        clock.advance(Duration.ofSeconds(30));
        CompletableFuture<Lookup<String>> gone = l.get("k");
        fail(2);
        assertThat(gone.join()).isEqualTo(Lookup.unavailable("boom"));
        CompletableFuture<Lookup<String>> other = l.get("never-seen");
        fail(3);
        assertThat(other.join().status()).isEqualTo(LookupStatus.UNAVAILABLE);
        assertThat(other.join().value()).isNull();
    }

    @Test
    void aCallPastTheDeadlineIsUnavailableAndHoldsItsConcurrencySlotUntilItEnds() throws Exception {
        ResilientLookup<String> l = lookup("timeout_ms: 20, max_concurrency: 1");
        Lookup<String> late = l.get("a").join(); // nobody answers: the deadline does
        assertThat(late).isEqualTo(Lookup.unavailable("no answer within 20 ms"));
        Lookup<String> saturated = l.get("b").join();
        assertThat(saturated.error()).contains("too many concurrent calls (max_concurrency 1)");
        assertThat(callCount).doesNotContainKey("b");
        answer(0, "finally");
        CompletableFuture<Lookup<String>> next = l.get("b");
        answer(1, "vb");
        assertThat(next.join().value()).isEqualTo("vb");
    }

    @Test
    void theBreakerOpensFailsFastWithoutCallingThenTriesOnceAndCloses() throws Exception {
        ResilientLookup<String> l = lookup("breaker: {minimum_calls: 2, window_calls: 2, failure_rate_percent: 50,"
                + " open_seconds: 30}");
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Lookup<String>> f = l.get("k" + i);
            fail(i);
            f.join();
        }
        assertThat(l.breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(registry.get("pdp_provider_breaker_state").tag("provider", "test").gauge().value()).isEqualTo(1);
        Lookup<String> fast = l.get("k9").join();
        assertThat(fast.error()).contains("circuit breaker open");
        assertThat(calls).hasSize(2);

        clock.advance(Duration.ofSeconds(31));
        CompletableFuture<Lookup<String>> trial = l.get("k9");
        assertThat(l.breakerState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(l.get("k8").join().error()).as("one trial call at a time").contains("circuit breaker open");
        answer(2, "back");
        assertThat(trial.join().value()).isEqualTo("back");
        assertThat(l.breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
