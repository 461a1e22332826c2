package io.certgate.pdp.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.bundle.BundleManager;
import io.certgate.pdp.bundle.BundleStatus;
import io.certgate.pdp.remote.InstanceLabels;
import io.certgate.pdp.remote.ServiceClient;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Tag;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports this PDP's state as OPA's status API does: a JSON document with {@code labels},
 * {@code bundles}, {@code plugins} and {@code metrics} POSTed to {@code <service url>/status} at start,
 * after every bundle activation or rejection, and every {@code interval_seconds}. A failed report is
 * retried with backoff (1 s doubling, at most the interval); only the latest state is ever sent.
 */
public final class StatusReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);
    private static final Logger console = LoggerFactory.getLogger("certgate.status");
    /** The bundle's name in reports, as in the decision log's {@code bundles}. */
    static final String BUNDLE_NAME = "policy";

    private final StatusConfig config;
    private final BundleManager bundles;
    private final Supplier<String> decisionLogState;
    private final InstanceLabels labels;
    private final MeterRegistry registry;
    private final ObjectMapper json;
    @Nullable
    private final ServiceClient client;
    private final ScheduledExecutorService executor;

    // Confined to the executor's thread.
    private boolean sending;
    private boolean again;
    private int failuresInARow;
    @Nullable
    private ScheduledFuture<?> next;

    /**
     * @param decisionLogState the decision log plugin's state ({@code OK}, {@code ERROR}, …) for {@code plugins}
     */
    public StatusReporter(StatusConfig config, BundleManager bundles, Supplier<String> decisionLogState,
            InstanceLabels labels, @Nullable ServiceClient client, MeterRegistry registry, ObjectMapper json) {
        this.config = config;
        this.bundles = bundles;
        this.decisionLogState = decisionLogState;
        this.labels = labels;
        this.registry = registry;
        this.json = json;
        this.client = client;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pdp-status");
            t.setDaemon(true);
            return t;
        });
    }

    /** Sends the first report now and registers for bundle changes. */
    public StatusReporter start() {
        bundles.onChange(this::trigger);
        trigger();
        return this;
    }

    /** Sends a report soon (coalesced with one under way). */
    public void trigger() {
        if (!executor.isShutdown()) {
            executor.execute(this::report);
        }
    }

    private void report() {
        if (sending) {
            again = true;
            return;
        }
        ObjectNode doc = document();
        if (config.console()) {
            console.info(doc.toString());
        }
        if (client == null) {
            schedule(config.interval().toMillis());
            return;
        }
        byte[] body;
        try {
            body = json.writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            log.warn("cannot write the status report: {}", e.getMessage());
            return;
        }
        sending = true;
        client.postJson(config.resource(), body, false).whenCompleteAsync((res, failure) -> {
            sending = false;
            String problem = failure != null ? String.valueOf(failure.getMessage())
                    : res.status().isSuccess() ? null : "HTTP " + res.status().code();
            if (problem == null) {
                if (failuresInARow > 0) {
                    log.info("status reports to {} work again", client.service().url());
                }
                failuresInARow = 0;
                if (again) {
                    again = false;
                    report();
                } else {
                    schedule(config.interval().toMillis());
                }
            } else {
                if (failuresInARow++ == 0) {
                    log.warn("status report to {}{} failed ({}): retrying with backoff", client.service().url(),
                            config.resource(), problem);
                }
                again = false;
                schedule(Math.min(config.interval().toMillis(), 1000L << Math.min(failuresInARow - 1, 20)));
            }
        }, executor);
    }

    private void schedule(long delayMillis) {
        if (next != null) {
            next.cancel(false);
        }
        if (!executor.isShutdown()) {
            next = executor.schedule(this::report, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The report: OPA's status document for the one bundle this PDP serves. */
    ObjectNode document() {
        ObjectNode doc = json.createObjectNode();
        labels.writeTo(doc.putObject("labels"));
        BundleStatus s = bundles.status();
        ObjectNode b = doc.putObject("bundles").putObject(BUNDLE_NAME);
        b.put("name", BUNDLE_NAME);
        b.put("source", s.source());
        if (s.revision() != null) {
            b.put("active_revision", s.revision());
        }
        time(b, "last_successful_activation", s.activatedAt());
        time(b, "last_successful_download", s.lastDownloadAt());
        time(b, "last_request", s.lastRequestAt());
        // As OPA: the error fields describe the latest attempt, and vanish once a bundle activates after it.
        boolean failing = s.lastErrorAt() != null && (s.activatedAt() == null || s.lastErrorAt().isAfter(s.activatedAt()));
        if (failing) {
            b.put("code", "bundle_error");
            b.put("message", s.lastError());
            b.putArray("errors").add(s.lastError());
        } else {
            time(b, "last_successful_request", s.lastRequestAt());
        }
        ObjectNode plugins = doc.putObject("plugins");
        plugins.putObject("bundle").put("state", s.revision() == null ? "NOT_READY" : failing ? "WARN" : "OK");
        plugins.putObject("decision_logs").put("state", decisionLogState.get());
        plugins.putObject("status").put("state", failuresInARow == 0 ? "OK" : "WARN");
        metrics(doc.putObject("metrics").putObject("prometheus"));
        return doc;
    }

    private static void time(ObjectNode target, String field, @Nullable Instant at) {
        if (at != null) {
            target.put(field, at.toString());
        }
    }

    /** The registry's meters in a Prometheus-like shape: per name, its type, help and labelled values. */
    private void metrics(ObjectNode out) {
        for (Meter m : registry.getMeters()) {
            String name = m.getId().getConventionName(registry.config().namingConvention());
            ObjectNode family = (ObjectNode) out.get(name);
            if (family == null) {
                family = out.putObject(name);
                family.put("name", name);
                if (m.getId().getDescription() != null) {
                    family.put("help", m.getId().getDescription());
                }
                family.put("type", m.getId().getType().name().toLowerCase(Locale.ROOT));
                family.putArray("metric");
            }
            ObjectNode metric = ((ArrayNode) family.get("metric")).addObject();
            ObjectNode labelsNode = metric.putObject("label");
            for (Tag t : m.getId().getConventionTags(registry.config().namingConvention())) {
                labelsNode.put(t.getKey(), t.getValue());
            }
            ObjectNode values = metric.putObject("value");
            for (Measurement v : m.measure()) {
                double d = v.getValue();
                if (Double.isFinite(d)) {
                    values.put(v.getStatistic().getTagValueRepresentation(), d);
                }
            }
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        if (client != null) {
            client.close();
        }
    }
}
