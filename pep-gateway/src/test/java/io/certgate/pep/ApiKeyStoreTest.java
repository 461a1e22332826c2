package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * API keys kept in an external store, end to end with the reference policy: a real gateway with an embedded
 * PDP whose {@code api_keys} provider asks an in-process Armeria key store by digest; the bundle's
 * {@code data.json} lists one key too.
 */
class ApiKeyStoreTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BUNDLE_KEY = "k-acme-bundle-0123456789";
    static final String STORE_KEY = "k-acme-store-9876543210";
    static final String BETA_STORE_KEY = "k-beta-store-5555555555";
    static final String ORDERS = "orders.example.test";

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    static Server store;
    static int storePort;
    static volatile boolean slow;
    /** The store's keys by digest, and every path it was asked for. */
    static final Map<String, String> keys = new ConcurrentHashMap<>();
    static final List<String> asked = new CopyOnWriteArrayList<>();
    static final List<ILoggingEvent> decisions = new CopyOnWriteArrayList<>();
    /** Decision log lines there were before the last request. */
    static volatile int linesBefore;
    static ch.qos.logback.core.AppenderBase<ILoggingEvent> appender;

    @BeforeAll
    static void start() throws Exception {
        Files.createDirectories(tmp.resolve("gw"));
        e = new E2e(tmp.resolve("gw"));
        keys.put(sha256(STORE_KEY), "{\"client_id\": \"acme\", \"key_id\": \"acme-store-1\"}");
        keys.put(sha256(BETA_STORE_KEY), "{\"client_id\": \"beta\", \"key_id\": \"beta-store-1\"}");
        // the store also claims the bundle's key, for another client: the bundle's entry must win
        keys.put(sha256(BUNDLE_KEY), "{\"client_id\": \"beta\", \"key_id\": \"hijack\"}");
        try (ServerSocket s = new ServerSocket(0)) {
            storePort = s.getLocalPort();
        }
        startStore();
        Path policies = tmp.resolve("policies");
        ApiKeyMigrationTest.copyPolicies(policies);
        Files.writeString(policies.resolve("data.json"), """
                {"mtls": {
                  "issuers": {"test-ca": {"ca_sha256": ["%s"]}},
                  "clients": {
                    "acme": {"match": {"cn": "billing-service"}, "profiles": ["partner"], "roles": ["orders.read"],
                             "migrating": true},
                    "beta": {"match": {"cn": "nobody"}, "profiles": ["partner"], "migrating": false}
                  },
                  "services": {"partner-orders": {"verify": "optional", "accept_api_keys": true, "profile": "partner"}},
                  "api_keys": {"acme-bundle": {"sha256": "%s", "client": "acme"}}
                }}""".formatted(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(e.pki.intermediateCa().certificate().getEncoded())), sha256(BUNDLE_KEY)));
        String pdp = "{mode: embedded, policies: " + policies + ", cache_size: 0, providers: {api_keys: {base_url: "
                + "'http://127.0.0.1:" + storePort + "/v1', timeout_ms: 300, cache: {ttl_seconds: 300},"
                + " breaker: {minimum_calls: 1000, window_calls: 1000}}}}";
        port = e.start(E2e.gateway(pdp, "", """
                  - name: partner-orders
                    sni: [%s]
                    server_cert: wild-server-chain.pem
                    server_key: wild-server.key
                    mtls: {verify: optional, ca_file: ca.pem}
                    upstream: {url: "%s"}
                    policy: {profile: partner}
                    api_keys: {}
                """.formatted(ORDERS, e.upstream.url()))).port();
        appender = new ch.qos.logback.core.AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                synchronized (decisions) {
                    decisions.add(event);
                    decisions.notifyAll();
                }
            }
        };
        appender.start();
        ((Logger) LoggerFactory.getLogger("certgate.decisions")).addAppender(appender);
    }

    private static void startStore() {
        store = Server.builder().http(storePort).gracefulShutdownTimeoutMillis(0, 0)
                .service("prefix:/v1/api-keys/", (ctx, req) -> {
                    asked.add(ctx.path());
                    String body = keys.get(ctx.path().substring("/v1/api-keys/".length()));
                    HttpResponse r = body == null ? HttpResponse.of(HttpStatus.NOT_FOUND)
                            : HttpResponse.of(HttpStatus.OK, MediaType.JSON, body);
                    return slow ? HttpResponse.delayed(r, Duration.ofSeconds(2)) : r;
                }).build();
        store.start().join();
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger("certgate.decisions")).detachAppender(appender);
        e.close();
        store.stop().join();
    }

    @BeforeEach
    void reset() {
        e.upstream.reset();
        slow = false;
    }

    private static Resp withKey(String key) {
        linesBefore = decisions.size();
        return E2e.get(e.client(port, ORDERS, null), "/orders", "x-api-key", key);
    }

    @Test
    void aKeyFromTheStoreIdentifiesItsClientAndOnlyItsDigestLeavesTheGateway() {
        Resp r = withKey(STORE_KEY);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-client-id")).isEqualTo("acme");
        assertThat(e.upstream.last().contains("x-api-key")).isFalse();
        assertThat(asked).contains("/v1/api-keys/" + sha256(STORE_KEY)).noneMatch(p -> p.contains(STORE_KEY));
        JsonNode line = lastDecision();
        assertThat(line.at("/input/api_key").toString()).isEqualTo("{\"present\":true,\"valid\":true,"
                + "\"client_id\":\"acme\",\"key_id\":\"acme-store-1\",\"status\":\"ok\"}");
        assertThat(line.at("/providers/api_key/status").asText()).isEqualTo("ok");
        assertThat(decisions).noneMatch(l -> l.getFormattedMessage().contains(sha256(STORE_KEY))
                || l.getFormattedMessage().contains(STORE_KEY));
    }

    @Test
    void theBundlesEntryWinsAndTheStoreIsNotAsked() {
        Resp r = withKey(BUNDLE_KEY);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-client-id")).isEqualTo("acme");
        assertThat(asked).noneMatch(p -> p.endsWith(sha256(BUNDLE_KEY)));
        assertThat(lastDecision().at("/input/api_key/key_id").asText()).isEqualTo("acme-bundle");
    }

    @Test
    void storeKeysOfUnknownOrNonMigratingClientsAreDenied() {
        Resp unknown = withKey("k-guessed-from-nowhere");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.field("error_code")).isEqualTo("API_KEY_INVALID");
        assertThat(lastDecision().at("/providers/api_key/note").asText()).contains("not known to the store");
        Resp beta = withKey(BETA_STORE_KEY);
        assertThat(beta.status()).isEqualTo(403);
        assertThat(beta.field("error_code")).isEqualTo("CLIENT_NOT_MIGRATING");
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void aSlowOrDownStoreFailsClosedAndTheDecisionLogSaysWhy() {
        slow = true;
        Resp r = withKey("k-first-seen-while-slow");
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.field("error_code")).isEqualTo("API_KEY_UNAVAILABLE");
        JsonNode line = lastDecision();
        assertThat(line.at("/input/api_key").toString())
                .isEqualTo("{\"present\":true,\"valid\":false,\"status\":\"unavailable\"}");
        assertThat(line.at("/providers/api_key/error").asText()).isEqualTo("no answer within 300 ms");
        slow = false;

        store.stop().join();
        try {
            Resp down = withKey("k-first-seen-while-down");
            assertThat(down.status()).as(down.toString()).isEqualTo(401);
            assertThat(down.field("error_code")).isEqualTo("API_KEY_UNAVAILABLE");
            assertThat(lastDecision().at("/providers/api_key/status").asText()).isEqualTo("unavailable");
        } finally {
            startStore();
        }
        assertThat(e.upstream.count()).isZero();
    }

    /** The newest decision log line with an api_key from the last request (written asynchronously: waits for it). */
    private static JsonNode lastDecision() {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        synchronized (decisions) {
            while (decisions.subList(linesBefore, decisions.size()).stream()
                    .noneMatch(l -> l.getFormattedMessage().contains("\"api_key\""))
                    && System.nanoTime() < deadline) {
                try {
                    decisions.wait(1000);
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
        for (int i = decisions.size() - 1; i >= linesBefore; i--) {
            String m = decisions.get(i).getFormattedMessage();
            if (m.contains("\"api_key\"")) {
                try {
                    return JSON.readTree(m);
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            }
        }
        throw new AssertionError("no decision log line with an api_key");
    }

    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
