package io.certgate.pdp.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.bundle.BundleException;
import io.certgate.pdp.bundle.BundleReader;
import io.certgate.pdp.support.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Swaps bundles while several threads evaluate: no evaluation may fail, and every result must be
 * wholly from one bundle (its data marker matches the revision it was evaluated under).
 */
class HotReloadUnderLoadTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    @Timeout(120) // a guard against a hang only; the test waits on decisions, not on time
    void swapsNeverFailOrMixDecisions(@TempDir Path tmp) throws Exception {
        Path a = TestBundles.testPolicies("basic");
        Path b = TestBundles.copy(a, tmp.resolve("b"));
        Files.writeString(b.resolve("data.json"), "{\"rev\": \"B\", \"allowed\": [\"alice\"]}");
        BundleReader reader = new BundleReader(json);
        var bundleA = reader.read(TestBundles.compile(a, "A"), "a");
        var bundleB = reader.read(TestBundles.compile(b, "B"), "b");

        try (PolicyEngine engine = new PolicyEngine(
                new EngineOptions(2, Duration.ofSeconds(30), Duration.ofSeconds(30), 1024), json,
                List.of("test/authz/decision"))) {
            engine.activate(bundleA);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong evaluations = new AtomicLong();
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            Map<String, AtomicLong> seen = new ConcurrentHashMap<>();
            List<Thread> workers = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try {
                            LoadedPolicy p = engine.require();
                            JsonNode r = json.readTree(p.evaluate("test/authz/decision", "{\"user\":\"bob\"}"))
                                    .get(0).get("result");
                            String marker = r.get("obligations").get("headers").get("x-rev").asText();
                            String effect = r.get("effect").asText();
                            // A allows bob, B does not: the effect must match the bundle's own data.
                            boolean consistent = p.revision().equals(marker)
                                    && effect.equals(marker.equals("A") ? "allow" : "deny");
                            if (!consistent) {
                                failures.add(new AssertionError("mixed decision: revision " + p.revision()
                                        + " marker " + marker + " effect " + effect));
                            }
                            seen.computeIfAbsent(marker, k -> new AtomicLong()).incrementAndGet();
                            evaluations.incrementAndGet();
                            synchronized (seen) {
                                seen.notifyAll();
                            }
                        } catch (Exception e) {
                            failures.add(e);
                        }
                    }
                });
                t.start();
                workers.add(t);
            }
            awaitDecisions(seen, "A", failures);
            for (int swap = 0; swap < 8; swap++) {
                String revision = swap % 2 == 0 ? "B" : "A";
                engine.activate(swap % 2 == 0 ? bundleB : bundleA);
                if (swap == 4) {
                    try {
                        engine.activate(reader.read(new byte[] {1, 2, 3}, "corrupt"));
                    } catch (BundleException expected) {
                        // rejected before activation: the running bundle is untouched
                    }
                }
                // swap again only once the workers decided with this bundle: progress, not a time slice
                awaitDecisions(seen, revision, failures);
            }
            stop.set(true);
            for (Thread t : workers) {
                t.join();
            }
            assertThat(failures).isEmpty();
            assertThat(evaluations.get()).isGreaterThanOrEqualTo(9 * DECISIONS_PER_SWAP);
            assertThat(seen.keySet()).containsExactlyInAnyOrder("A", "B");
        }
    }

    private static final int DECISIONS_PER_SWAP = 20;

    /** Waits until the workers made {@link #DECISIONS_PER_SWAP} more decisions with {@code revision} (or failed). */
    private static void awaitDecisions(Map<String, AtomicLong> seen, String revision, List<Throwable> failures)
            throws InterruptedException {
        long target = seen.computeIfAbsent(revision, k -> new AtomicLong()).get() + DECISIONS_PER_SWAP;
        synchronized (seen) {
            while (seen.get(revision).get() < target && failures.isEmpty()) {
                seen.wait(1000); // woken by every decision; the timeout only re-checks the failures
            }
        }
    }
}
