package io.certgate.pdp.decision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.audit.DecisionLog;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.engine.LoadedPolicy;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.engine.PolicyException;
import io.certgate.pdp.input.InputEnricher;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.pdp.pip.AttributeProviders;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PDP's one way to decide: enrich the input, evaluate the active bundle, validate the result,
 * log it, count it. Every failure inside becomes a deny (never an allow), logged with its decision id.
 *
 * <p>Decisions with a {@code ttl_seconds} are cached for that long, keyed by the bundle revision,
 * the entrypoint and the input without its {@code time} (the policy bounds the TTL by the time
 * windows and certificate lifetime it depends on).
 */
public final class DecisionService {
    private static final Logger log = LoggerFactory.getLogger(DecisionService.class);

    private final PolicyEngine engine;
    private final InputEnricher enricher;
    private final DecisionLog decisionLog;
    private final ObjectMapper json;
    private final ObjectMapper canonical;
    private final String defaultEntrypoint;
    @Nullable
    private final Cache<String, Decision> cache;
    private final DecisionMeters meters;

    public DecisionService(PolicyEngine engine, InputEnricher enricher, DecisionLog decisionLog, ObjectMapper json,
            String defaultEntrypoint, long decisionCacheSize, MeterRegistry registry) {
        this.engine = engine;
        this.enricher = enricher;
        this.decisionLog = decisionLog;
        this.json = json;
        this.canonical = JsonMapper.builder().enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED).build();
        this.defaultEntrypoint = defaultEntrypoint;
        if (decisionCacheSize > 0) {
            this.cache = Caffeine.newBuilder()
                    .maximumSize(decisionCacheSize)
                    .expireAfter(Expiry.<String, Decision>creating((k, d) -> Duration.ofSeconds(d.ttlSeconds())))
                    .recordStats()
                    .build();
            CaffeineCacheMetrics.monitor(registry, cache, "decision");
        } else {
            this.cache = null;
        }
        this.meters = new DecisionMeters(registry);
    }

    public String defaultEntrypoint() {
        return defaultEntrypoint;
    }

    /**
     * Decides at {@code entrypoint} (null for the default).
     *
     * @param keepCallerTime keep an {@code input.time} the caller sent (what-if replay) instead of now
     * @throws PolicyException only for an entrypoint the active bundle does not have (a caller error)
     * @throws CertificateParseException when the presented chain does not parse (a caller error)
     */
    public Decision decide(@Nullable String entrypoint, ObjectNode input, @Nullable PresentedCertificate cert,
            boolean keepCallerTime) throws PolicyException, CertificateParseException {
        return decide(entrypoint, input, cert, keepCallerTime, Protocol.EMBEDDED);
    }

    /** Like {@link #decide(String, ObjectNode, PresentedCertificate, boolean)}, counted under {@code protocol}. */
    public Decision decide(@Nullable String entrypoint, ObjectNode input, @Nullable PresentedCertificate cert,
            boolean keepCallerTime, Protocol protocol) throws PolicyException, CertificateParseException {
        Pending p = begin(entrypoint, input, cert, keepCallerTime, protocol);
        Decision known = p.decided();
        return known != null ? known : complete(p);
    }

    /**
     * Whether {@link #begin} may block: attribute providers are configured, and it waits for their lookups.
     * Without them it only enriches the input (certificate facts, time) and reads the decision cache, so an
     * event loop may call it and hand only {@link #complete} to a worker.
     */
    public boolean beginBlocks() {
        return enricher.hasProviders();
    }

    /**
     * The first half of {@link #decide}: enriches the input, asks the attribute providers (blocking, see
     * {@link #beginBlocks}) and looks the decision up in the cache. A decision known without evaluating (a
     * cache hit, or no bundle active yet) is already logged and counted in the result's {@link Pending#decided()};
     * otherwise pass the result to {@link #complete}, off the event loop.
     *
     * @throws CertificateParseException when the presented chain does not parse (a caller error)
     */
    public Pending begin(@Nullable String entrypoint, ObjectNode input, @Nullable PresentedCertificate cert,
            boolean keepCallerTime, Protocol protocol) throws CertificateParseException {
        long start = System.nanoTime();
        String path = entrypoint == null || entrypoint.isEmpty() ? defaultEntrypoint : entrypoint;
        String id = newDecisionId();
        LoadedPolicy policy = engine.active();
        if (policy == null) {
            Decision d = Decision.failure(id, "", 503, "NO_POLICY", "no policy bundle is active yet");
            finish(d, path, input, null, "no bundle", start, false, null, protocol);
            return new Pending(d, null);
        }
        enricher.enrich(input, cert, policy.timezones(), keepCallerTime);
        // Before the cache key and the log: from here on the input names the key, never its digest. A key
        // the bundle does not list goes to the api_keys provider, if one is configured.
        String unlistedKey = policy.apiKeys().resolve(input);
        // Provider facts are part of the input, so the cache key below covers them (no cross-user hits).
        ObjectNode providers = enricher.attributes(input, unlistedKey);
        String key = cache == null ? null : cacheKey(policy.revision(), path, input);
        if (key != null) {
            Decision hit = cache.getIfPresent(key);
            if (hit != null) {
                // Another token with the same facts may expire sooner than the one the entry was made for.
                Decision d = hit.withDecisionId(id).withTtlAtMost(AttributeProviders.ttlBound(providers));
                finish(d, path, input, DecisionMapper.toJson(d, json), null, start, true, providers, protocol);
                return new Pending(d, null);
            }
        }
        return new Pending(null, new Open(start, path, id, policy, input, providers, key, protocol));
    }

    /**
     * The second half of {@link #decide}: evaluates what {@link #begin} left open, logs and counts it. Runs the
     * policy, so never on an event loop.
     *
     * @throws PolicyException only for an entrypoint the active bundle does not have (a caller error)
     */
    public Decision complete(Pending p) throws PolicyException {
        Open o = p.open;
        if (o == null) {
            return Objects.requireNonNull(p.decided, "a pending decision is either decided or open");
        }
        LoadedPolicy policy = o.policy();
        String id = o.id();
        String path = o.path();
        ObjectNode input = o.input();
        Decision d;
        JsonNode result = null;
        String error = null;
        try {
            Optional<JsonNode> value = evaluate(policy, path, input);
            if (value.isEmpty()) {
                error = "the entrypoint is undefined for this input";
                d = Decision.failure(id, policy.revision(), 500, "POLICY_ERROR",
                        "policy error: " + path + " is undefined for this input");
            } else {
                result = value.get();
                d = DecisionMapper.toDecision(result, id, policy.revision());
            }
        } catch (PolicyException e) {
            if (e.kind() == PolicyException.Kind.UNKNOWN_ENTRYPOINT) {
                throw e;
            }
            error = e.kind() + ": " + e.getMessage();
            d = failureFor(e, id, policy.revision());
        } catch (DecisionMapper.MalformedDecisionException e) {
            error = "malformed decision: " + e.getMessage();
            d = Decision.failure(id, policy.revision(), 500, "POLICY_ERROR", "policy error: " + error);
        }
        // A decision resting on a bearer token must not be cached (here or by the PEP) past the token's expiry.
        d = d.withTtlAtMost(AttributeProviders.ttlBound(o.providers()));
        if (error != null) {
            log.error("decision {} at {} (bundle {}) denied on error: {}", id, path, policy.revision(), error);
        } else if (o.key() != null && cache != null && d.ttlSeconds() > 0 && d.effect() != Effect.CHALLENGE) {
            cache.put(o.key(), d);
        }
        finish(d, path, input, result, error, o.start(), false, o.providers(), o.protocol());
        return d;
    }

    /**
     * A decision between {@link #begin} and {@link #complete}: either already {@link #decided()}, or the enriched
     * input with the bundle revision it is to be evaluated with.
     */
    public static final class Pending {
        @Nullable
        private final Decision decided;
        @Nullable
        private final Open open;

        private Pending(@Nullable Decision decided, @Nullable Open open) {
            this.decided = decided;
            this.open = open;
        }

        /** The decision, when it was known without evaluating; null when {@link #complete} must run. */
        @Nullable
        public Decision decided() {
            return decided;
        }
    }

    /** What {@link #complete} needs of a decision {@link #begin} left open. */
    private record Open(long start, String path, String id, LoadedPolicy policy, ObjectNode input,
            @Nullable ObjectNode providers, @Nullable String key, Protocol protocol) {}

    /**
     * OPA REST semantics: the document at {@code path} ({@code ""} for all of {@code data}) for {@code input},
     * empty when undefined. The caller owns the input, as with OPA: {@code input.time} is added only when
     * the input is an object without one; a request without input is evaluated with {@code {}}, unenriched.
     */
    public RawEvaluation queryDocument(String path, @Nullable JsonNode input) throws PolicyException {
        return input == null ? evaluateRaw(path, json.createObjectNode(), true, Protocol.REST, false)
                : evaluateRaw(path, input, true, Protocol.REST, true);
    }

    /**
     * AuthZEN: the raw value of entrypoint {@code path} for {@code input}, empty when undefined.
     * {@code input.time} is set by the PDP when the input is an object.
     */
    public RawEvaluation evaluateRaw(String path, JsonNode input) throws PolicyException {
        return evaluateRaw(path, input, false, Protocol.AUTHZEN, true);
    }

    private RawEvaluation evaluateRaw(String path, JsonNode input, boolean document, Protocol protocol,
            boolean enrich) throws PolicyException {
        long start = System.nanoTime();
        String id = newDecisionId();
        LoadedPolicy policy = engine.require();
        ObjectNode providers = null;
        if (enrich && input instanceof ObjectNode obj) {
            try {
                enricher.enrich(obj, null, policy.timezones(), document);
            } catch (CertificateParseException e) {
                throw new IllegalStateException("no certificate was given", e);
            }
            providers = enricher.attributes(obj);
        }
        try {
            Optional<JsonNode> value = document ? policy.document(path, json.writeValueAsString(input))
                    : evaluate(policy, path, input);
            record(id, path, policy.revision(), input, value.orElse(null), null, start, false, providers);
            count(protocol, rawEffect(value), path, start);
            return new RawEvaluation(id, policy.revision(), value);
        } catch (JsonProcessingException e) {
            throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR, "cannot serialize input", e);
        } catch (PolicyException e) {
            if (e.kind() != PolicyException.Kind.UNKNOWN_ENTRYPOINT) {
                log.error("decision {} at {} (bundle {}) failed: {}", id, path, policy.revision(), e.getMessage());
                record(id, path, policy.revision(), input, null, e.getMessage(), start, false, providers);
                meters.policyError(e.kind().name());
                count(protocol, "error", path, start);
            }
            throw e;
        }
    }

    /** The effect label of a raw value: a boolean or AuthZEN's {@code {"decision": bool}} reads as allow/deny. */
    private static String rawEffect(Optional<JsonNode> value) {
        if (value.isEmpty()) {
            return "undefined";
        }
        JsonNode v = value.get().isObject() ? value.get().path("decision") : value.get();
        return v.isBoolean() ? (v.asBoolean() ? Effect.ALLOW.wireName() : Effect.DENY.wireName()) : "value";
    }

    /** The raw value of an entrypoint, with the decision id it was logged under. */
    public record RawEvaluation(String decisionId, String revision, Optional<JsonNode> result) {}

    /** The wire JSON of a decision. */
    public ObjectNode toJson(Decision d) {
        return DecisionMapper.toJson(d, json);
    }

    private Optional<JsonNode> evaluate(LoadedPolicy policy, String path, JsonNode input) throws PolicyException {
        String resultSet;
        try {
            resultSet = policy.evaluate(path, json.writeValueAsString(input));
        } catch (JsonProcessingException e) {
            throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR, "cannot serialize input", e);
        }
        try {
            JsonNode set = json.readTree(resultSet);
            if (!set.isArray()) {
                throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR,
                        "the policy returned a result set that is not an array");
            }
            if (set.isEmpty()) {
                return Optional.empty();
            }
            JsonNode value = set.get(0).get("result");
            return Optional.ofNullable(value);
        } catch (JsonProcessingException e) {
            throw new PolicyException(PolicyException.Kind.EVALUATION_ERROR,
                    "the policy returned unparseable JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Decision failureFor(PolicyException e, String id, String revision) {
        return switch (e.kind()) {
            case BUSY -> Decision.failure(id, revision, 503, "PDP_BUSY", "the PDP is overloaded: " + e.getMessage());
            case NO_BUNDLE -> Decision.failure(id, revision, 503, "NO_POLICY", e.getMessage());
            default -> Decision.failure(id, revision, 500, "POLICY_ERROR", "policy error: " + e.getMessage());
        };
    }

    private void finish(Decision d, String path, JsonNode input, @Nullable JsonNode result, @Nullable String error,
            long start, boolean cached, @Nullable JsonNode providers, Protocol protocol) {
        long nanos = System.nanoTime() - start;
        decisionLog.record(d.decisionId(), path, d.revision(), input, result, error, nanos, cached, providers);
        count(protocol, d.effect().wireName(), path, start);
        if (d.effect() != Effect.ALLOW) {
            for (Reason r : d.reasons()) {
                meters.reason(r.code());
            }
        }
        if (error != null) {
            meters.policyError(d.reasons().get(0).code());
        }
    }

    private void count(Protocol protocol, String effect, String path, long start) {
        meters.decided(protocol, effect, path, start);
    }

    private void record(String id, String path, String revision, JsonNode input, @Nullable JsonNode result,
            @Nullable String error, long start, boolean cached, @Nullable JsonNode providers) {
        decisionLog.record(id, path, revision, input, result, error, System.nanoTime() - start, cached, providers);
    }

    private String cacheKey(String revision, String path, ObjectNode input) {
        JsonNode time = input.remove("time");
        // limits.remaining changes with every request: keyed by it, no decision would ever be reused
        JsonNode limits = input.path("limits");
        JsonNode remaining = limits instanceof ObjectNode l ? l.remove("remaining") : null;
        try {
            return revision + '\u0000' + path + '\u0000' + canonical.writeValueAsString(input);
        } catch (JsonProcessingException e) {
            return null;
        } finally {
            if (time != null) {
                input.set("time", time);
            }
            if (remaining != null) {
                ((ObjectNode) limits).set("remaining", remaining);
            }
        }
    }

    private static String newDecisionId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(hi, lo).toString();
    }
}
