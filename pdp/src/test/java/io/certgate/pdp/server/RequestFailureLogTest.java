package io.certgate.pdp.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Server;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A failed request is one line written off the event loop; a successful one costs no task at all. */
class RequestFailureLogTest {
    @Test
    void onlyAFailedRequestIsHandedToTheBlockingExecutor() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(RequestFailureLog.class);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                lines.add(Thread.currentThread().getName() + " " + e.getFormattedMessage());
            }
        };
        appender.start();
        logger.addAppender(appender);
        ScheduledThreadPoolExecutor blocking = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "failure-log"));
        Server server = Server.builder().http(0)
                .blockingTaskExecutor(blocking, true)
                .service("/ok", (ctx, req) -> HttpResponse.of(HttpStatus.OK))
                .service("/fails", (ctx, req) -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE))
                .decorator(new RequestFailureLog())
                .build();
        server.start().join();
        try {
            WebClient client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
            for (int i = 0; i < 5; i++) {
                assertThat(client.get("/ok").aggregate().join().status()).isEqualTo(HttpStatus.OK);
            }
            assertThat(client.get("/fails").aggregate().join().status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            assertThat(lines.poll(30, TimeUnit.SECONDS)).startsWith("failure-log GET /fails -> 503 in ");
            // the five successes were answered (and their logs completed) before the failure was sent
            assertThat(blocking.getTaskCount()).isEqualTo(1);
            assertThat(lines).isEmpty();
        } finally {
            logger.detachAppender(appender);
            server.stop().join();
        }
    }
}
