package io.certgate.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;

/**
 * {@code deploy/compose/docker-compose.yml} as its header says to use it, with the compose CLI the machine
 * has ({@code docker compose}, else Debian's {@code docker-compose}): it comes up, and the quickstart's
 * curls get 200/403/401 through the gateway.
 */
@DockerTest
class ComposeTest {
    private static final Duration COMMAND_LIMIT = Duration.ofMinutes(5);

    @TempDir
    Path tmp;

    @Test
    void composeComesUpAndAnswersTheQuickstartCurls() throws Exception {
        List<String> compose = composeCli();
        if (!"true".equals(System.getenv("CI"))) {
            assumeThat(compose).as("neither `docker compose` nor `docker-compose` is installed").isNotEmpty();
        }
        assertThat(compose).as("CI=true needs `docker compose` or `docker-compose`").isNotEmpty();
        Images.build();
        String project = "certgate-test-" + UUID.randomUUID().toString().substring(0, 8);
        int gatewayPort = freePort();
        int adminPort = freePort();
        Map<String, String> env = Map.of("CERTGATE_PDP_IMAGE", Images.PDP, "CERTGATE_GATEWAY_IMAGE", Images.GATEWAY,
                "CERTGATE_GATEWAY_PORT", String.valueOf(gatewayPort), "CERTGATE_PDP_PORT", String.valueOf(freePort()),
                "CERTGATE_ADMIN_PORT", String.valueOf(adminPort));
        List<String> base = new ArrayList<>(compose);
        base.addAll(List.of("-p", project, "-f", Images.repo().resolve("deploy/compose/docker-compose.yml").toString()));
        try {
            run(env, base, "up", "-d");
            // up -d returns once the gateway's container runs, not once its JVM listens
            awaitHealthy(adminPort);
            Path pki = tmp.resolve("demo-pki");
            run(env, List.of("docker", "cp", setupContainer(project) + ":/var/lib/certgate/pki", pki.toString()));
            Curl curl = new Curl(pki, "127.0.0.1", gatewayPort);
            Curl.Answer partner = curl.getOnceReady("partner", "/orders", Duration.ofSeconds(90));
            assertThat(partner.status()).as(partner.body()).isEqualTo(200);
            assertThat(partner.body()).contains("x-ssl-client-cn");
            Curl.Answer device = curl.getOnceReady("device", "/orders", Duration.ofSeconds(90));
            assertThat(device.status()).as(device.body()).isEqualTo(403);
            Curl.Answer anonymous = curl.get(null, "/orders");
            assertThat(anonymous.status()).as(anonymous.body()).isEqualTo(401);
        } finally {
            run(env, base, "down", "-v", "-t", "30");
        }
    }

    /** {@code docker compose} (the plugin) where it answers, else {@code docker-compose}, else nothing. */
    private static List<String> composeCli() throws InterruptedException {
        for (List<String> cli : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
            List<String> version = new ArrayList<>(cli);
            version.add("version");
            try {
                Process p = new ProcessBuilder(version).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return cli;
                }
            } catch (IOException notInstalled) {
                // try the next one
            }
        }
        return List.of();
    }

    private static String setupContainer(String project) {
        List<Container> found = DockerClientFactory.instance().client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of("com.docker.compose.project", project, "com.docker.compose.service", "setup"))
                .exec();
        assertThat(found).as("the setup container of " + project).hasSize(1);
        return found.get(0).getId();
    }

    /** Polls the gateway's admin /health until it answers 200, for at most {@link Containers#STARTUP}. */
    private static void awaitHealthy(int adminPort) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health"))
                .timeout(Duration.ofSeconds(10)).build();
        Instant end = Instant.now().plus(Containers.STARTUP);
        String last = "no answer";
        while (Instant.now().isBefore(end)) {
            try {
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(250); // nothing to wait on but the next poll
        }
        throw new AssertionError("the gateway's /health did not answer 200 within " + Containers.STARTUP + ": " + last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void run(Map<String, String> env, List<String> base, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(List.of(args));
        run(env, cmd);
    }

    private static void run(Map<String, String> env, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(COMMAND_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not finish within " + COMMAND_LIMIT + ":\n" + out);
        }
        assertThat(p.exitValue()).as(cmd + " said:\n" + out).isZero();
    }
}
