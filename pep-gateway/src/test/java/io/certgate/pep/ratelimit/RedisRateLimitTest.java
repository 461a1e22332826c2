package io.certgate.pep.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.support.AccessLogCapture;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.pep.support.RedisProcess;
import io.certgate.testdata.TestCert;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways sharing one budget per key in a real {@code redis-server}: the accepted total of a client
 * hammering both stays within one budget, and Redis trouble (stopped, or stalled past the deadline by
 * {@code DEBUG SLEEP}) degrades to the local fallback, opens the breaker, and enforcement resumes when it
 * is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisRateLimitTest {
    static final int BUDGET = 30;

    @TempDir
    static Path tmp;
    static E2e e;
    static RedisProcess redis;
    static int a;
    static int b;
    static AccessLogCapture log;

    @BeforeAll
    static void start() throws Exception {
        redis = new RedisProcess(tmp.resolve("redis")).start();
        e = new E2e(tmp);
        a = e.start(config()).port();
        b = e.start(config()).port();
        log = AccessLogCapture.attach(e);
    }

    static String config() {
        return E2e.gateway(E2e.embeddedPdp(),
                "rate_limits: {store: \"" + redis.url() + "\", timeout_ms: 250, breaker_open_ms: 200}",
                e.service("shared", "shared.example.test", "{verify: required, ca_file: ca.pem}", "{}")
                        + "    rate_limits: {on_store_unavailable: local, limits: [{name: per-cert, key: cert.sha256,"
                        + " rate: " + BUDGET + ", period: 1h}]}\n");
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
        e.close();
        redis.close();
    }

    private static double degradedLocally() {
        var counter = e.registry(a).find("pep_rate_limit_degraded_total")
                .tags("fallback", "local", "limit", "per-cert", "service", "shared").counter();
        return counter == null ? 0 : counter.count();
    }

    private static Resp get(int port, TestCert cert) {
        return E2e.get(e.client(port, "shared.example.test", cert), "/echo");
    }

    private static TestCert client(String cn) throws Exception {
        return e.write(e.pki.certificate(cn).c("GB").o("Acme Partners Ltd").cn(cn).clientAuth()
                .issuedBy(e.pki.intermediateCa()).build());
    }

    @Test
    @Order(1)
    void twoGatewaysEnforceOneBudget() throws Exception {
        TestCert hammer = client("hammer");
        TestCert quiet = client("quiet");
        // one connection per gateway, as a client's HTTP/2 pool would keep
        var viaA = e.client(a, "shared.example.test", hammer);
        var viaB = e.client(b, "shared.example.test", hammer);
        int accepted = 0;
        for (int i = 0; i < 3 * BUDGET; i++) {
            Resp r = E2e.get(i % 2 == 0 ? viaA : viaB, "/echo");
            assertThat(r.status()).as(r.toString()).isIn(200, 429);
            accepted += r.status() == 200 ? 1 : 0;
        }
        assertThat(accepted).isBetween((int) (BUDGET * 0.9), (int) Math.ceil(BUDGET * 1.1));
        Resp other = get(b, quiet);
        assertThat(other.status()).as(other.toString()).isEqualTo(200);
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("\"remaining\":" + (BUDGET - 1)));
    }

    @Test
    @Order(2)
    void redisStoppedFallsBackLocallyOpensTheBreakerAndRecovers() throws Exception {
        TestCert c = client("outage");
        // a store call of an earlier test may have timed out on a busy machine and been counted already
        double before = degradedLocally();
        redis.stop();
        try {
            for (int i = 0; i < 10; i++) {
                Resp r = get(a, c);
                assertThat(r.status()).as(r.toString()).isEqualTo(200);
            }
            assertThat(e.registry(a).scrape()).contains("pep_rate_limit_store_breaker_state 2.0");
            assertThat(degradedLocally() - before).as("requests decided by the local fallback").isEqualTo(10.0);
        } finally {
            redis.start();
        }
        awaitEnforcedThroughRedis(a, c);
    }

    @Test
    @Order(3)
    void redisSlowerThanTheDeadlineIsTheSame() throws Exception {
        TestCert c = client("stall");
        CompletableFuture<String> sleep = CompletableFuture.supplyAsync(() -> {
            try {
                return redis.command("DEBUG", "SLEEP", "3");
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
        log.clear();
        // requests keep flowing within the deadline while Redis stalls
        int degraded = 0;
        while (!sleep.isDone()) {
            Resp r = get(b, c);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            degraded = (int) log.lines().stream().filter(l -> l.contains("\"degraded\":true")).count();
        }
        assertThat(sleep.join()).contains("OK");
        assertThat(degraded).isPositive();
        awaitEnforcedThroughRedis(b, c);
    }

    /** Sends requests until one is counted in Redis again (the breaker let a probe through and it worked). */
    private static void awaitEnforcedThroughRedis(int port, TestCert c) {
        for (int i = 0; i < 2_000; i++) {
            log.clear();
            Resp r = get(port, c);
            assertThat(r.status()).isIn(200, 429);
            if (log.lines().stream().anyMatch(l -> l.contains("\"rate_limit\"") && !l.contains("\"degraded\""))) {
                return;
            }
        }
        throw new AssertionError("enforcement through Redis did not resume");
    }

    @Test
    void anUnreachableStoreIsAnErrorAtStart() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String yaml = config().replace(redis.url(), "redis://127.0.0.1:" + closed);
        GatewayConfig cfg = GatewayConfig.parse(yaml, "gateway.yaml", tmp);
        assertThatThrownBy(() -> new GatewayServer(cfg, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rate_limits.store: cannot connect to redis://127.0.0.1:" + closed);
    }
}
