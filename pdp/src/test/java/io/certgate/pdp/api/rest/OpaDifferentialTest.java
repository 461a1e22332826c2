package io.certgate.pdp.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pdp.support.TestBundles;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pinned {@code opa run --server} and the PDP ({@code serve --policies DIR}) on the same plain OPA policy
 * directory (no annotations): the same request gets the same status and body, {@code decision_id} aside.
 * For 4xx only the status and OPA's error {@code code} are compared (the messages name Go or Java parsers).
 */
class OpaDifferentialTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path POLICIES = TestBundles.testPolicies("opa-plain");

    static Process opa;
    static WebClient opaHttp;
    static Pdp pdp;
    static PdpServer server;
    static WebClient pdpHttp;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        opa = new ProcessBuilder(TestBundles.opa().binary().toString(), "run", "--server", "--log-level", "error",
                "--addr", "127.0.0.1:" + port, POLICIES.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        opaHttp = WebClient.builder("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30)).build();

        PdpConfig cfg = PdpConfig.parse("server: {port: 0}\ncaches: {decisions: 0}\n", "test")
                .withOverrides(null, null, POLICIES, null);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        pdp = Pdp.start(cfg, registry, Clock.systemUTC(), false);
        assertThat(pdp.bundles().status().revision()).as(pdp.bundles().status().lastError()).isNotNull();
        server = new PdpServer(pdp, registry).start();
        pdpHttp = WebClient.builder("http://127.0.0.1:" + server.port()).responseTimeout(Duration.ofSeconds(30))
                .build();
        awaitOpa();
    }

    /** Polls OPA's health endpoint until it answers (it has no ready signal on stdout). */
    private static void awaitOpa() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until && opa.isAlive()) {
            try {
                if (opaHttp.get("/health").aggregate().join().status().code() == 200) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // connection refused until opa listens
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("opa run --server did not become healthy (alive: " + opa.isAlive() + ")");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (pdp != null) {
            pdp.close();
        }
        if (opa != null) {
            opa.destroy();
            opa.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("GET", "/v1/data/httpapi/authz", null),
                Arguments.of("POST", "/v1/data/httpapi/authz", "{\"input\": {\"user\": \"alice\"}}"),
                Arguments.of("POST", "/v1/data", "{\"input\": {\"user\": \"alice\"}}"),
                Arguments.of("GET", "/v1/data", null),
                Arguments.of("POST", "/v1/data/httpapi", "{\"input\": {\"user\": \"eve\"}}"),
                Arguments.of("POST", "/v1/data/httpapi/authz/nope", "{\"input\": {}}"),
                Arguments.of("GET", "/v1/data/no/such/document", null),
                Arguments.of("POST", "/v1/data/httpapi/authz/allow", null),
                Arguments.of("POST", "/v1/data/httpapi/authz/allow", "{}"),
                Arguments.of("POST", "/v1/data/httpapi/authz/allow", "{\"input\": {\"user\": \"bob\"}}"),
                Arguments.of("GET", "/v1/data/httpapi/authz/allow?input=%7B%22user%22%3A%22alice%22%7D", null),
                Arguments.of("POST", "/v1/data/httpapi/authz/greeting", "{\"input\": {\"user\": \"bob\"}}"),
                Arguments.of("GET", "/v1/data/httpapi/authz/greeting", null),
                Arguments.of("GET", "/v1/data/httpapi/authz/roles?pretty=true", null),
                Arguments.of("GET", "/v1/data/httpapi/authz/roles/1", null),
                Arguments.of("POST", "/v1/data/httpapi/authz/deny", "{\"input\": {\"user\": \"eve\"}}"),
                Arguments.of("POST", "/v1/data/httpapi/authz/deny", "{\"input\": {}}"),
                Arguments.of("GET", "/v1/data/httpapi/authz/users", null),
                Arguments.of("GET", "/v1/data/httpapi/authz/users/carol", null),
                Arguments.of("GET", "/v1/data/httpapi/authz/nested", null),
                Arguments.of("GET", "/v1/data/httpapi/authz/nested/count_users", null),
                Arguments.of("GET", "/v1/data/users/bob", null),
                Arguments.of("GET", "/v1/data/users/bob/admin", null),
                Arguments.of("POST", "/v1/data/httpapi/authz/clock", "{\"input\": {\"time\": \"2024-05-01T10:00:00Z\"}}"),
                Arguments.of("POST", "/v1/data/httpapi/authz/allow", "{\"input\": \"alice\"}"),
                Arguments.of("POST", "/v1/data/httpapi/authz/allow", "{\"input\": [1, 2]}"),
                Arguments.of("POST", "/v0/data/httpapi/authz/allow", "{\"user\": \"alice\"}"),
                Arguments.of("POST", "/v0/data/httpapi/authz/greeting", "{\"user\": \"carol\"}"),
                Arguments.of("POST", "/v0/data/httpapi/authz/nope", "{}"),
                Arguments.of("POST", "/v0/data", "{}"),
                Arguments.of("POST", "/v1/data/httpapi/authz/allow", "{\"input\": "),
                Arguments.of("POST", "/v1/data/httpapi/authz/allow", "[1]"),
                Arguments.of("GET", "/v1/data/httpapi/authz/allow?input=%7Bbad", null),
                Arguments.of("POST", "/v0/data/httpapi/authz/allow", "bad"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("requests")
    void answersAsOpaDoes(String method, String path, String body) throws Exception {
        AggregatedHttpResponse expected = send(opaHttp, method, path, body);
        AggregatedHttpResponse actual = send(pdpHttp, method, path, body);
        assertThat(actual.status().code()).as("status; OPA answered %s", expected.contentUtf8())
                .isEqualTo(expected.status().code());
        JsonNode want = JSON.readTree(expected.contentUtf8());
        JsonNode got = JSON.readTree(actual.contentUtf8());
        if (expected.status().code() >= 400) {
            assertThat(got.path("code")).as(actual.contentUtf8()).isEqualTo(want.path("code"));
            assertThat(got.path("message").asText()).doesNotContain("Source:").doesNotContain("\n");
            return;
        }
        if (got instanceof ObjectNode o && path.startsWith("/v1/")) {
            o.remove("decision_id");
        }
        assertThat(got).as("body; OPA answered %s", expected.contentUtf8()).isEqualTo(want);
        if (path.contains("pretty")) {
            assertThat(actual.contentUtf8()).contains("\n");
        }
    }

    private static AggregatedHttpResponse send(WebClient http, String method, String path, String body) {
        HttpRequest req = body == null ? HttpRequest.of(HttpMethod.valueOf(method), path)
                : HttpRequest.of(HttpMethod.valueOf(method), path, MediaType.JSON, body);
        return http.execute(req).aggregate().join();
    }
}
