package io.certgate.pdp.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.remote.InstanceLabels;
import io.certgate.pdp.remote.ServiceClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision log: every decision becomes one event with OPA's field names ({@code decision_id},
 * {@code path}, {@code input}, {@code result}, {@code bundles}, {@code timestamp}, {@code labels},
 * {@code metrics}, {@code erased}), written as a JSON line on the {@code certgate.decisions} logger
 * and, with a service configured, uploaded in batches (see {@link DecisionUploader}).
 *
 * <p>{@link #record} never blocks: it puts the decision into a bounded queue (dropping the oldest
 * when full, counted) that one writer thread drains. Masking and serialization happen on that thread.
 */
public final class DecisionLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DecisionLog.class);
    private static final Logger console = LoggerFactory.getLogger("certgate.decisions");

    private final ObjectMapper json;
    private final Clock clock;
    private final boolean consoleEnabled;
    private final MaskRules mask;
    private final InstanceLabels labels;
    @Nullable
    private final BlockingQueue<DecisionRecord> queue;
    @Nullable
    private final DecisionUploader uploader;
    @Nullable
    private final Thread writer;
    @Nullable
    private final DropCounters drops;
    private volatile boolean closed;

    private DecisionLog(ObjectMapper json, Clock clock, DecisionLogsConfig config, InstanceLabels labels,
            @Nullable ServiceClient service, @Nullable MeterRegistry registry) {
        this.json = json;
        this.clock = clock;
        this.consoleEnabled = config.console();
        this.mask = new MaskRules(config.mask());
        this.labels = labels;
        if (!config.enabled() || registry == null) {
            this.queue = null;
            this.uploader = null;
            this.writer = null;
            this.drops = null;
            return;
        }
        this.drops = new DropCounters(registry);
        this.queue = new ArrayBlockingQueue<>(config.reporting().bufferSizeLimitEvents());
        Gauge.builder("pdp_decision_logs_queued_events", queue, BlockingQueue::size)
                .description("Decisions waiting to be written to the decision log").register(registry);
        this.uploader = service == null ? null
                : new DecisionUploader(service, config.resource(), config.reporting(), drops, registry);
        this.writer = new Thread(this::drain, "pdp-decision-log");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * A running decision log (a writer thread, and an uploader when {@code service} is given).
     * Close it to stop both; events still buffered then are sent once more, briefly.
     */
    public static DecisionLog start(ObjectMapper json, Clock clock, DecisionLogsConfig config, InstanceLabels labels,
            @Nullable ServiceClient service, MeterRegistry registry) {
        return new DecisionLog(json, clock, config, labels, service, registry);
    }

    /**
     * Records one decision with what the attribute providers answered ({@code providers}: per input
     * field, the provider, its status and, when it failed, why). {@code input}, {@code result} and
     * {@code providers} must not change afterwards: they are read later, on the writer thread.
     */
    public void record(String decisionId, String path, String revision, JsonNode input, @Nullable JsonNode result,
            @Nullable String error, long latencyNanos, boolean cached, @Nullable JsonNode providers) {
        if (queue == null || closed) {
            return;
        }
        DecisionRecord r = new DecisionRecord(decisionId, clock.instant(), path, revision, input, result, error,
                latencyNanos, cached, providers);
        // Drop the oldest rather than the newest or the caller's time: a decision never waits for the log.
        while (!queue.offer(r)) {
            if (queue.poll() != null) {
                drops.dropped(DropCounters.QUEUE_FULL, 1);
            }
        }
    }

    private void drain() {
        try {
            while (!closed || !queue.isEmpty()) {
                DecisionRecord r = queue.poll(100, TimeUnit.MILLISECONDS);
                if (r != null) {
                    write(r);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(DecisionRecord r) {
        String line;
        try {
            // one serialization, as text: the console takes it as is, the uploader as UTF-8
            line = json.writeValueAsString(event(r));
        } catch (JsonProcessingException | RuntimeException e) {
            log.warn("cannot write decision {} to the decision log: {}", r.decisionId(), e.getMessage());
            drops.dropped(DropCounters.ENCODING, 1);
            return;
        }
        if (consoleEnabled && console.isInfoEnabled()) {
            console.info(line);
        }
        if (uploader != null) {
            uploader.add(line.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The event of one decision, masked. */
    ObjectNode event(DecisionRecord r) {
        ObjectNode e = json.createObjectNode();
        e.put("decision_id", r.decisionId());
        e.put("timestamp", r.timestamp().toString());
        e.put("path", r.path());
        labels.writeTo(e.putObject("labels"));
        e.putObject("bundles").putObject("policy").put("revision", r.revision());
        e.set("input", r.input());
        if (r.providers() != null) {
            e.set("providers", r.providers());
        }
        if (r.result() != null) {
            e.set("result", r.result());
            JsonNode reasons = r.result().path("reasons");
            if (reasons.isArray()) {
                e.set("reason_codes", json.valueToTree(reasons.findValuesAsText("code")));
            }
        }
        if (r.error() != null) {
            e.put("error", r.error());
        }
        e.putObject("metrics").put("timer_server_handler_ns", r.latencyNanos());
        e.put("cached", r.cached());
        List<String> erased = mask.apply(e);
        if (!erased.isEmpty()) {
            erased.forEach(e.putArray("erased")::add);
        }
        return e;
    }

    /**
     * The state OPA's status reports show for the decision log: {@code OK}, {@code WARN} while uploads
     * fail, {@code DISABLED} when nothing is recorded.
     */
    public String state() {
        if (queue == null) {
            return "DISABLED";
        }
        return uploader != null && uploader.failing() ? "WARN" : "OK";
    }

    /** Writes what is queued, then gives the uploader one last, bounded, chance to send its buffer. */
    @Override
    public void close() {
        if (writer == null || closed) {
            return;
        }
        closed = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (uploader != null) {
            uploader.close();
        }
    }
}
