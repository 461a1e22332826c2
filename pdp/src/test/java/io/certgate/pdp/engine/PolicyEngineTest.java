package io.certgate.pdp.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.bundle.Bundle;
import io.certgate.pdp.bundle.BundleException;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.support.TestBundles;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PolicyEngineTest {
    private static final String DECISION = "test/authz/decision";
    private final ObjectMapper json = new ObjectMapper();
    private PolicyEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private Bundle bundle(String revision) throws BundleException {
        return new BundleReader(json).read(TestBundles.compile(TestBundles.testPolicies("basic"), revision), "test");
    }

    private PolicyEngine engine(EngineOptions options) {
        engine = new PolicyEngine(options, json, List.of(DECISION));
        return engine;
    }

    @Test
    void evaluatesTheActiveBundle() throws Exception {
        engine(EngineOptions.defaults()).activate(bundle("r1"));
        String out = engine.require().evaluate(DECISION, "{\"user\":\"alice\"}");
        assertThat(json.readTree(out).get(0).get("result").get("effect").asText()).isEqualTo("allow");
        assertThat(engine.require().revision()).isEqualTo("r1");
        String denied = engine.require().evaluate(DECISION, "{\"user\":\"mallory\"}");
        assertThat(json.readTree(denied).get(0).get("result").get("status").asInt()).isEqualTo(403);
    }

    /**
     * A caller that took the policy just before a swap still gets its decision, from that bundle: it
     * does not wait for the retired pool's evaluators (and fail PDP_BUSY when none come back).
     */
    @Test
    void aPolicyTakenBeforeASwapStillDecidesAfterIt() throws Exception {
        engine(new EngineOptions(2, java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(5), 1024))
                .activate(bundle("r1"));
        LoadedPolicy taken = engine.require();
        engine.activate(bundle("r2")); // retires r1: its idle evaluators are released

        String out = taken.evaluate(DECISION, "{\"user\":\"alice\"}");
        assertThat(json.readTree(out).at("/0/result/obligations/headers/x-rev").asText()).isEqualTo("A");
        assertThat(taken.revision()).isEqualTo("r1");
        assertThat(engine.require().revision()).isEqualTo("r2");
    }

    @Test
    void noBundleMeansNoBundleError() {
        assertThatThrownBy(() -> engine(EngineOptions.defaults()).require())
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.NO_BUNDLE));
    }

    @Test
    void unknownEntrypointIsNamed() throws Exception {
        engine(EngineOptions.defaults()).activate(bundle("r1"));
        assertThatThrownBy(() -> engine.require().evaluate("nope/decision", "{}"))
                .isInstanceOfSatisfying(PolicyException.class, e -> {
                    assertThat(e.kind()).isEqualTo(PolicyException.Kind.UNKNOWN_ENTRYPOINT);
                    assertThat(e.getMessage()).contains("nope/decision").contains(DECISION);
                });
    }

    @Test
    void bundleWithoutRequiredEntrypointIsRejectedAndTheOldOneKeepsServing() throws Exception {
        engine(EngineOptions.defaults()).activate(bundle("good"));
        PolicyEngine strict = new PolicyEngine(EngineOptions.defaults(), json, List.of("mtls/authz/decision"));
        try {
            assertThatThrownBy(() -> strict.activate(bundle("good")))
                    .isInstanceOf(BundleException.class)
                    .hasMessageContaining("mtls/authz/decision")
                    .hasMessageContaining("entrypoint: true");
            assertThat(strict.active()).isNull();
        } finally {
            strict.close();
        }
        assertThat(engine.require().revision()).isEqualTo("good");
    }

    @Test
    void runawayPolicyIsInterruptedAtItsDeadlineAndThePoolRecovers() throws Exception {
        engine(new EngineOptions(1, Duration.ofMillis(500), Duration.ofMillis(50), 1024)).activate(bundle("r1"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> engine.require().evaluate("test/authz/spin", "{}"))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.TIMEOUT));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        // The broken evaluator was replaced: the single-slot pool still answers.
        String out = engine.require().evaluate(DECISION, "{\"user\":\"bob\"}");
        assertThat(json.readTree(out).get(0).get("result").get("effect").asText()).isEqualTo("allow");
    }

    /**
     * The deadline counts the evaluation's CPU time: an evaluation that got no CPU (here a clock that never
     * advances, as for a thread waiting for a core or a GC pause) is not interrupted at the deadline, only at the
     * wall-clock cap of ten times as long.
     */
    @Test
    void evaluationWithoutCpuTimeRunsUntilTheWallClockCap() throws Exception {
        ThreadCpu frozen = new ThreadCpu() {
            @Override
            public long current() {
                return 0;
            }

            @Override
            public long of(Thread thread) {
                return 0;
            }
        };
        // 10 ms, so the cap (100 ms) comes well before the spin rule exhausts its wasm memory (~0.5 s here)
        engine = new PolicyEngine(new EngineOptions(1, Duration.ofMillis(500), Duration.ofMillis(10), 1024), json,
                List.of(DECISION), List.of(), frozen);
        engine.activate(bundle("r1"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> engine.require().evaluate("test/authz/spin", "{}"))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.TIMEOUT));
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isGreaterThanOrEqualTo(Duration.ofMillis(10L * Evaluator.WALL_CLOCK_FACTOR));
    }

    @Test
    void policyExceedingItsMemoryLimitFailsWithoutTakingTheEngineDown() throws Exception {
        // 4 MiB of wasm memory: enough for the policy and its data, not for a million strings.
        engine(new EngineOptions(1, Duration.ofMillis(500), Duration.ofSeconds(20), 64)).activate(bundle("r1"));
        assertThatThrownBy(() -> engine.require().evaluate("test/authz/hog", "{\"n\": 1000000}"))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.EVALUATION_ERROR));
        String small = engine.require().evaluate("test/authz/hog", "{\"n\": 3}");
        assertThat(json.readTree(small).get(0).get("result").size()).isEqualTo(3);
    }

    @Test
    void exhaustedPoolFailsFastWithBusy() throws Exception {
        // the hog's deadline is far away: it holds the only evaluator until this test interrupts it
        engine(new EngineOptions(1, Duration.ofMillis(20), Duration.ofSeconds(60), 1024)).activate(bundle("r1"));
        LoadedPolicy policy = engine.require();
        Thread hog = new Thread(() -> {
            try {
                policy.evaluate("test/authz/spin", "{}");
            } catch (PolicyException expected) {
                // interrupted below
            }
        });
        hog.start();
        while (policy.idleEvaluators() > 0 && hog.isAlive()) {
            Thread.onSpinWait(); // until the hog has taken the evaluator
        }
        assertThatThrownBy(() -> policy.evaluate(DECISION, "{}"))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.BUSY));
        hog.interrupt();
        hog.join();
    }
}
