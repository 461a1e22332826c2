package io.certgate.pdp.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.support.DecisionLines;
import io.certgate.pdp.support.TestBundles;
import io.certgate.testdata.TestCollector;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decision events reach a real collector over mTLS: once each, masked, and without ever holding up a decision. */
class DecisionLogUploadTest {
    static final String TOKEN = "collector-token";
    static final ObjectMapper json = new ObjectMapper();

    @TempDir
    static Path tmp;
    static TestPki pki;
    static TestCollector collector;
    static Path bundle;
    static String tlsYaml;

    Pdp pdp;
    MeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void startCollector() throws Exception {
        pki = TestPki.create(Instant.now());
        collector = TestCollector.start(pki);
        bundle = Files.write(tmp.resolve("bundle.tar.gz"), TestBundles.compile(TestBundles.testPolicies("basic"), "v1"));
        Path ca = Files.writeString(tmp.resolve("ca.pem"), pki.rootCa().pem());
        Path cert = Files.writeString(tmp.resolve("pdp.pem"), pki.partnerClient().chainPem());
        Path key = Files.writeString(tmp.resolve("pdp.key"), pki.partnerClient().keyPem());
        tlsYaml = "tls: {client_cert: %s, client_key: %s, ca_file: %s}".formatted(cert, key, ca);
    }

    @AfterAll
    static void stopCollector() {
        collector.close();
    }

    @AfterEach
    void stopPdp() {
        if (pdp != null) {
            pdp.close();
        }
        collector.mode(TestCollector.Mode.ACCEPT);
    }

    /** A PDP uploading to {@code resource} of the collector, with the given reporting settings. */
    Pdp start(String resource, int timeoutSeconds, String reporting) throws Exception {
        PdpConfig cfg = PdpConfig.parse("""
                policy: {bundle: %s, entrypoint: test/authz/decision}
                caches: {decisions: 0}
                engine: {acquire_timeout_ms: 60000, evaluation_timeout_ms: 60000}   # a loaded machine must not fail decisions
                services:
                  collector:
                    url: %s
                    response_header_timeout_seconds: %d
                    credentials: {bearer: {token: %s}}
                    %s
                decision_logs:
                  service: collector
                  resource: %s
                  mask: [/input/request/headers/authorization, /result/obligations/headers/x-user]
                  reporting: %s
                """.formatted(bundle, collector.url(), timeoutSeconds, TOKEN, tlsYaml, resource, reporting), "test");
        pdp = Pdp.start(cfg, registry, Clock.systemUTC());
        return pdp;
    }

    String decide(int i) throws Exception {
        ObjectNode input = json.createObjectNode().put("user", "user-" + i);
        input.putObject("request").putObject("headers").put("authorization", "Bearer secret-" + i)
                .put("user-agent", "test");
        Decision d = pdp.decisions().decide(null, input, null, false);
        return d.decisionId();
    }

    static Set<String> ids(List<JsonNode> events) {
        Set<String> ids = new HashSet<>();
        events.forEach(e -> ids.add(e.get("decision_id").asText()));
        return ids;
    }

    double dropped(String reason) {
        return registry.get("pdp_decision_logs_dropped_total").tag("reason", reason).counter().count();
    }

    @Test
    void everyDecisionArrivesOnceMaskedWithTokenAndClientCertificate() throws Exception {
        try (DecisionLines stdout = DecisionLines.attach()) {
            // a generous timeout: an answer that comes late on a loaded machine would make a retry (a duplicate)
            start("/logs/exactly-once", 60, "{min_delay_seconds: 1, max_delay_seconds: 1, upload_size_limit_bytes: 4096}");
            List<String> made = new ArrayList<>();
            ExecutorService callers = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> futures = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    int n = i;
                    futures.add(callers.submit(() -> decide(n)));
                }
                for (Future<String> f : futures) {
                    made.add(f.get());
                }
            } finally {
                callers.shutdown();
            }
            collector.await(c -> c.events("/logs/exactly-once").size() >= made.size(), made.size() + " events");

