package io.certgate.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;

/** What the load-test launchers share: the gateway test policy and where the audit logs go. */
final class BenchFiles {
    /** The gateway test policy's entrypoint. */
    static final String GATEWAY_ENTRYPOINT = "gw/authz/decision";

    private BenchFiles() {}

    /** The gateway test policy, from this jar's resources, as a directory the PDP compiles with opa. */
    static Path extractGatewayPolicy(Path dir) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("/policies/gateway/gw/authz.rego", "gw/authz.rego");
        files.put("/policies/gateway/data.json", "data.json");
        for (Map.Entry<String, String> f : files.entrySet()) {
            try (InputStream in = BenchFiles.class.getResourceAsStream(f.getKey())) {
                if (in == null) {
                    throw new IllegalStateException("resource missing from the jar: " + f.getKey());
                }
                Path target = dir.resolve(f.getValue());
                Files.createDirectories(target.getParent());
                Files.write(target, in.readAllBytes());
            }
        }
        return dir;
    }

    /**
     * The access log (one line per request) and the PDP's decision log (one per decision) go to a file,
     * as in production minus the log shipper, or are switched off; never to the console.
     */
    static void routeAuditLogs(Path file, boolean enabled) {
        LoggerContext lc = (LoggerContext) LoggerFactory.getILoggerFactory();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(lc);
        appender.setName("bench-audit");
        appender.setFile(file.toString());
        appender.setAppend(false);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(lc);
        encoder.setPattern("%msg%n");
        encoder.start();
        appender.setEncoder(encoder);
        appender.start();
        for (String name : List.of("certgate.decisions", "certgate.access")) {
            ch.qos.logback.classic.Logger l = lc.getLogger(name);
            l.detachAndStopAllAppenders();
            l.setAdditive(false);
            l.setLevel(enabled ? Level.INFO : Level.OFF);
            l.addAppender(appender);
        }
        lc.getLogger("com.linecorp.armeria").setLevel(Level.WARN);
        lc.getLogger("io.netty").setLevel(Level.WARN);
        // "This Gauge has been already registered": Armeria's client TLS certificate gauge, once per client factory
        lc.getLogger("io.micrometer.core.instrument.MeterRegistry").setLevel(Level.ERROR);
    }

    /** Starts targets, appending each to the list it is given (closed in reverse order). */
    interface Starter {
        void start(List<AutoCloseable> started) throws Exception;
    }

    /**
     * Starts the targets, then serves until the driving script closes this process's standard input (or exits,
     * which closes it too), and closes them in reverse order of start. Exits the JVM: Armeria's common event
     * loops are non-daemon threads, not worth waiting for their quiet period.
     */
    static void serveUntilInputEnds(String what, Starter starter) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            starter.start(started);
        } catch (Exception e) {
            System.err.println("error: " + what + " did not start: " + e);
            e.printStackTrace();
            closeAll(started);
            System.exit(1);
        }
        try {
            while (System.in.read() != -1) {
                // only the end of the input matters
            }
        } finally {
            closeAll(started);
        }
        System.exit(0);
    }

    private static void closeAll(List<AutoCloseable> started) throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }
}
