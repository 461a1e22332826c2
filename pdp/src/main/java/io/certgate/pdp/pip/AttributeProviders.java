package io.certgate.pdp.pip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The policy information point: fills {@code subject.groups}/{@code groups_status}, {@code device},
 * {@code mfa} and {@code api_key} (for a key the bundle does not list) of a decision input from the
 * configured providers, all fetched concurrently, each behind
 * its cache, deadline, bulkhead and circuit breaker. What the caller sent in those fields is replaced
 * whenever the corresponding provider is configured, and the bearer token the MFA provider consumed is
 * removed from the input.
 *
 * <p>{@link #enrich} waits for the lookups (at most the slowest deadline plus a margin), so it runs on
 * a blocking-task thread, never on an event loop; the calls themselves are asynchronous.
 */
public final class AttributeProviders implements AutoCloseable {
    /** Slack over the provider deadlines before the wait gives up on a lookup. */
    private static final Duration MARGIN = Duration.ofMillis(100);

    private final ObjectMapper json;
    @Nullable
    private final GroupSource groups;
    @Nullable
    private final PostureConfig postureConfig;
    @Nullable
    private final ResilientLookup<DevicePosture> posture;
    @Nullable
    private final MfaProvider mfa;
    @Nullable
    private final LdapGroupsProvider ldap;
    @Nullable
    private final ResilientLookup<ApiKeyIdentity> apiKeys;
    private final Duration wait;

    private record GroupSource(String name, IdentitySource subject, ResilientLookup<SubjectGroups> lookup) {}

    private AttributeProviders(ProvidersConfig config, Clock clock, ObjectMapper json, MeterRegistry registry) {
        this.json = json;
        Duration slowest = Duration.ZERO;
        if (config.ldap() != null) {
            this.ldap = new LdapGroupsProvider(config.ldap());
            this.groups = new GroupSource("ldap", config.ldap().subject(),
                    new ResilientLookup<>("ldap", ldap::fetch, config.ldap().resilience(), clock, registry));
            slowest = max(slowest, config.ldap().resilience().timeout());
        } else if (config.scim() != null) {
            this.ldap = null;
            ScimGroupsProvider scim = new ScimGroupsProvider(config.scim(), json);
            this.groups = new GroupSource("scim", config.scim().subject(),
                    new ResilientLookup<>("scim", scim::fetch, config.scim().resilience(), clock, registry));
            slowest = max(slowest, config.scim().resilience().timeout());
        } else {
            this.ldap = null;
            this.groups = null;
        }
        this.postureConfig = config.posture();
        if (postureConfig != null) {
            PostureProvider p = new PostureProvider(postureConfig, json);
            this.posture = new ResilientLookup<>("posture", p::fetch, postureConfig.resilience(), clock, registry);
            slowest = max(slowest, postureConfig.resilience().timeout());
        } else {
            this.posture = null;
        }
        if (config.mfa() != null) {
            this.mfa = new MfaProvider(config.mfa(), clock, json, registry);
            // a token with an unknown kid may fetch the JWKS twice
            slowest = max(slowest, config.mfa().resilience().timeout().multipliedBy(2));
        } else {
            this.mfa = null;
        }
        if (config.apiKeys() != null) {
            ApiKeyProvider keys = new ApiKeyProvider(config.apiKeys(), json);
            this.apiKeys = new ResilientLookup<>("api_keys", keys::fetch, config.apiKeys().resilience(), clock,
                    registry);
            slowest = max(slowest, config.apiKeys().resilience().timeout());
        } else {
            this.apiKeys = null;
        }
        this.wait = slowest.plus(MARGIN);
    }

    /** The providers of {@code config}, or null when none is configured. */
    @Nullable
    public static AttributeProviders create(ProvidersConfig config, Clock clock, ObjectMapper json,
            MeterRegistry registry) {
        return config.isEmpty() ? null : new AttributeProviders(config, clock, json, registry);
    }

    /** The lookup of each configured provider (its name, breaker state), for status pages and tests. */
    public List<ResilientLookup<?>> lookups() {
        List<ResilientLookup<?>> out = new ArrayList<>();
        if (groups != null) {
            out.add(groups.lookup());
        }
        if (posture != null) {
            out.add(posture);
        }
        if (mfa != null) {
            out.add(mfa.jwksLookup());
        }
        if (apiKeys != null) {
            out.add(apiKeys);
        }
        return out;
    }

    /** {@link #enrich(ObjectNode, String)} for a request without an API key to look up. */
    public ObjectNode enrich(ObjectNode input) {
        return enrich(input, null);
    }

    /**
     * Fills the input from the providers (after {@code input.certificate} is set) and returns what each
     * provider answered, for the decision log: {@code {"groups": {"provider", "status", "cached",
     * "error"?}, "device": …, "mfa": …, "api_key": …}}.
     *
     * @param apiKeySha256 the digest of a presented API key the bundle does not list (lowercase hex), to
     *     look up with the {@code api_keys} provider; null when there is none, or the bundle resolved it
     */
    public ObjectNode enrich(ObjectNode input, @Nullable String apiKeySha256) {
        ObjectNode report = json.createObjectNode();
        CompletableFuture<Lookup<ApiKeyIdentity>> k = apiKeys == null || apiKeySha256 == null ? null
                : apiKeys.get(apiKeySha256);
        CompletableFuture<Lookup<SubjectGroups>> g = null;
        CompletableFuture<Lookup<DevicePosture>> p = null;
        CompletableFuture<MfaProvider.Outcome> m = null;
        String subjectId = null;
        String deviceId = null;
        if (groups != null) {
            subjectId = groups.subject().extract(input);
            g = subjectId == null ? CompletableFuture.completedFuture(Lookup.unavailable(
                    "the input has no subject identity (" + groups.subject().describe() + ")"))
                    : groups.lookup().get(subjectId);
        }
        if (posture != null) {
            deviceId = postureConfig.device().extract(input);
            p = deviceId == null ? CompletableFuture.completedFuture(Lookup.unavailable(
                    "the input has no device identity (" + postureConfig.device().describe() + ")"))
                    : posture.get(deviceId);
        }
        if (mfa != null) {
            JsonNode headers = input.path("request").path("headers");
            JsonNode auth = headers.path("authorization");
            if (headers instanceof ObjectNode h) {
                h.remove("authorization"); // consumed here: neither the policy nor the log sees the token
            }
            JsonNode sha = input.path("certificate").path("sha256");
            m = mfa.evaluate(auth.isTextual() ? auth.asText() : null, sha.isTextual() ? sha.asText() : null);
        }
        await(g, p, m, k);
        if (g != null) {
            applyGroups(input, subjectId, result(g, "groups"), report);
        }
        if (p != null) {
            applyDevice(input, deviceId, result(p, "posture"), report);
        }
        if (m != null) {
            applyMfa(input, m, report);
        }
        if (k != null) {
            applyApiKey(input, result(k, "api_keys"), report);
        }
        return report;
    }

    /**
     * How long a decision resting on this enrichment may be cached: until the verified bearer token
     * expires ({@link Long#MAX_VALUE} without one).
     */
    public static long ttlBound(@Nullable JsonNode report) {
        JsonNode left = report == null ? null : report.path("mfa").get("expires_in_seconds");
        return left != null && left.canConvertToLong() ? left.asLong() : Long.MAX_VALUE;
    }

    private void applyGroups(ObjectNode input, @Nullable String subjectId, Lookup<SubjectGroups> r,
            ObjectNode report) {
        ObjectNode subject = input.get("subject") instanceof ObjectNode s ? s : input.putObject("subject");
        subject.remove("groups");
        if (subjectId != null) {
            subject.put("id", subjectId);
        }
        subject.put("groups_status", r.status().wireName());
        if (r.value() != null) {
            var list = subject.putArray("groups");
            r.value().groups().forEach(list::add);
        }
        ObjectNode line = line(report, "groups", groups.name(), r.status().wireName(), r.cached(), r.error());
        if (r.value() != null && !r.value().found()) {
            line.put("note", "subject " + subjectId + " not found; no groups");
        }
    }

    private void applyDevice(ObjectNode input, @Nullable String deviceId, Lookup<DevicePosture> r,
            ObjectNode report) {
        ObjectNode device = input.putObject("device");
        if (deviceId != null) {
            device.put("id", deviceId);
        }
        device.put("status", r.status().wireName());
        if (r.value() != null) {
            device.set("posture", r.value().posture().deepCopy());
        }
        ObjectNode line = line(report, "device", "posture", r.status().wireName(), r.cached(), r.error());
        if (r.value() != null && !r.value().found()) {
            line.put("note", "device " + deviceId + " is not known to the posture service");
        }
    }

    /**
     * Replaces the bundle's "not valid" verdict by the store's. A failed lookup stays not valid (fail
     * closed) and says {@code status: unavailable}, so the policy can tell an outage from a wrong key.
     */
    private void applyApiKey(ObjectNode input, Lookup<ApiKeyIdentity> r, ObjectNode report) {
        ApiKeyIdentity id = r.value();
        boolean valid = id != null && id.found();
        ObjectNode key = input.putObject("api_key").put("present", true).put("valid", valid);
        if (valid) {
            key.put("client_id", id.clientId()).put("key_id", id.keyId());
        }
        key.put("status", r.status().wireName());
        ObjectNode line = line(report, "api_key", "api_keys", r.status().wireName(), r.cached(), r.error());
        if (id != null && !id.found()) {
            line.put("note", "the key is not known to the store");
        }
    }

    private void applyMfa(ObjectNode input, CompletableFuture<MfaProvider.Outcome> m, ObjectNode report) {
        MfaProvider.Outcome o;
        if (m.isDone() && !m.isCompletedExceptionally()) {
            o = m.join();
        } else {
            ObjectNode none = json.createObjectNode().put("verified", false).put("status", "unavailable");
            o = new MfaProvider.Outcome(none, "unavailable", false, "no answer within " + wait.toMillis() + " ms",
                    null);
        }
        input.set("mfa", o.mfa());
        ObjectNode line = line(report, "mfa", "mfa", o.status(), o.cached(), o.error());
        if (o.expiresInSeconds() != null) {
            line.put("expires_in_seconds", o.expiresInSeconds());
        }
    }

    private ObjectNode line(ObjectNode report, String field, String provider, String status, boolean cached,
            @Nullable String error) {
        ObjectNode line = report.putObject(field).put("provider", provider).put("status", status)
                .put("cached", cached);
        if (error != null) {
            line.put("error", error);
        }
        return line;
    }

    private <T> Lookup<T> result(CompletableFuture<Lookup<T>> f, String what) {
        if (f.isDone() && !f.isCompletedExceptionally()) {
            return f.join();
        }
        return Lookup.unavailable(what + ": no answer within " + wait.toMillis() + " ms");
    }

    private void await(CompletableFuture<?>... futures) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (CompletableFuture<?> f : futures) {
            if (f != null) {
                all.add(f);
            }
        }
        try {
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // lookups never fail; one that has not answered in time reads as unavailable
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    @Override
    public void close() {
        if (ldap != null) {
            ldap.close();
        }
    }
}