            List<JsonNode> events = collector.events("/logs/exactly-once");
            assertThat(events).hasSize(made.size());
            assertThat(ids(events)).containsExactlyInAnyOrderElementsOf(made);
            for (JsonNode e : events) {
                assertThat(e.path("labels").path("id").asText()).isEqualTo(pdp.labels().id());
                assertThat(e.path("bundles").path("policy").path("revision").asText()).isEqualTo("v1");
                assertThat(e.path("path").asText()).isEqualTo("test/authz/decision");
                assertThat(e.path("input").path("request").path("headers").has("authorization")).isFalse();
                assertThat(e.path("input").path("request").path("headers").path("user-agent").asText()).isEqualTo("test");
                assertThat(e.path("result").path("obligations").path("headers").has("x-user")).isFalse();
                assertThat(e.path("result").path("obligations").path("headers").path("x-rev").isMissingNode()).isFalse();
                assertThat(e.path("erased")).containsExactly(
                        json.getNodeFactory().textNode("/input/request/headers/authorization"),
                        json.getNodeFactory().textNode("/result/obligations/headers/x-user"));
                assertThat(e.toString()).doesNotContain("secret-");
            }
            for (TestCollector.Received r : collector.accepted()) {
                if (r.path().equals("/logs/exactly-once")) {
                    assertThat(r.headers().get("authorization")).isEqualTo("Bearer " + TOKEN);
                    assertThat(r.headers().get("content-encoding")).isEqualTo("gzip");
                    assertThat(r.peer()).isEqualTo(pki.partnerClient().certificate().getSubjectX500Principal().getName());
                }
            }

            // stdout carries the same events, masked alike
            List<JsonNode> lines = new ArrayList<>();
            for (String id : made) {
                lines.add(stdout.line(id));
            }
            assertThat(ids(lines)).containsExactlyInAnyOrderElementsOf(made);
            assertThat(lines).allSatisfy(l -> {
                assertThat(l.toString()).doesNotContain("secret-");
                assertThat(l.path("erased")).hasSize(2);
            });
            assertThat(dropped("buffer_full") + dropped("queue_full") + dropped("too_large")).isZero();
        }
    }

    @Test
    void aHangingCollectorNeverHoldsUpDecisionsAndTheBufferDrainsWhenItIsBack() throws Exception {
        int before = collector.unanswered();  // the collector is shared: requests left hanging by other tests
        collector.mode(TestCollector.Mode.HANG);
        start("/logs/outage", 60, "{min_delay_seconds: 1, max_delay_seconds: 1, upload_size_limit_bytes: 4096,"
                + " buffer_size_limit_bytes: 8192}");
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            made.add(decide(i));
        }
        collector.await(c -> c.unanswered() > before, "an upload (left hanging)");

        // The upload is stuck: decisions still complete, all of them, with none of the uploads answered.
        for (int i = 20; i < 150; i++) {
            made.add(decide(i));
        }
        assertThat(made).hasSize(150);
        assertThat(collector.events("/logs/outage")).isEmpty();

        assertThat(collector.unanswered()).isEqualTo(before + 1);  // one upload at a time: still the first
        collector.mode(TestCollector.Mode.ACCEPT);
        collector.await(c -> ids(c.events("/logs/outage")).size() + dropped("buffer_full") >= made.size(),
                "every decision either delivered or counted as dropped");

        List<JsonNode> events = collector.events("/logs/outage");
        assertThat(dropped("buffer_full")).isPositive();
        assertThat(events).hasSize(ids(events).size());
        assertThat(made).containsAll(ids(events));
        assertThat(events.size() + dropped("buffer_full")).isEqualTo(made.size());
        // the oldest are dropped: the newest decision made it
        assertThat(ids(events)).contains(made.get(made.size() - 1));
        assertThat(registry.get("pdp_decision_logs_upload_failures_total").counter().count()).isPositive();
    }

    @Test
    void closingWhileAnUploadIsUnderWaySendsWhatIsBufferedOnceItIsAnswered() throws Exception {
        int before = collector.unanswered();
        collector.mode(TestCollector.Mode.HANG);
        start("/logs/shutdown", 60, "{min_delay_seconds: 1, max_delay_seconds: 1}");
        List<String> made = new ArrayList<>();
        made.add(decide(0));
        collector.await(c -> c.unanswered() > before, "an upload (left hanging)");
        made.add(decide(1));

        Pdp closing = pdp;
        pdp = null;
        Thread closer = new Thread(closing::close, "closing-pdp");
        closer.start();
        // once close waits for its flush, the hanging upload is answered (503): both events must still go
        while (closer.isAlive() && !(closer.getState() == Thread.State.TIMED_WAITING && Arrays
                .stream(closer.getStackTrace()).anyMatch(f -> f.getClassName().endsWith("DecisionUploader")))) {
            Thread.onSpinWait();
        }
        collector.mode(TestCollector.Mode.ACCEPT);
        closer.join();

        assertThat(collector.events("/logs/shutdown")).as("events flushed at shutdown").hasSize(2);
        assertThat(ids(collector.events("/logs/shutdown"))).containsExactlyInAnyOrderElementsOf(made);
    }
}
