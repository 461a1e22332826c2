package io.certgate.containers;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.output.WaitingConsumer;

/**
 * docker stop under light load: the PDP keeps answering while it drains (a load balancer may still
 * send requests until it notices), finishes a request whose body was still arriving when SIGTERM came,
 * resets no connection, and exits 0 well within its grace period.
 */
@DockerTest
class GracefulStopTest {
    private static final String PATH = "/v1/data/mtls/authz/decision";

    @Test
    void sigtermDrainsInFlightRequestsAndExitsZero() throws Exception {
        Images.build();
        String body = "{\"input\": " + Files.readString(Images.repo().resolve("testdata/inputs/allow.json")) + "}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        DockerClient docker = DockerClientFactory.instance().client();
        WaitingConsumer logs = new WaitingConsumer();
        try (GenericContainer<?> pdp = Containers.pdp(Images.PDP)
                .withEnv("CERTGATE_SHUTDOWN_GRACE_SECONDS", "60")) {
            pdp.start();
            pdp.followOutput(logs, OutputFrame.OutputType.STDERR);
            String host = pdp.getHost();
            int port = pdp.getMappedPort(Containers.PDP_PORT);

            // light load: one request at a time, each on its own connection, until told to stop
            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            List<String> failures = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
                while (loading.get()) {
                    try {
                        String status = exchange(host, port, bytes).lines().findFirst().orElse("");
                        if (status.startsWith("HTTP/1.1 200")) {
                            answered.incrementAndGet();
                        } else {
                            failures.add(status);
                        }
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                }
            });
            awaitCount(answered, 5, failures);

            // a request in flight: headers and half of the body sent before the signal
            try (Socket inFlight = new Socket(host, port)) {
                OutputStream out = inFlight.getOutputStream();
                out.write(("POST " + PATH + " HTTP/1.1\r\nHost: pdp\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(bytes, 0, bytes.length / 2);
                out.flush();

                docker.killContainerCmd(pdp.getContainerId()).withSignal("TERM").exec();
                logs.waitUntil(f -> f.getUtf8String().contains("certgate PDP stopping on SIGTERM"), 60, TimeUnit.SECONDS);

                // still answering while draining
                int before = answered.get();
                awaitCount(answered, before + 10, failures);
                loading.set(false);
                load.get(60, TimeUnit.SECONDS);

                out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
                out.flush();
                String response = readResponse(inFlight.getInputStream());
                assertThat(response).startsWith("HTTP/1.1 200").contains("\"effect\"");
            }
            assertThat(failures).as("requests not answered 200 during the drain").isEmpty();

            Integer exit = docker.waitContainerCmd(pdp.getContainerId()).start().awaitStatusCode(60, TimeUnit.SECONDS);
            assertThat(exit).as("exit code after SIGTERM").isZero();
            assertThat(pdp.getLogs()).contains("certgate PDP stopped");
        }
    }

    /** One request on a new connection; returns the status line once the whole response has arrived. */
    private static String exchange(String host, int port, byte[] body) throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + PATH + " HTTP/1.1\r\nHost: pdp\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return readResponse(s.getInputStream());
        }
    }

    /**
     * Reads one response by its Content-Length (not to the end of the stream: the server may keep the
     * connection open); returns its status line, and the body after a newline.
     */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection ended after '" + head + "'");
            }
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(head);
        byte[] content = length.find() ? in.readNBytes(Integer.parseInt(length.group(1))) : new byte[0];
        return head.substring(0, head.indexOf("\r\n")) + "\n" + new String(content, StandardCharsets.UTF_8);
    }

    /** Waits until {@code atLeast} requests were answered 200; fails at once when one was not. */
    private static void awaitCount(AtomicInteger counter, int atLeast, List<String> failures)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (counter.get() < atLeast) {
            assertThat(failures).as("requests not answered 200").isEmpty();
            assertThat(System.nanoTime()).as("waiting for %d answered requests (%d so far)", atLeast, counter.get())
                    .isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
