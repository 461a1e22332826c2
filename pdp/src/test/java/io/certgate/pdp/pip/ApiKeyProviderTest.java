package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.testdata.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** API keys from an HTTP key store, asked by digest, against a real in-process server that can break. */
class ApiKeyProviderTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ACME = "a".repeat(64);
    static final String UNKNOWN = "b".repeat(64);
    /** Answers by request path; the server also records every path it was asked for. */
    static final Map<String, String> keys = new ConcurrentHashMap<>();
    static final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    static ChaosHttpServer store;

    @BeforeAll
    static void start() throws Exception {
        store = new ChaosHttpServer((ctx, req) -> {
            asked.add(ctx.path());
            if (!"Bearer store-token".equals(req.headers().get("authorization"))) {
                return HttpResponse.of(HttpStatus.UNAUTHORIZED);
            }
            String body = keys.get(ctx.path());
            return body == null ? HttpResponse.of(HttpStatus.NOT_FOUND)
                    : HttpResponse.of(HttpStatus.OK, MediaType.JSON, body);
        });
        WebClient.of().get(store.url() + "/warm-up").aggregate().join(); // cold client stack, not a timeout
        keys.put("/keys/api-keys/" + ACME, "{\"client_id\": \"acme\", \"key_id\": \"acme-2025\", \"owner\": \"x\"}");
        keys.put("/keys/api-keys/" + "1".repeat(64), "{\"client_id\": \"acme\"}");
        keys.put("/keys/api-keys/" + "2".repeat(64), "{\"client_id\": 7, \"key_id\": \"k\"}");
        keys.put("/keys/api-keys/" + "3".repeat(64), "[\"acme\"]");
        keys.put("/keys/api-keys/" + "4".repeat(64),
                "{\"client_id\": \"acme\", \"key_id\": \"k\", \"sha256\": \"" + "5".repeat(64) + "\"}");
    }

    @AfterAll
    static void stop() {
        store.close();
    }

    @AfterEach
    void normal() {
        store.mode(ChaosHttpServer.Mode.NORMAL);
    }

    static String yaml(String token) {
        return "providers:\n  api_keys: {base_url: '" + store.url() + "/keys/', token: " + token + ", timeout_ms: 300,"
                + " cache: {ttl_seconds: 60, max_stale_seconds: 60},"
                + " breaker: {minimum_calls: 1000, window_calls: 1000}}\n";
    }

    static ResilientLookup<ApiKeyIdentity> lookup(MutableClock clock, String token) throws Exception {
        ApiKeysConfig c = PdpConfig.parse(yaml(token), "t").providers().apiKeys();
        return new ResilientLookup<>("api_keys", new ApiKeyProvider(c, JSON)::fetch, c.resilience(), clock,
                new SimpleMeterRegistry());
    }

    static MutableClock clock() {
        return new MutableClock(Instant.parse("2026-03-12T10:00:00Z"));
    }

    @Test
    void aRegisteredKeyIsItsClientAndKeyIdAndAnUnknownOneIsNotFound() throws Exception {
        ResilientLookup<ApiKeyIdentity> l = lookup(clock(), "store-token");
        Lookup<ApiKeyIdentity> acme = l.get(ACME).join();
        assertThat(acme.status()).isEqualTo(LookupStatus.OK);
        assertThat(acme.value()).isEqualTo(new ApiKeyIdentity(true, "acme", "acme-2025"));
        Lookup<ApiKeyIdentity> unknown = l.get(UNKNOWN).join();
        assertThat(unknown.status()).isEqualTo(LookupStatus.OK);
        assertThat(unknown.value().found()).isFalse();
        assertThat(asked).contains("/keys/api-keys/" + ACME);
    }

    @Test
    void malformedAnswersAndRefusedCredentialsAreUnavailableWithAReasonThatHidesTheDigest() throws Exception {
        ResilientLookup<ApiKeyIdentity> l = lookup(clock(), "store-token");
        Map<String, String> expected = Map.of(
                "1".repeat(64), "field key_id of the answer for key sha256:11111111… must be a non-empty string,"
                        + " got nothing",
                "2".repeat(64), "field client_id of the answer for key sha256:22222222… must be a non-empty string,"
                        + " got 7",
                "3".repeat(64), "is not a JSON object",
                "4".repeat(64), "the answer is for another key");
        expected.forEach((digest, reason) -> {
            Lookup<ApiKeyIdentity> r = l.get(digest).join();
            assertThat(r.status()).as(digest).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(r.value()).as(digest).isNull();
            assertThat(r.error()).as(digest).contains(reason).doesNotContain(digest);
        });
        Lookup<ApiKeyIdentity> refused = lookup(clock(), "wrong-token").get(ACME).join();
        assertThat(refused.status()).isEqualTo(LookupStatus.UNAVAILABLE);
        assertThat(refused.error()).contains("answered 401 Unauthorized");
    }

    @Test
    void slowBrokenOrDownStoresAreUnavailableAndKnownKeysGoStale() throws Exception {
        MutableClock clock = clock();
        ResilientLookup<ApiKeyIdentity> l = lookup(clock, "store-token");
        assertThat(l.get(ACME).join().status()).isEqualTo(LookupStatus.OK);
        clock.advance(Duration.ofSeconds(61));
        for (ChaosHttpServer.Mode mode : List.of(ChaosHttpServer.Mode.SLOW, ChaosHttpServer.Mode.GARBAGE,
                ChaosHttpServer.Mode.ERROR)) {
            store.mode(mode);
            Lookup<ApiKeyIdentity> stale = l.get(ACME).join();
            assertThat(stale.status()).as(mode.name()).isEqualTo(LookupStatus.STALE);
            assertThat(stale.value().clientId()).isEqualTo("acme");
            Lookup<ApiKeyIdentity> none = l.get(UNKNOWN).join();
            assertThat(none.status()).as(mode.name()).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(none.error()).as(mode.name()).contains(switch (mode) {
                case SLOW -> "no answer within 300 ms";
                case GARBAGE -> "not JSON";
                default -> "500";
            });
        }
        store.mode(ChaosHttpServer.Mode.NORMAL);
        store.stop();
        try {
            assertThat(l.get(UNKNOWN).join().status()).isEqualTo(LookupStatus.UNAVAILABLE);
        } finally {
            store.start();
        }
        assertThat(l.get(ACME).join().status()).isEqualTo(LookupStatus.OK);
    }

    @Test
    void theProvidersAnswerReplacesTheBundlesVerdictAndIsReportedForTheDecisionLog() throws Exception {
        try (AttributeProviders p = AttributeProviders.create(PdpConfig.parse(yaml("store-token"), "t").providers(),
                clock(), JSON, new SimpleMeterRegistry())) {
            ObjectNode input = (ObjectNode) JSON.readTree("{\"api_key\": {\"present\": true, \"valid\": false}}");
            ObjectNode report = p.enrich(input, ACME);
            assertThat(input.get("api_key").toString()).isEqualTo("{\"present\":true,\"valid\":true,"
                    + "\"client_id\":\"acme\",\"key_id\":\"acme-2025\",\"status\":\"ok\"}");
            assertThat(report.get("api_key").toString())
                    .isEqualTo("{\"provider\":\"api_keys\",\"status\":\"ok\",\"cached\":false}");

            ObjectNode unknown = (ObjectNode) JSON.readTree("{\"api_key\": {\"present\": true, \"valid\": false}}");
            assertThat(p.enrich(unknown, UNKNOWN).path("api_key").path("note").asText()).contains("not known");
            assertThat(unknown.get("api_key").toString()).isEqualTo("{\"present\":true,\"valid\":false,\"status\":\"ok\"}");

            store.mode(ChaosHttpServer.Mode.ERROR);
            ObjectNode down = (ObjectNode) JSON.readTree("{\"api_key\": {\"present\": true, \"valid\": false}}");
            ObjectNode failed = p.enrich(down, "c".repeat(64));
            assertThat(down.get("api_key").toString())
                    .isEqualTo("{\"present\":true,\"valid\":false,\"status\":\"unavailable\"}");
            assertThat(failed.path("api_key").path("status").asText()).isEqualTo("unavailable");
            assertThat(failed.path("api_key").path("error").asText()).contains("500");

            ObjectNode none = (ObjectNode) JSON.readTree("{\"api_key\": {\"present\": true, \"valid\": true}}");
            assertThat(p.enrich(none, null).has("api_key")).as("no digest, no lookup").isFalse();
            assertThat(none.get("api_key").toString()).isEqualTo("{\"present\":true,\"valid\":true}");
        }
    }

    @Test
    void configErrorsNameTheirPath() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> PdpConfig.parse(
                "providers:\n  api_keys: {base_url: 'ftp://x', timeout_ms: 0, colour: red}\n", "pdp.yaml")))
                .hasMessageContaining("providers.api_keys.base_url")
                .hasMessageContaining("providers.api_keys.timeout_ms")
                .hasMessageContaining("providers.api_keys.colour");
    }
}
