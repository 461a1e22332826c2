package io.certgate.pdp.audit;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.remote.ServiceClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends buffered decision events to a collector as OPA does: a gzip-compressed JSON array POSTed to
 * {@code <service url><resource>}, every {@code min_delay_seconds}..{@code max_delay_seconds} and as
 * soon as a batch of {@code upload_size_limit_bytes} is full. One upload at a time, from its own
 * thread; a failed batch goes back to the front of the buffer and is retried with exponential
 * backoff (1 s doubling, at most {@code max_delay_seconds}). The buffer holds at most
 * {@code buffer_size_limit_bytes}: beyond, the oldest events are dropped and counted.
 *
 * <p>Delivery is at least once: a batch the collector stored but whose answer was lost is sent again.
 */
final class DecisionUploader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DecisionUploader.class);
    private static final long FIRST_RETRY_MILLIS = 1000;

    private final ServiceClient client;
    private final String resource;
    private final Reporting reporting;
    private final DropCounters drops;
    private final Counter uploaded;
    private final Counter failures;
    private final ScheduledExecutorService executor;

    /** Serialized events, oldest first; guarded by {@code this}. */
    private final ArrayDeque<byte[]> buffer = new ArrayDeque<>();
    private long bufferedBytes;
    private boolean triggered;

    // The rest is confined to the executor's thread.
    private boolean uploading;
    /** Completes once the upload under way has been answered and handled. */
    private CompletableFuture<?> handled = CompletableFuture.completedFuture(null);
    /** Written on the executor's thread, read by status reports. */
    private volatile int failuresInARow;
    @Nullable
    private ScheduledFuture<?> next;

    DecisionUploader(ServiceClient client, String resource, Reporting reporting, DropCounters drops,
            MeterRegistry registry) {
        this.client = client;
        this.resource = resource;
        this.reporting = reporting;
        this.drops = drops;
        this.uploaded = Counter.builder("pdp_decision_logs_uploaded_events_total")
                .description("Decision events the collector accepted").register(registry);
        this.failures = Counter.builder("pdp_decision_logs_upload_failures_total")
                .description("Decision log uploads that failed (to be retried)").register(registry);
        Gauge.builder("pdp_decision_logs_buffered_bytes", this, DecisionUploader::bufferedBytes)
                .description("Serialized decision events waiting for upload").register(registry);
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pdp-decision-log-upload");
            t.setDaemon(true);
            return t;
        });
        executor.execute(() -> schedule(periodicDelayMillis()));
    }

    /** Whether the last upload failed. */
    boolean failing() {
        return failuresInARow > 0;
    }

    /** Buffers one serialized event (called by the log's writer thread). */
    void add(byte[] event) {
        // +2: the brackets of a batch holding only this event
        if (event.length + 2 > reporting.uploadSizeLimitBytes()) {
            drops.dropped(DropCounters.TOO_LARGE, 1);
            log.warn("a decision event of {} bytes exceeds decision_logs.reporting.upload_size_limit_bytes ({}): "
                    + "dropped", event.length, reporting.uploadSizeLimitBytes());
            return;
        }
        boolean full;
        synchronized (this) {
            buffer.addLast(event);
            bufferedBytes += event.length + 1;
            trimToLimit();
            full = bufferedBytes >= reporting.uploadSizeLimitBytes() && !triggered;
            if (full) {
                triggered = true;
            }
        }
        if (full) {
            executor.execute(this::upload);
        }
    }

    private synchronized long bufferedBytes() {
        return bufferedBytes;
    }

    /** Drops the oldest events above the byte limit. Holds {@code this}. */
    private void trimToLimit() {
        int dropped = 0;
        while (bufferedBytes > reporting.bufferSizeLimitBytes() && !buffer.isEmpty()) {
            bufferedBytes -= buffer.removeFirst().length + 1;
            dropped++;
        }
        if (dropped > 0) {
            drops.dropped(DropCounters.BUFFER_FULL, dropped);
        }
    }

    /** Takes the oldest events that fit in one batch. */
    private synchronized List<byte[]> takeBatch() {
        triggered = false;
        List<byte[]> batch = new ArrayList<>();
        long size = 2;
        while (!buffer.isEmpty() && size + buffer.peekFirst().length + (batch.isEmpty() ? 0 : 1)
                <= reporting.uploadSizeLimitBytes()) {
            byte[] e = buffer.removeFirst();
            size += e.length + (batch.isEmpty() ? 0 : 1);
            bufferedBytes -= e.length + 1;
            batch.add(e);
        }
        return batch;
    }

    /** Puts a failed batch back in front of what arrived since, within the limit. */
    private synchronized void putBack(List<byte[]> batch) {
        for (int i = batch.size() - 1; i >= 0; i--) {
            buffer.addFirst(batch.get(i));
            bufferedBytes += batch.get(i).length + 1;
        }
        trimToLimit();
    }

    private void upload() {
        if (uploading) {
            return;
        }
        List<byte[]> batch = takeBatch();
        if (batch.isEmpty()) {
            schedule(periodicDelayMillis());
            return;
        }
        uploading = true;
        handled = send(batch).whenCompleteAsync((res, failure) -> {
            uploading = false;
            String problem = failure != null ? describe(failure)
                    : res.status().isSuccess() ? null : "HTTP " + res.status().code();
            if (problem == null) {
                uploaded.increment(batch.size());
                if (failuresInARow > 0) {
                    log.info("decision log upload to {} works again", client.service().url());
                }
                failuresInARow = 0;
                boolean more;
                synchronized (this) {
                    more = bufferedBytes >= reporting.uploadSizeLimitBytes();
                }
                if (more) {
                    executor.execute(this::upload);
                } else {
                    schedule(periodicDelayMillis());
                }
            } else {
                failures.increment();
                putBack(batch);
                if (failuresInARow++ == 0) {
                    log.warn("decision log upload of {} events to {}{} failed ({}): retrying with backoff",
                            batch.size(), client.service().url(), resource, problem);
                }
                schedule(retryDelayMillis());
            }
        }, executor);
    }

    private CompletableFuture<AggregatedHttpResponse> send(List<byte[]> batch) {
        try {
            return client.postJson(resource, gzipArray(batch), true);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    static byte[] gzipArray(List<byte[]> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write('[');
            for (int i = 0; i < events.size(); i++) {
                if (i > 0) {
                    gz.write(',');
                }
                gz.write(events.get(i));
            }
            gz.write(']');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void schedule(long delayMillis) {
        if (next != null) {
            next.cancel(false);
        }
        if (!executor.isShutdown()) {
            next = executor.schedule(this::upload, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    private long periodicDelayMillis() {
        long min = TimeUnit.SECONDS.toMillis(reporting.minDelaySeconds());
        long max = TimeUnit.SECONDS.toMillis(reporting.maxDelaySeconds());
        return min == max ? min : ThreadLocalRandom.current().nextLong(min, max + 1);
    }

    private long retryDelayMillis() {
        long cap = TimeUnit.SECONDS.toMillis(reporting.maxDelaySeconds());
        int shift = Math.min(failuresInARow - 1, 20);
        return Math.min(cap, FIRST_RETRY_MILLIS << shift);
    }

    private static String describe(Throwable t) {
        Throwable c = t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getClass().getSimpleName() + ": " + c.getMessage();
    }

    /**
     * Stops the schedule and sends what is buffered, waiting at most the service's response timeout
     * (capped at 5 s) per batch; what is still buffered then is lost.
     */
    @Override
    public void close() {
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        executor.execute(() -> {
            if (next != null) {
                next.cancel(false);
            }
            flushFrom(flushed);
        });
        long waitMillis = Math.min(5_000, client.service().responseTimeout().toMillis());
        try {
            flushed.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            log.warn("decision log: {} bytes of events not uploaded at shutdown", bufferedBytes());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            executor.shutdownNow();
            client.close();
        }
    }

    private void flushFrom(CompletableFuture<Void> done) {
        if (uploading) {
            // the periodic upload under way goes first (on failure its events are put back): then the rest
            handled.whenCompleteAsync((res, failure) -> flushFrom(done), executor);
            return;
        }
        List<byte[]> batch = takeBatch();
        if (batch.isEmpty()) {
            done.complete(null);
            return;
        }
        send(batch).whenCompleteAsync((res, failure) -> {
            if (failure == null && res.status().isSuccess()) {
                uploaded.increment(batch.size());
                flushFrom(done);
            } else {
                putBack(batch);
                done.completeExceptionally(failure != null ? failure : new IllegalStateException(res.status().toString()));
            }
        }, executor);
    }
}
