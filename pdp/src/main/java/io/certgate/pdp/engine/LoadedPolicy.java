package io.certgate.pdp.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.styra.opa.wasm.OpaPolicy;
import io.certgate.pdp.apikey.ApiKeyDirectory;
import io.certgate.pdp.bundle.Bundle;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An activated bundle: its evaluator pool and entrypoint table. Immutable once built; an evaluation
 * borrows one evaluator, so all of it sees one bundle revision even while a newer one activates.
 */
public final class LoadedPolicy {
    private static final Logger log = LoggerFactory.getLogger(LoadedPolicy.class);

    private final Bundle bundle;
    private final EngineOptions options;
    private final Watchdog watchdog;
    private final String dataJson;
    private final Map<String, Integer> entrypoints;
    private final Set<ZoneId> timezones;
    private final ApiKeyDirectory apiKeys;
    private static final long RETIRED_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ArrayBlockingQueue<Evaluator> idle;
    private volatile boolean retired;

    LoadedPolicy(Bundle bundle, EngineOptions options, Watchdog watchdog, ObjectMapper json) {
        this.bundle = bundle;
        this.options = options;
        this.watchdog = watchdog;
        try {
            this.dataJson = json.writeValueAsString(bundle.data());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        this.idle = new ArrayBlockingQueue<>(options.poolSize());
        OpaPolicy first = newPolicy();
        this.entrypoints = Map.copyOf(first.entrypoints());
        idle.add(watched(first));
        for (int i = 1; i < options.poolSize(); i++) {
            idle.add(watched(newPolicy()));
        }
        this.timezones = findTimezones(bundle.data());
        this.apiKeys = ApiKeyDirectory.fromData(bundle.data());
    }

    private OpaPolicy newPolicy() {
        OpaPolicy policy = OpaPolicy.builder()
                .withPolicy(bundle.wasm())
                .withMaxMemory(options.maxMemoryPages())
                .build();
        policy.data(dataJson);
        return policy;
    }

    private Evaluator watched(OpaPolicy policy) {
        Evaluator e = new Evaluator(policy);
        watchdog.watch(e);
        return e;
    }

    public String revision() {
        return bundle.revision();
    }

    public Bundle bundle() {
        return bundle;
    }

    /** Entrypoints compiled into the module, e.g. {@code mtls/authz/decision}. */
    public Set<String> entrypoints() {
        return entrypoints.keySet();
    }

    /** Every IANA zone named by a {@code "timezone"} field in the data document. */
    public Set<ZoneId> timezones() {
        return timezones;
    }

    /** The bundle's API keys ({@code data.mtls.api_keys}), by digest. */
    public ApiKeyDirectory apiKeys() {
        return apiKeys;
    }

    /**
     * Evaluates {@code entrypoint} over {@code inputJson} (a JSON document) and returns opa's result
     * set, {@code [{"result": …}]}, or {@code []} when the entrypoint is undefined for this input.
     */
    public String evaluate(String entrypoint, String inputJson) throws PolicyException {
        return evaluate(entrypoint, inputJson, options.evaluationTimeout());
    }

    /** Like {@link #evaluate(String, String)} with another deadline (activation smoke test and warm-up). */
    String evaluate(String entrypoint, String inputJson, java.time.Duration deadline) throws PolicyException {
        Integer id = entrypoints.get(entrypoint);
        if (id == null) {
            throw new PolicyException(PolicyException.Kind.UNKNOWN_ENTRYPOINT, "entrypoint '" + entrypoint
                    + "' is not in bundle " + bundle.revision() + "; it has " + new TreeSet<>(entrypoints.keySet()));
        }
        Evaluator e = acquire();
        try {
            return e.evaluate(id, inputJson, deadline.toNanos());
        } catch (RuntimeException | StackOverflowError err) {
            e.markBroken();
            if (e.timedOut()) {
                throw new PolicyException(PolicyException.Kind.TIMEOUT, "evaluation of " + entrypoint
                        + " exceeded its " + deadline.toMillis() + " ms deadline", err);
            }
            throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR, "evaluation of " + entrypoint
                    + " failed: " + describe(err), err);
        } finally {
            release(e);
        }
    }

    /** Evaluators not lent out right now. */
    int idleEvaluators() {
        return idle.size();
    }

    private Evaluator acquire() throws PolicyException {
        Evaluator e = idle.poll();
        if (e != null) {
            return e;
        }
        // Wait in slices, so that a caller still holding this policy when a newer bundle retires it
        // stops waiting for evaluators that will never come back (see close()).
        long deadline = System.nanoTime() + options.acquireTimeout().toNanos();
        while (!retired) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new PolicyException(PolicyException.Kind.BUSY, "all " + options.poolSize()
                        + " evaluators stayed busy for " + options.acquireTimeout().toMillis() + " ms");
            }
            try {
                e = idle.poll(Math.min(left, RETIRED_CHECK_NANOS), TimeUnit.NANOSECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new PolicyException(PolicyException.Kind.BUSY, "interrupted while waiting for an evaluator");
            }
            if (e != null) {
                return e;
            }
        }
        // Took this policy just before it was replaced: a one-off instance decides with this bundle, as
        // the caller expects, rather than failing a request because of a swap.
        try {
            return watched(newPolicy());
        } catch (RuntimeException err) {
            throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR, "cannot instantiate an evaluator"
                    + " for bundle " + bundle.revision() + ": " + describe(err), err);
        }
    }

    private void release(Evaluator e) {
        if (retired) {
            watchdog.unwatch(e); // the pool is gone; this instance is garbage once the caller returns
            return;
        }
        if (!e.broken()) {
            idle.offer(e);
            if (retired && idle.remove(e)) {
                watchdog.unwatch(e); // close() ran while this instance was being returned
            }
            return;
        }
        watchdog.unwatch(e);
        try {
            idle.offer(watched(newPolicy()));
        } catch (RuntimeException err) {
            // The pool shrinks by one; the next activation restores it. Never fail the caller for this.
            log.error("Cannot replace a failed evaluator for bundle {}: {}", bundle.revision(), describe(err));
        }
    }

    /**
     * Retires this policy once a newer one serves: its evaluators are released for garbage collection
     * (idle ones now, busy ones when their caller is done). Callers that still hold it keep working.
     */
    void close() {
        retired = true;
        List<Evaluator> drained = new ArrayList<>();
        idle.drainTo(drained);
        drained.forEach(watchdog::unwatch);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static Set<ZoneId> findTimezones(JsonNode data) {
        Set<ZoneId> zones = new java.util.LinkedHashSet<>();
        List<JsonNode> stack = new ArrayList<>(List.of(data));
        while (!stack.isEmpty()) {
            JsonNode n = stack.remove(stack.size() - 1);
            if (n.isObject()) {
                for (Map.Entry<String, JsonNode> f : n.properties()) {
                    if (f.getKey().equals("timezone") && f.getValue().isTextual()) {
                        try {
                            zones.add(ZoneId.of(f.getValue().asText()));
                        } catch (DateTimeException ignored) {
                            // The policy reports an unknown zone itself (fail closed); nothing to precompute.
                        }
                    } else {
                        stack.add(f.getValue());
                    }
                }
            } else if (n.isArray()) {
                n.forEach(stack::add);
            }
        }
        return Set.copyOf(zones);
    }
}
