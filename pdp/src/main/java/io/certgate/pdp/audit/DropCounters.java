package io.certgate.pdp.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;

/** {@code pdp_decision_logs_dropped_total{reason}}: decisions that never reached stdout or the collector. */
final class DropCounters {
    /** The writer fell behind and the queue of {@code buffer_size_limit_events} was full. */
    static final String QUEUE_FULL = "queue_full";
    /** The upload buffer of {@code buffer_size_limit_bytes} was full (collector down or slow). */
    static final String BUFFER_FULL = "buffer_full";
    /** One event is larger than {@code upload_size_limit_bytes}: no batch can carry it. */
    static final String TOO_LARGE = "too_large";
    /** The event could not be serialized. */
    static final String ENCODING = "encoding";

    private final Map<String, Counter> counters;

    DropCounters(MeterRegistry registry) {
        this.counters = Map.of(
                QUEUE_FULL, counter(registry, QUEUE_FULL),
                BUFFER_FULL, counter(registry, BUFFER_FULL),
                TOO_LARGE, counter(registry, TOO_LARGE),
                ENCODING, counter(registry, ENCODING));
    }

    private static Counter counter(MeterRegistry registry, String reason) {
        return Counter.builder("pdp_decision_logs_dropped_total")
                .description("Decisions dropped from the decision log, by reason")
                .tag("reason", reason)
                .register(registry);
    }

    void dropped(String reason, int events) {
        counters.get(reason).increment(events);
    }
}
