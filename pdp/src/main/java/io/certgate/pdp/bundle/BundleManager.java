package io.certgate.pdp.bundle;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.engine.LoadedPolicy;
import io.certgate.pdp.engine.PolicyEngine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls a {@link BundleSource}, reads what changed and asks the engine to activate it. A bundle that
 * cannot be read, validated or instantiated is rejected with a logged reason; the active one stays.
 */
public final class BundleManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BundleManager.class);

    private final BundleSource source;
    private final BundleReader reader;
    private final PolicyEngine engine;
    private final Clock clock;
    private final Counter activations;
    private final Map<RejectionReason, Counter> rejections = new EnumMap<>(RejectionReason.class);
    private final MultiGauge info;
    @Nullable
    private ScheduledExecutorService poller;

    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    private volatile Instant activatedAt;
    @Nullable
    private volatile Rejection lastRejection; // one reference, so status never mixes two rejections

    private record Rejection(String message, Instant at, RejectionReason reason) {}
    private volatile Instant lastRequestAt;
    private volatile Instant lastDownloadAt;

    public BundleManager(BundleSource source, BundleReader reader, PolicyEngine engine, Clock clock,
            MeterRegistry registry) {
        this.source = source;
        this.reader = reader;
        this.engine = engine;
        this.clock = clock;
        this.activations = Counter.builder("pdp_bundle_activations_total")
                .description("Bundles activated").register(registry);
        for (RejectionReason reason : RejectionReason.values()) { // every series from the start, for alerts
            rejections.put(reason, Counter.builder("pdp_bundle_rejections_total")
                    .description("Bundles rejected (corrupt, not compiling, failing validation or signature"
                            + " verification) or failed loads, by reason")
                    .tag("reason", reason.label()).register(registry));
        }
        Gauge.builder("pdp_bundle_active", engine, e -> e.active() == null ? 0 : 1)
                .description("1 when a bundle is active").register(registry);
        Gauge.builder("pdp_bundle_last_activation_timestamp_seconds", this,
                m -> m.activatedAt == null ? 0 : m.activatedAt.getEpochSecond())
                .description("When the active bundle was activated").register(registry);
        Gauge.builder("pdp_bundle_last_rejection_timestamp_seconds", this,
                m -> {
                    Rejection r = m.lastRejection;
                    return r == null ? 0 : r.at().getEpochSecond();
                })
                .description("When a bundle or load was last rejected (0 = never)").register(registry);
        this.info = MultiGauge.builder("pdp_bundle_info")
                .description("1 for the active bundle, labelled with its revision and source").register(registry);
    }

    /** Polls once, synchronously. Returns true when a new bundle was activated. */
    public synchronized boolean pollOnce() {
        byte[] bytes;
        lastRequestAt = clock.instant();
        try {
            bytes = source.poll();
        } catch (Exception e) {
            reject(RejectionReason.LOAD_FAILED, "cannot load a bundle from " + source.describe() + ": " + message(e));
            return false;
        }
        if (bytes == null) {
            return false;
        }
        lastDownloadAt = clock.instant();
        try {
            Bundle bundle = reader.read(bytes, source.describe());
            LoadedPolicy policy = engine.activate(bundle);
            activatedAt = clock.instant();
            activations.increment();
            info.register(List.of(MultiGauge.Row.of(
                    Tags.of("revision", policy.revision(), "source", source.describe()), 1)), true);
            log.info("activated bundle {} from {} with entrypoints {}", policy.revision(), source.describe(),
                    policy.entrypoints());
            changed();
            return true;
        } catch (BundleException e) {
            reject(e.reason(), "rejected bundle: " + e.getMessage());
            return false;
        }
    }

    /** Runs {@code listener} after each activation and rejection (on the polling thread; keep it short). */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private void changed() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.warn("a bundle change listener failed", e);
            }
        }
    }

    /** Polls every {@code interval} in the background. */
    public synchronized void start(Duration interval) {
        if (poller != null) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pdp-bundle-poller");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollOnce, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public BundleStatus status() {
        LoadedPolicy p = engine.active();
        Rejection r = lastRejection;
        return new BundleStatus(source.describe(), p == null ? null : p.revision(), activatedAt,
                p == null ? List.of() : p.entrypoints().stream().sorted().toList(), r == null ? null : r.message(),
                r == null ? null : r.at(), r == null ? null : r.reason(), (long) activations.count(),
                (long) rejections.values().stream().mapToDouble(Counter::count).sum(), lastRequestAt,
                lastDownloadAt);
    }

    private void reject(RejectionReason reason, String why) {
        lastRejection = new Rejection(why, clock.instant(), reason);
        rejections.get(reason).increment();
        if (engine.active() == null) {
            log.error("{} (reason {}; no bundle is active: decisions are denied)", why, reason.label());
        } else {
            log.error("{} (reason {}; bundle {} keeps serving)", why, reason.label(), engine.active().revision());
        }
        changed();
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
