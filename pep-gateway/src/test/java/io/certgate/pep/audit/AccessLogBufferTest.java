package io.certgate.pep.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The access log's buffer: the event loop only queues; a stalled appender fills the buffer, and what does
 * not fit is dropped and counted instead of holding up the request.
 */
class AccessLogBufferTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final StallingAppender appender = new StallingAppender();
    private final Logger logger = (Logger) LoggerFactory.getLogger("certgate.access");

    @BeforeEach
    void attach() {
        appender.setContext(logger.getLoggerContext());
        appender.start();
        logger.addAppender(appender);
    }

    @AfterEach
    void detach() {
        appender.release.countDown();
        logger.detachAppender(appender);
    }

    @Test
    void aFullBufferDropsAndCountsInsteadOfBlocking() throws Exception {
        AccessLog log = new AccessLog(new ObjectMapper(), Set.of("client_ip"), true, 2, registry);
        log.write(log.line().put("n", 1).put("client_ip", "10.0.0.1"));
        // the writer holds line 1 inside the stalled appender; the buffer has room for two more
        assertThat(appender.entered.await(30, TimeUnit.SECONDS)).as("the writer reached the appender").isTrue();
        log.write(log.line().put("n", 2));
        log.write(log.line().put("n", 3));
        log.write(log.line().put("n", 4)); // returns at once: dropped
        assertThat(registry.get("pep_access_log_dropped_total").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("pep_access_log_buffered").gauge().value()).isEqualTo(2.0);

        appender.release.countDown();
        log.flush();
        assertThat(appender.lines).containsExactly("{\"n\":1,\"client_ip\":\"***\"}", "{\"n\":2}", "{\"n\":3}");
        log.close();
    }

    @Test
    void closeWritesWhatIsQueuedAndThenIgnoresLines() throws Exception {
        appender.release.countDown();
        AccessLog log = new AccessLog(new ObjectMapper(), Set.of(), true, 100, registry);
        for (int i = 0; i < 50; i++) {
            log.write(log.line().put("n", i));
        }
        log.close();
        assertThat(appender.lines).hasSize(50).endsWith("{\"n\":49}");
        log.write(log.line().put("n", 50));
        log.flush();
        assertThat(appender.lines).hasSize(50);
        assertThat(registry.get("pep_access_log_dropped_total").counter().count()).isZero();
    }

    @Test
    void aDisabledLogQueuesNothing() throws Exception {
        AccessLog log = new AccessLog(new ObjectMapper(), Set.of(), false, 1, registry);
        log.write(log.line().put("n", 1));
        log.write(log.line().put("n", 2));
        log.flush();
        assertThat(appender.lines).isEmpty();
        assertThat(registry.get("pep_access_log_dropped_total").counter().count()).isZero();
        log.close();
    }

    /** Blocks the first line until released, as a console or disk that stopped taking output would. */
    static final class StallingAppender extends AppenderBase<ILoggingEvent> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent e) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            lines.add(e.getFormattedMessage());
        }
    }
}
