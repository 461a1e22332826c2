package io.certgate.pdp.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import com.styra.opa.wasm.OpaPolicy;
import io.certgate.pdp.apikey.ApiKeyDirectory;
import io.certgate.pdp.bundle.Bundle;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    private final ObjectMapper json;
    private static final long RETIRED_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ArrayBlockingQueue<Evaluator> idle;
    private volatile boolean retired;

    LoadedPolicy(Bundle bundle, EngineOptions options, Watchdog watchdog, ObjectMapper json) {
        this.bundle = bundle;
        this.options = options;
        this.watchdog = watchdog;
        this.json = json;
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
        Evaluator e = new Evaluator(policy, watchdog.cpu());
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

    /**
     * OPA's Data API view of {@code data} at {@code path} ({@code ""} for the root), like {@code opa run
     * --server}: a compiled entrypoint is evaluated; a path below one is read from its value; any other path
     * is assembled from the data document and every entrypoint below it (so a package answers with its
     * rules). Empty when nothing is defined there.
     */
    public Optional<JsonNode> document(String path, String inputJson) throws PolicyException {
        if (entrypoints.containsKey(path)) {
            return value(path, inputJson);
        }
        List<String> segments = path.isEmpty() ? List.of() : List.of(path.split("/", -1));
        for (int i = segments.size() - 1; i > 0; i--) {
            String ancestor = String.join("/", segments.subList(0, i));
            if (entrypoints.containsKey(ancestor)) {
                List<String> rest = segments.subList(i, segments.size());
                return value(ancestor, inputJson).map(n -> descend(n, rest));
            }
        }
        JsonNode base = descend(bundle.data(), segments);
        ObjectNode doc = base != null && base.isObject() ? ((ObjectNode) base).deepCopy() : null;
        String prefix = path.isEmpty() ? "" : path + "/";
        boolean any = false;
        for (String e : new TreeSet<>(entrypoints.keySet())) {
            if (!e.startsWith(prefix) || coveredBelow(e, prefix)) {
                continue;
            }
            Optional<JsonNode> v = value(e, inputJson);
            if (v.isPresent()) {
                if (doc == null) {
                    doc = json.createObjectNode();
                }
                put(doc, List.of(e.substring(prefix.length()).split("/", -1)), v.get());
                any = true;
            }
        }
        if (any) {
            return Optional.of(doc);
        }
        return Optional.ofNullable(base);
    }

    /** Whether a shorter entrypoint below {@code prefix} already contains {@code e}. */
    private boolean coveredBelow(String e, String prefix) {
        for (int at = e.indexOf('/', prefix.length()); at > 0; at = e.indexOf('/', at + 1)) {
            if (entrypoints.containsKey(e.substring(0, at))) {
                return true;
            }
        }
        return false;
    }

    private Optional<JsonNode> value(String entrypoint, String inputJson) throws PolicyException {
        String set = evaluate(entrypoint, inputJson);
        try {
            JsonNode results = json.readTree(set);
            return results.isArray() && !results.isEmpty()
                    ? Optional.ofNullable(results.get(0).get("result")) : Optional.empty();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR,
                    "the policy returned unparseable JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Nullable
    private static JsonNode descend(JsonNode node, List<String> segments) {
        JsonNode n = node;
        for (String s : segments) {
            if (n == null) {
                return null;
            }
            if (n.isArray()) {
                n = s.matches("0|[1-9][0-9]{0,8}") ? n.get(Integer.parseInt(s)) : null;
            } else {
                n = n.isObject() ? n.get(s) : null;
            }
        }
        return n;
    }

    private void put(ObjectNode doc, List<String> segments, JsonNode value) {
        ObjectNode at = doc;
        for (String s : segments.subList(0, segments.size() - 1)) {
            at = at.get(s) instanceof ObjectNode o ? o : at.putObject(s);
        }
        at.set(segments.get(segments.size() - 1), value);
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
                        + " exceeded its deadline of " + deadline.toMillis() + " ms of CPU time (or "
                        + deadline.toMillis() * Evaluator.WALL_CLOCK_FACTOR + " ms on the wall clock)", err);
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
