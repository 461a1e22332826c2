package io.certgate.pep.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Effect;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PDP hands the executor only what must be evaluated: a decision from the cache is answered on the
 * caller's thread (the event loop, in the gateway), and is still logged and counted like any other.
 */
class EmbeddedDecisionClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static TestPki pki;
    static SimpleMeterRegistry registry;
    static Pdp pdp;
    static ExecutorService workers;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(Instant.now());
        Path policies = Files.createDirectories(tmp.resolve("policies/t"));
        // allowed for a minute when the certificate verified, denied otherwise
        Files.writeString(policies.resolve("authz.rego"), """
                package t

                # METADATA
                # entrypoint: true
                decision := {"effect": "allow", "status": 200, "reasons": [], "obligations": {"headers": {}},
                    "ttl_seconds": 60} if input.certificate.verified
                else := {"effect": "deny", "status": 403, "reasons": [{"code": "DENIED", "message": "no"}],
                    "obligations": {"headers": {}}, "ttl_seconds": 60}
                """);
        registry = new SimpleMeterRegistry();
        pdp = Pdp.start(PdpConfig.defaults().withOverrides(0, null, tmp.resolve("policies"), "t/decision")
                .withDecisionCache(1000, false), registry, Clock.systemUTC());
        workers = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stop() {
        pdp.close();
        workers.shutdownNow();
    }

    private static ObjectNode input(String path) {
        ObjectNode input = JSON.createObjectNode();
        input.putObject("request").put("method", "GET").put("path", path);
        input.putObject("service").put("id", "svc");
        return input;
    }

    @Test
    void cachedDecisionIsAnsweredOnTheCallersThread() throws Exception {
        AtomicInteger handedOff = new AtomicInteger();
        Executor counting = task -> {
            handedOff.incrementAndGet();
            workers.execute(task);
        };
        EmbeddedDecisionClient client = new EmbeddedDecisionClient(pdp, counting);
        PresentedCertificate cert = new PresentedCertificate(pki.partnerClient().chainDer(), true, 0, null);
        double loggedBefore = decisions("allow");

        Decision first = client.decide(input("/a"), cert).get(30, TimeUnit.SECONDS);
        assertThat(first.effect()).isEqualTo(Effect.ALLOW);
        assertThat(handedOff).hasValue(1);

        CompletableFuture<Decision> again = client.decide(input("/a"), cert);
        assertThat(again).isDone();
        Decision second = again.join();
        assertThat(second.effect()).isEqualTo(Effect.ALLOW);
        assertThat(second.decisionId()).isNotEqualTo(first.decisionId());
        assertThat(handedOff).hasValue(1);
        assertThat(decisions("allow") - loggedBefore).isEqualTo(2);

        // another input is not in the cache: evaluated on the executor
        Decision other = client.decide(input("/b"), cert).get(30, TimeUnit.SECONDS);
        assertThat(other.effect()).isEqualTo(Effect.ALLOW);
        assertThat(handedOff).hasValue(2);
    }

    @Test
    void unparseableCertificateFailsWithoutTheExecutor() {
        AtomicInteger handedOff = new AtomicInteger();
        EmbeddedDecisionClient client = new EmbeddedDecisionClient(pdp, task -> {
            handedOff.incrementAndGet();
            workers.execute(task);
        });
        PresentedCertificate garbage = new PresentedCertificate(java.util.List.of(new byte[] {1, 2, 3}), true, 0, null);

        CompletableFuture<Decision> f = client.decide(input("/c"), garbage);
        assertThat(f).isCompletedExceptionally();
        assertThat(handedOff).hasValue(0);
    }

    private static double decisions(String effect) {
        return registry.find("pdp_decisions_total").tag("effect", effect).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }
}
