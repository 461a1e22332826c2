package io.certgate.pdp.decision;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The decision meters, each resolved once: a request does a map lookup on a small key instead of
 * building tags and a meter id for the registry. The combinations are as many as the registry holds
 * anyway (effects x entrypoints x protocols, reason codes, error kinds).
 */
final class DecisionMeters {
    private record DecisionKey(Protocol protocol, String effect, String entrypoint) {}

    private final MeterRegistry registry;
    private final Map<Protocol, Timer> latency = new EnumMap<>(Protocol.class);
    private final Map<DecisionKey, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<String, Counter> reasons = new ConcurrentHashMap<>();
    private final Map<String, Counter> errors = new ConcurrentHashMap<>();

    DecisionMeters(MeterRegistry registry) {
        this.registry = registry;
        for (Protocol p : Protocol.values()) {
            latency.put(p, Timer.builder("pdp_decision_duration")
                    .description("Time to produce a decision, input enrichment included")
                    .tag("protocol", p.label())
                    .publishPercentiles(0.5, 0.99)
                    .publishPercentileHistogram()
                    .register(registry));
        }
    }

    /** Counts a decision and records its latency since {@code start} ({@link System#nanoTime()}). */
    void decided(Protocol protocol, String effect, String entrypoint, long start) {
        decisions.computeIfAbsent(new DecisionKey(protocol, effect, entrypoint), k -> Counter.builder("pdp_decisions_total")
                .tag("effect", k.effect())
                .tag("entrypoint", k.entrypoint())
                .tag("protocol", k.protocol().label())
                .register(registry)).increment();
        latency.get(protocol).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    void reason(String code) {
        reasons.computeIfAbsent(code, c -> registry.counter("pdp_decision_reasons_total", "code", c)).increment();
    }

    void policyError(String kind) {
        errors.computeIfAbsent(kind, k -> registry.counter("pdp_policy_errors_total", "kind", k)).increment();
    }
}
