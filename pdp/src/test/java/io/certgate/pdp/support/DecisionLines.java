package io.certgate.pdp.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The decision log lines ({@code certgate.decisions}) written while attached. They are written by the
 * log's own thread, after the decision returns: {@link #line} waits for the one wanted.
 */
public final class DecisionLines extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final List<JsonNode> lines = new ArrayList<>();

    private DecisionLines() {}

    public static DecisionLines attach() {
        DecisionLines l = new DecisionLines();
        l.start();
        logger().addAppender(l);
        return l;
    }

    private static Logger logger() {
        return (Logger) LoggerFactory.getLogger("certgate.decisions");
    }

    @Override
    protected void append(ILoggingEvent event) {
        JsonNode line;
        try {
            line = JSON.readTree(event.getFormattedMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
        }
    }

    /** The line of {@code decisionId}, once written. */
    public JsonNode line(String decisionId) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE_NANOS;
        synchronized (lines) {
            while (true) {
                for (JsonNode l : lines) {
                    if (decisionId.equals(l.path("decision_id").asText())) {
                        return l;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no decision log line for " + decisionId + " among " + lines.size());
                }
                lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Every line written so far. */
    public List<JsonNode> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        logger().detachAppender(this);
        stop();
    }
}
