package io.certgate.pep.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail: one JSON line per request on the {@code certgate.access} logger. Fields listed
 * in {@code audit.mask} (personal data such as {@code subject_dn}, {@code client_ip}) are written as
 * {@code "***"}.
 *
 * <p>{@link #write} runs on the event loop, so it only masks and hands the line to a bounded buffer; one
 * writer thread serializes and logs it. A full buffer (the log's appender cannot keep up) drops the line
 * and counts it in {@code pep_access_log_dropped_total}: requests are never held up by the audit trail.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("certgate.access");
    /** Lines in flight; at 10 000 req/s, a second of appender stall. */
    public static final int DEFAULT_CAPACITY = 10_000;

    private final ObjectMapper json;
    private final Set<String> masked;
    private final boolean enabled;
    private final BlockingQueue<ObjectNode> buffer;
    private final Counter dropped;
    private final Thread writer;
    /** Lines accepted into the buffer, and lines done (written, or failed to serialize); guarded by this. */
    private long accepted;
    private long done;
    private volatile boolean closed;

    public AccessLog(ObjectMapper json, Set<String> masked, boolean enabled, int capacity, MeterRegistry registry) {
        if (capacity < 1) {
            throw new IllegalArgumentException("the access-log buffer needs room for a line, got " + capacity);
        }
        this.json = json;
        this.masked = Set.copyOf(masked);
        this.enabled = enabled;
        this.buffer = new ArrayBlockingQueue<>(capacity);
        this.dropped = Counter.builder("pep_access_log_dropped_total")
                .description("Access-log lines dropped because the buffer to the log was full")
                .register(registry);
        Gauge.builder("pep_access_log_buffered", buffer, BlockingQueue::size)
                .description("Access-log lines waiting to be written")
                .register(registry);
        this.writer = new Thread(this::drain, "pep-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** A line to fill; {@link #write} masks and emits it. */
    public ObjectNode line() {
        return json.createObjectNode();
    }

    /** Masks and queues {@code line}; never blocks. The caller must not change the line afterwards. */
    public void write(ObjectNode line) {
        if (!enabled || closed || !log.isInfoEnabled()) {
            return;
        }
        for (String field : masked) {
            if (line.has(field) && !line.get(field).isNull()) {
                line.put(field, "***");
            }
        }
        synchronized (this) {
            if (!buffer.offer(line)) {
                dropped.increment();
                return;
            }
            accepted++;
        }
    }

    /** Waits until every line queued before this call is written (tests, shutdown). */
    public void flush() throws InterruptedException {
        synchronized (this) {
            long target = accepted;
            while (done < target && writer.isAlive()) {
                wait(1000); // woken by the writer; the timeout only re-checks that it still runs
            }
        }
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        closed = true;
        try {
            flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.interrupt();
    }

    private void drain() {
        while (true) {
            ObjectNode line;
            try {
                line = buffer.take();
            } catch (InterruptedException e) {
                return; // close(): everything queued has been written
            }
            try {
                log.info(json.writeValueAsString(line));
            } catch (JsonProcessingException e) {
                log.warn("cannot write an access-log line: {}", e.getMessage());
            } catch (RuntimeException e) {
                log.warn("cannot write an access-log line", e); // the writer must outlive a broken appender
            }
            synchronized (this) {
                done++;
                notifyAll();
            }
        }
    }
}
