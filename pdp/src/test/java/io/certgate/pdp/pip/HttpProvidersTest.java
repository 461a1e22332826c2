package io.certgate.pdp.pip;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.testdata.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SCIM groups and device posture against real in-process HTTP servers, including broken answers. */
class HttpProvidersTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    /** SCIM answers by the exact filter the server received. */
    static final Map<String, String> users = new ConcurrentHashMap<>();
    static final Map<String, String> devices = new ConcurrentHashMap<>();
    /** These tests look at single answers; the breaker has its own test. */
    static final String NO_BREAKER = "breaker: {minimum_calls: 1000, window_calls: 1000}";
    static ChaosHttpServer scim;
    static ChaosHttpServer posture;

    @BeforeAll
    static void start() throws Exception {
        scim = new ChaosHttpServer((ctx, req) -> {
            String filter = ctx.queryParam("filter");
            if (!ctx.path().equals("/scim/v2/Users") || filter == null) {
                return HttpResponse.of(HttpStatus.NOT_FOUND);
            }
            if (!"Bearer scim-token".equals(req.headers().get("authorization"))) {
                return HttpResponse.of(HttpStatus.UNAUTHORIZED);
            }
            String body = users.getOrDefault(filter, list(0, ""));
            return HttpResponse.of(HttpStatus.OK, MediaType.parse("application/scim+json"), body);
        });
        posture = new ChaosHttpServer((ctx, req) -> {
            String body = devices.get(ctx.path());
            return body == null ? HttpResponse.of(HttpStatus.NOT_FOUND)
                    : HttpResponse.of(HttpStatus.OK, MediaType.JSON, body);
        });
        WebClient.of().get(scim.url() + "/warm-up").aggregate().join(); // cold client stack, not a provider timeout
        users.put("userName eq \"alice\"", list(1, user("alice", "[{\"value\": \"g1\", \"display\": \"platform-admins\"},"
                + " {\"value\": \"g2\", \"display\": \"staff\"}]")));
        users.put("userName eq \"o\\\"brien\"", list(1, user("o\"brien", "[{\"value\": \"g3\", \"display\": \"sre\"}]")));
        users.put("userName eq \"nogroups\"", list(1, "{\"userName\": \"nogroups\"}"));
        users.put("userName eq \"twins\"", list(2, user("twins", "[]") + "," + user("twins", "[]")));
        users.put("userName eq \"other\"", list(1, user("someone-else", "[]")));
        users.put("userName eq \"badgroups\"", list(1, user("badgroups", "[{\"value\": \"g1\"}]")));
        users.put("userName eq \"groupsnotarray\"", list(1, user("groupsnotarray", "\"admins\"")));
        users.put("userName eq \"notalist\"", "{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"]}");
        users.put("userName eq \"badtotal\"", "{\"schemas\": [\"" + LIST + "\"], \"totalResults\": \"1\"}");
        devices.put("/devices/dev-1", "{\"id\": \"dev-1\", \"compliant\": true, \"managed\": true,"
                + " \"os_patch_age_days\": 3, \"custom\": {\"tpm\": true}}");
        devices.put("/devices/dev-2", "{\"compliant\": \"yes\"}");
        devices.put("/devices/dev-3", "[true]");
        devices.put("/devices/dev-4", "{\"id\": \"dev-9\", \"compliant\": true}");
        devices.put("/devices/dev-5", "{\"os_patch_age_days\": -4}");
        devices.put("/devices/a%20b%2Fc", "{\"compliant\": true}");
    }

    @AfterAll
    static void stop() {
        scim.close();
        posture.close();
    }

    @AfterEach
    void normal() {
        scim.mode(ChaosHttpServer.Mode.NORMAL);
        posture.mode(ChaosHttpServer.Mode.NORMAL);
    }

    static String list(int n, String resources) {
        return "{\"schemas\": [\"" + LIST + "\"], \"totalResults\": " + n + ", \"Resources\": [" + resources + "]}";
    }

    static String user(String name, String groups) throws Exception {
        return "{\"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"], \"userName\": "
                + JSON.writeValueAsString(name) + ", \"groups\": " + groups + "}";
    }

    static ResilientLookup<SubjectGroups> scim(MutableClock clock) throws Exception {
        ScimConfig c = PdpConfig.parse("providers:\n  scim: {base_url: '" + scim.url() + "/scim/v2/', token: scim-token,"
                + " timeout_ms: 300, cache: {ttl_seconds: 60, max_stale_seconds: 60}, " + NO_BREAKER + "}\n", "t")
                .providers().scim();
        return new ResilientLookup<>("scim", new ScimGroupsProvider(c, JSON)::fetch, c.resilience(), clock,
                new SimpleMeterRegistry());
    }

    static ResilientLookup<DevicePosture> posture(MutableClock clock) throws Exception {
        PostureConfig c = PdpConfig.parse("providers:\n  posture: {base_url: '" + posture.url() + "', timeout_ms: 300,"
                + " cache: {ttl_seconds: 60, max_stale_seconds: 60}, " + NO_BREAKER + "}\n", "t").providers().posture();
        return new ResilientLookup<>("posture", new PostureProvider(c, JSON)::fetch, c.resilience(), clock,
                new SimpleMeterRegistry());
    }

    static MutableClock clock() {
        return new MutableClock(Instant.parse("2026-03-12T10:00:00Z"));
    }

    @Test
    void scimGroupsByUserNameWithTheFilterValueEscaped() throws Exception {
        ResilientLookup<SubjectGroups> l = scim(clock());
        assertThat(l.get("alice").join().value().groups()).containsExactly("platform-admins", "staff");
        assertThat(l.get("o\"brien").join().value().groups()).containsExactly("sre");
        assertThat(l.get("nogroups").join().value()).isEqualTo(new SubjectGroups(true, java.util.List.of()));
        Lookup<SubjectGroups> unknown = l.get("nobody\" or userName pr or \"").join();
        assertThat(unknown.status()).isEqualTo(LookupStatus.OK);
        assertThat(unknown.value().found()).isFalse();
    }

    @Test
    void malformedScimAnswersAreRejectedWithAReason() throws Exception {
        ResilientLookup<SubjectGroups> l = scim(clock());
        Map<String, String> expected = Map.of(
                "twins", "matched 2 users",
                "other", "is not the one asked for",
                "badgroups", "groups[0] of badgroups has no string display",
                "groupsnotarray", "is not an array",
                "notalist", "not a ListResponse",
                "badtotal", "totalResults");
        expected.forEach((user, reason) -> {
            Lookup<SubjectGroups> r = l.get(user).join();
            assertThat(r.status()).as(user).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(r.value()).as(user).isNull();
            assertThat(r.error()).as(user).contains(reason);
        });
    }

    @Test
    void scimGarbageSlowAndErrorsAreUnavailableCachedAnswersGoStaleAndRecover() throws Exception {
        MutableClock clock = clock();
        ResilientLookup<SubjectGroups> l = scim(clock);
        assertThat(l.get("alice").join().status()).isEqualTo(LookupStatus.OK);
        clock.advance(Duration.ofSeconds(61));
        for (ChaosHttpServer.Mode mode : ChaosHttpServer.Mode.values()) {
            if (mode == ChaosHttpServer.Mode.NORMAL) {
                continue;
            }
            scim.mode(mode);
            Lookup<SubjectGroups> stale = l.get("alice").join();
            assertThat(stale.status()).as(mode.name()).isEqualTo(LookupStatus.STALE);
            assertThat(stale.value().groups()).contains("staff");
            Lookup<SubjectGroups> none = l.get("nogroups").join();
            assertThat(none.status()).as(mode.name()).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(none.error()).as(mode.name()).contains(switch (mode) {
                case SLOW -> "no answer within 300 ms";
                case GARBAGE -> "not JSON";
                default -> "500";
            });
        }
        scim.mode(ChaosHttpServer.Mode.NORMAL);
        assertThat(l.get("alice").join().status()).isEqualTo(LookupStatus.OK);
    }

    @Test
    void postureIsPassedAsIsAfterTypeChecks() throws Exception {
        ResilientLookup<DevicePosture> l = posture(clock());
        Lookup<DevicePosture> ok = l.get("dev-1").join();
        assertThat(ok.status()).isEqualTo(LookupStatus.OK);
        assertThat(ok.value().posture().toString()).isEqualTo("{\"id\":\"dev-1\",\"compliant\":true,\"managed\":true,"
                + "\"os_patch_age_days\":3,\"custom\":{\"tpm\":true}}");
        assertThat(l.get("a b/c").join().value().found()).as("the id is one path segment").isTrue();
        Lookup<DevicePosture> unknown = l.get("dev-404").join();
        assertThat(unknown.status()).isEqualTo(LookupStatus.OK);
        assertThat(unknown.value().found()).isFalse();
        assertThat(unknown.value().posture().isEmpty()).isTrue();
    }

    @Test
    void malformedPostureIsRejectedWithAReason() throws Exception {
        ResilientLookup<DevicePosture> l = posture(clock());
        Map<String, String> expected = Map.of(
                "dev-2", "field compliant of device dev-2 must be a boolean",
                "dev-3", "not a JSON object",
                "dev-4", "the answer is for dev-9",
                "dev-5", "must be a non-negative number");
        expected.forEach((device, reason) -> {
            Lookup<DevicePosture> r = l.get(device).join();
            assertThat(r.status()).as(device).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(r.error()).as(device).contains(reason);
        });
        posture.mode(ChaosHttpServer.Mode.GARBAGE);
        assertThat(l.get("dev-1").join().error()).contains("not JSON");
    }

    @Test
    void postureServerDownThenBack() throws Exception {
        ResilientLookup<DevicePosture> l = posture(clock());
        posture.stop();
        try {
            Lookup<DevicePosture> r = l.get("dev-1").join();
            assertThat(r.status()).isEqualTo(LookupStatus.UNAVAILABLE);
            assertThat(r.error()).isNotBlank();
        } finally {
            posture.start();
        }
        assertThat(l.get("dev-1").join().status()).isEqualTo(LookupStatus.OK);
    }
}
