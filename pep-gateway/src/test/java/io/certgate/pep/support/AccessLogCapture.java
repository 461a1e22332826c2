package io.certgate.pep.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects the JSON lines of the {@code certgate.access} logger (the gateway's audit log) while attached. The
 * gateways write it from a buffer, so every read first waits until the fixture's gateways have written
 * what they queued.
 */
public final class AccessLogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Logger logger;
    private final E2e gateways;

    private AccessLogCapture(E2e gateways) {
        this.logger = (Logger) LoggerFactory.getLogger("certgate.access");
        this.gateways = gateways;
    }

    /** Captures the lines of every gateway {@code gateways} starts. */
    public static AccessLogCapture attach(E2e gateways) {
        AccessLogCapture c = new AccessLogCapture(gateways);
        c.setContext(c.logger.getLoggerContext());
        c.setName("test-capture");
        c.start();
        c.logger.addAppender(c);
        return c;
    }

    @Override
    protected void append(ILoggingEvent e) {
        lines.add(e.getFormattedMessage());
    }

    public void clear() {
        gateways.flushAccessLogs();
        lines.clear();
    }

    public List<String> lines() {
        gateways.flushAccessLogs();
        return List.copyOf(lines);
    }

    /** The lines parsed as JSON, oldest first. */
    public List<JsonNode> entries() {
        return lines().stream().map(l -> {
            try {
                return E2e.JSON.readTree(l);
            } catch (IOException ex) {
                throw new AssertionError("access-log line is not JSON: " + l, ex);
            }
        }).toList();
    }

    /** The last line whose {@code path} is {@code path}; fails when there is none. */
    public JsonNode last(String path) {
        List<JsonNode> all = entries();
        for (int i = all.size() - 1; i >= 0; i--) {
            JsonNode n = all.get(i);
            if (n.has("path") && n.get("path").asText().equals(path)) {
                return n;
            }
        }
        throw new AssertionError("no access-log line for " + path + " in " + lines());
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
