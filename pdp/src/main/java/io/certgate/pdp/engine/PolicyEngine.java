package io.certgate.pdp.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.bundle.Bundle;
import io.certgate.pdp.bundle.BundleException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import com.linecorp.armeria.common.annotation.Nullable;

/**
 * Evaluates policies of the active bundle. Activation validates a bundle completely (instantiate
 * every evaluator, evaluate the required entrypoints once) before swapping it in atomically; a
 * bundle that fails any step is rejected and the previous one keeps serving.
 */
public final class PolicyEngine implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PolicyEngine.class);
    private static final java.time.Duration SMOKE_DEADLINE = java.time.Duration.ofSeconds(10);
    private static final java.time.Duration WARM_UP_BUDGET = java.time.Duration.ofSeconds(2);
    private static final int WARM_UP_ROUNDS = 50;
    private final EngineOptions options;
    private final ObjectMapper json;
    private final List<String> requiredEntrypoints;
    private final List<String> expectedEntrypoints;
    private final Watchdog watchdog;
    private final AtomicReference<LoadedPolicy> active = new AtomicReference<>();

    /**
     * @param requiredEntrypoints entrypoints a bundle must contain and evaluate without error on
     *     an empty input to be activated
     */
    public PolicyEngine(EngineOptions options, ObjectMapper json, List<String> requiredEntrypoints) {
        this(options, json, requiredEntrypoints, List.of());
    }

    /**
     * @param expectedEntrypoints entrypoints some clients use by default: a bundle without them is
     *     activated with a warning (the OPA Data API still serves it)
     */
    public PolicyEngine(EngineOptions options, ObjectMapper json, List<String> requiredEntrypoints,
            List<String> expectedEntrypoints) {
        this(options, json, requiredEntrypoints, expectedEntrypoints, ThreadCpu.jvm());
    }

    /** With another CPU clock for the evaluation deadlines (tests). */
    PolicyEngine(EngineOptions options, ObjectMapper json, List<String> requiredEntrypoints,
            List<String> expectedEntrypoints, ThreadCpu cpu) {
        this.options = options;
        this.json = json;
        this.requiredEntrypoints = List.copyOf(requiredEntrypoints);
        this.expectedEntrypoints = List.copyOf(expectedEntrypoints);
        long tick = Math.max(1, Math.min(10, options.evaluationTimeout().toMillis() / 4));
        this.watchdog = new Watchdog(tick, cpu);
    }

    /** Validates and activates {@code bundle}; on failure the active bundle is unchanged. */
    public LoadedPolicy activate(Bundle bundle) throws BundleException {
        LoadedPolicy candidate;
        try {
            candidate = new LoadedPolicy(bundle, options, watchdog, json);
        } catch (RuntimeException | LinkageError e) {
            throw new BundleException(bundle.source() + ": the wasm module cannot be instantiated: "
                    + e.getMessage(), e);
        }
        for (String entrypoint : requiredEntrypoints) {
            if (!candidate.entrypoints().contains(entrypoint)) {
                candidate.close();
                throw new BundleException(bundle.source() + ": required entrypoint '" + entrypoint
                        + "' is not compiled into the bundle (it has " + new java.util.TreeSet<>(candidate.entrypoints())
                        + "); compile it (annotate the rule with '# METADATA' / '# entrypoint: true', list it in"
                        + " policy.entrypoints, or 'opa build -t wasm -e " + entrypoint + "' for a bundle) or"
                        + " choose one of those with --entrypoint or policy.entrypoint");
            }
            try {
                candidate.evaluate(entrypoint, "{}", SMOKE_DEADLINE);
            } catch (PolicyException e) {
                candidate.close();
                throw new BundleException(bundle.source() + ": smoke evaluation of '" + entrypoint
                        + "' failed: " + e.getMessage(), e);
            }
        }
        for (String entrypoint : expectedEntrypoints) {
            if (!candidate.entrypoints().contains(entrypoint)) {
                log.warn("bundle {} has no entrypoint {}: requests that do not name an entrypoint (gRPC, ext_authz,"
                        + " forward-auth, the gateway) fail until --entrypoint or policy.entrypoint names one of {};"
                        + " the OPA Data API and AuthZEN are not affected", candidate.revision(), entrypoint,
                        new java.util.TreeSet<>(candidate.entrypoints()));
            }
        }
        warmUp(candidate);
        LoadedPolicy previous = active.getAndSet(candidate);
        if (previous != null) {
            previous.close();
        }
        return candidate;
    }

    /**
     * Runs the required entrypoints a few times on every evaluator before the swap, so the first real
     * requests do not pay for JIT compilation of the freshly generated wasm code (which can exceed the
     * evaluation deadline on a cold, busy machine and turn allows into POLICY_ERROR denies).
     */
    private void warmUp(LoadedPolicy candidate) {
        long until = System.nanoTime() + WARM_UP_BUDGET.toNanos();
        for (int i = 0; i < WARM_UP_ROUNDS * options.poolSize() && System.nanoTime() < until; i++) {
            for (String entrypoint : requiredEntrypoints) {
                try {
                    candidate.evaluate(entrypoint, "{}", SMOKE_DEADLINE);
                } catch (PolicyException e) {
                    return; // the smoke test passed; a warm-up hiccup is not a reason to reject
                }
            }
        }
    }

    /** The active bundle, or {@code null} before the first activation. */
    @Nullable
    public LoadedPolicy active() {
        return active.get();
    }

    /** The active bundle; fails with NO_BUNDLE before the first activation. */
    public LoadedPolicy require() throws PolicyException {
        LoadedPolicy p = active.get();
        if (p == null) {
            throw new PolicyException(PolicyException.Kind.NO_BUNDLE, "no policy bundle is active yet");
        }
        return p;
    }

    public EngineOptions options() {
        return options;
    }

    @Override
    public void close() {
        LoadedPolicy p = active.getAndSet(null);
        if (p != null) {
            p.close();
        }
        watchdog.close();
    }
}
