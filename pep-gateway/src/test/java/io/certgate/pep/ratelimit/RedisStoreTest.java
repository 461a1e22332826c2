package io.certgate.pep.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.pep.GatewayServer;
import io.certgate.pep.config.ConfigFilesCheck;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.support.AccessLogCapture;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.pep.support.RedisProcess;
import io.certgate.testdata.TestCert;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared store's connection settings with real {@code redis-server}s: a password read from the environment
 * ({@code password_env} against {@code requirepass}), {@code rediss://} verified against {@code ca_file}
 * (Redis's own TLS port, a certificate from the test PKI), the {@code deny} and {@code allow} fallbacks while
 * Redis is down, and each mistake (wrong or missing password, untrusted server certificate, plain client on
 * a TLS port) as a located error at start and from {@code config check}.
 */
class RedisStoreTest {
    /** Set for the tests by the build (pom.xml, surefire), as an operator would set it. */
    static final String PASSWORD_ENV = "CERTGATE_TEST_REDIS_PASSWORD";

    @TempDir
    static Path tmp;
    static E2e e;
    static RedisProcess withPassword;
    static RedisProcess withTls;
    static RedisProcess outage;
    static int passwordGateway;
    static int tlsGateway;
    static int outageGateway;
    static AccessLogCapture log;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        log = AccessLogCapture.attach(e);
        String password = System.getenv(PASSWORD_ENV);
        assertThat(password).as(PASSWORD_ENV + " (set by surefire in pep-gateway/pom.xml)").isNotBlank();
        withPassword = new RedisProcess(tmp.resolve("redis-password")).requirePass(password).start();
        TestCert server = e.write(e.pki.certificate("redis-tls").cn("127.0.0.1").ip("127.0.0.1").dns("localhost")
                .serverAuth().issuedBy(e.pki.rootCa()).validity(Duration.ofDays(-1), Duration.ofDays(30)).build());
        withTls = new RedisProcess(tmp.resolve("redis-tls"))
                .tls(Path.of(e.file("redis-tls.pem")), Path.of(e.keyFile(server)), Path.of(e.file("ca.pem"))).start();
        outage = new RedisProcess(tmp.resolve("redis-outage")).start();
        e.write(e.pki.otherCa());

        passwordGateway = e.start(gateway("{store: \"" + withPassword.url() + "\", password_env: " + PASSWORD_ENV + ", timeout_ms: 5000}",
                limited("pw", "deny", 2))).port();
        tlsGateway = e.start(gateway("{store: \"" + withTls.url() + "\", ca_file: ca.pem, timeout_ms: 5000}",
                limited("tls", "deny", 2)))
                .port();
        outageGateway = e.start(gateway("{store: \"" + outage.url() + "\", timeout_ms: 250, breaker_open_ms: 200}",
                limited("fallback-deny", "deny", 1), limited("fallback-allow", "allow", 1))).port();
    }

    @AfterAll
    static void stop() throws Exception {
        log.close();
        e.close();
        for (RedisProcess r : new RedisProcess[] {withPassword, withTls, outage}) {
            if (r != null) {
                r.close();
            }
        }
    }

    static String gateway(String store, String... services) {
        return E2e.gateway(E2e.embeddedPdp(), "rate_limits: " + store, services);
    }

    /** A service on {@code NAME.example.test}, {@code budget} requests per hour per certificate. */
    static String limited(String name, String fallback, int budget) {
        return e.service(name, name + ".example.test", "{verify: required, ca_file: ca.pem}", "{}")
                + "    rate_limits: {on_store_unavailable: " + fallback + ", limits: [{name: per-cert, key: cert.sha256,"
                + " rate: " + budget + ", period: 1h}]}\n";
    }

    private static Resp get(int port, String service, TestCert cert) {
        return E2e.get(e.client(port, service + ".example.test", cert), "/echo");
    }

    private static TestCert client(String cn) throws Exception {
        return e.write(e.pki.certificate(cn).c("GB").o("Acme Partners Ltd").cn(cn).clientAuth()
                .issuedBy(e.pki.intermediateCa()).build());
    }

    /**
     * Spends a budget of 2 through a store whose service falls back to deny (with a deadline generous enough for
     * a loaded machine): had the store not answered, the
     * requests would be 503s, so two 200s and a 429 counted in Redis prove the connection works.
     */
    private static void spendsItsBudgetThroughRedis(int port, String service) throws Exception {
        TestCert c = client(service + "-client");
        log.clear();
        for (int i = 0; i < 2; i++) {
            Resp ok = get(port, service, c);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        }
        Resp over = get(port, service, c);
        assertThat(over.status()).as(over.toString()).isEqualTo(429);
        assertThat(over.field("error_code")).isEqualTo("RATE_LIMITED");
        assertThat(log.lines()).noneSatisfy(l -> assertThat(l).contains("\"degraded\""));
        assertThat(e.registry(port).scrape()).doesNotContain("pep_rate_limit_store_errors_total{");
    }

    @Test
    void thePasswordComesFromTheEnvironment() throws Exception {
        spendsItsBudgetThroughRedis(passwordGateway, "pw");
        assertThat(withPassword.command("KEYS", "certgate:rl:per-cert:*")).contains("certgate:rl:per-cert:2/3600000ms/2:");
    }

    @Test
    void redissVerifiesTheServerAgainstTheCaFile() throws Exception {
        spendsItsBudgetThroughRedis(tlsGateway, "tls");
    }

    @Test
    void redisDownUnderDenyIs503AndUnderAllowLetsEverythingThrough() throws Exception {
        TestCert c = client("fallback-client");
        outage.stop();
        try {
            int upstreamBefore = e.upstream.count();
            Resp denied = get(outageGateway, "fallback-deny", c);
            assertThat(denied.status()).as(denied.toString()).isEqualTo(503);
            assertThat(denied.field("error_code")).isEqualTo("RATE_LIMIT_UNAVAILABLE");
            assertThat(e.upstream.count()).isEqualTo(upstreamBefore);
            // a budget of 1, and three requests pass: nothing is counted while the store is down
            for (int i = 0; i < 3; i++) {
                Resp allowed = get(outageGateway, "fallback-allow", c);
                assertThat(allowed.status()).as(allowed.toString()).isEqualTo(200);
            }
            assertThat(e.upstream.count()).isEqualTo(upstreamBefore + 3);
            assertThat(e.registry(outageGateway).scrape())
                    .containsPattern("pep_rate_limit_degraded_total\\{fallback=\"deny\",limit=\"per-cert\",service=\"fallback-deny\"} 1.0")
                    .containsPattern("pep_rate_limit_degraded_total\\{fallback=\"allow\",limit=\"per-cert\",service=\"fallback-allow\"} 3.0");
        } finally {
            outage.start();
        }
    }

    // ------------------------------------------------------------------ mistakes, at start and in config check

    private static void failsToStart(String store, String... causes) throws Exception {
        GatewayConfig cfg = GatewayConfig.parse(gateway(store, limited("any", "local", 1)), "gateway.yaml", tmp);
        assertThatThrownBy(() -> new GatewayServer(cfg, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Clock.systemUTC()))
                .isInstanceOf(StoreConnectException.class)
                .hasMessageStartingWith("rate_limits.store: cannot connect to ")
                .hasMessageContainingAll(causes);
        assertThat(ConfigFilesCheck.check(cfg, Instant.now()))
                .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                .startsWith("rate_limits.store: cannot connect to ")
                .contains(causes);
    }

    @Test
    void aWrongPasswordIsAnErrorAtStart() throws Exception {
        failsToStart("{store: \"" + withPassword.url() + "\", password: not-the-password}", withPassword.url(),
                "WRONGPASS");
    }

    @Test
    void aMissingPasswordIsAnErrorAtStart() throws Exception {
        failsToStart("{store: \"" + withPassword.url() + "\"}", withPassword.url(), "NOAUTH");
    }

    @Test
    void aServerCertificateOutsideTheCaFileIsAnErrorAtStart() throws Exception {
        failsToStart("{store: \"" + withTls.url() + "\", ca_file: other-ca.pem}", withTls.url(),
                "PKIX path building failed");
    }

    @Test
    void plainRedisOnATlsPortIsAnErrorAtStart() throws Exception {
        failsToStart("{store: \"" + withTls.url().replace("rediss:", "redis:") + "\", timeout_ms: 1000}",
                withTls.url().replace("rediss:", "redis:"));
    }

    @Test
    void aReachableStorePassesConfigCheck() throws Exception {
        GatewayConfig cfg = GatewayConfig.parse(gateway("{store: \"" + withTls.url() + "\", ca_file: ca.pem}",
                limited("any", "local", 1)), "gateway.yaml", tmp);
        assertThat(ConfigFilesCheck.check(cfg, Instant.now())).isEmpty();
    }
}
