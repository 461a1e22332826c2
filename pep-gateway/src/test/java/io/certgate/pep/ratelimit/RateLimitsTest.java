package io.certgate.pep.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pep.support.AccessLogCapture;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits in one gateway (buckets in memory), end to end through real TLS and the embedded PDP with
 * the rate-limit test policy: limits from {@code gateway.yaml} before and after the decision, limits
 * from the policy's obligations, report-only, and the 429's headers, body, log line and metric.
 */
class RateLimitsTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    static TestCert partner;
    static TestCert device;
    static AccessLogCapture log;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        partner = e.write(e.pki.partnerClient());
        device = e.write(e.pki.iotDeviceClient());
        String mtls = "{verify: required, ca_file: ca.pem}";
        String pdp = "{mode: embedded, policies: " + policies() + ", entrypoint: rl/authz/decision}";
        port = e.start(E2e.gateway(pdp, "",
                e.service("rl-cert", "cert.example.test", mtls, "{}")
                        + "    rate_limits: {upstream_headers: true, limits: [{name: per-cert, key: cert.sha256, rate: 3,"
                        + " period: 1m}]}\n",
                e.service("rl-report", "report.example.test", mtls, "{}")
                        + "    rate_limits: {mode: report-only, limits: [{name: per-cert, key: cert.sha256, rate: 1,"
                        + " period: 1m}]}\n",
                e.service("rl-route", "route.example.test", mtls, "{}")
                        + "    rate_limits: {limits: [{name: orders-writes, key: client_id+route, rate: 1, period: 1h,"
                        + " when: {methods: [GET], paths: [\"/orders/**\"]}}]}\n",
                e.service("rl-policy", "policy.example.test", mtls, "{}"))).port();
        log = AccessLogCapture.attach(e);
    }

    static Path policies() throws Exception {
        return Path.of(RateLimitsTest.class.getResource("/policies/ratelimit").toURI());
    }

    @AfterAll
    static void stop() {
        log.close();
        e.close();
    }

    private static Resp get(String host, TestCert cert, String path) {
        return E2e.get(e.client(port, host, cert), path);
    }

    @Test
    void overTheLimitIs429WithRetryAfterAndRateLimitHeaders() {
        PrometheusMeterRegistry metrics = e.registry(port);
        for (int i = 0; i < 3; i++) {
            Resp ok = get("cert.example.test", partner, "/x");
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        }
        int upstreamBefore = e.upstream.count();
        log.clear();
        Resp r = get("cert.example.test", partner, "/x");
        assertThat(r.status()).as(r.toString()).isEqualTo(429);
        assertThat(r.field("error_code")).isEqualTo("RATE_LIMITED");
        assertThat(r.header("retry-after")).matches("[1-9][0-9]*");
        assertThat(r.header("ratelimit-policy")).isEqualTo("\"per-cert\";q=3;w=60");
        assertThat(r.header("ratelimit")).matches("\"per-cert\";r=0;t=[1-9][0-9]*");
        assertThat(e.upstream.count()).isEqualTo(upstreamBefore);
        assertThat(log.lines()).anySatisfy(l -> assertThat(l).contains("\"rate_limit\":{\"name\":\"per-cert\"",
                "\"key\":\"" + sha256(partner) + "\"", "\"exceeded\":true", "\"status\":429"));
        assertThat(metrics.scrape()).contains(
                "pep_rate_limited_total{limit=\"per-cert\",outcome=\"rejected\",service=\"rl-cert\"} 1.0");

        // another client's budget is its own
        Resp other = get("cert.example.test", device, "/x");
        assertThat(other.status()).as(other.toString()).isEqualTo(200);
    }

    @Test
    void upstreamSeesTheRemainingBudgetWhenConfigured() {
        TestCert fresh = freshClient("budget-reader");
        Resp ok = get("cert.example.test", fresh, "/x");
        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("ratelimit")).startsWith("\"per-cert\";r=2;t=");
        assertThat(e.upstream.last().get("ratelimit-policy")).isEqualTo("\"per-cert\";q=3;w=60");
    }

    @Test
    void reportOnlyCountsAndLogsButNeverRefuses() {
        for (int i = 0; i < 3; i++) {
            Resp ok = get("report.example.test", partner, "/x");
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        }
        assertThat(e.registry(port).scrape()).contains(
                "pep_rate_limited_total{limit=\"per-cert\",outcome=\"reported\",service=\"rl-report\"} 2.0");
    }

    @Test
    void clientIdAndRouteLimitsApplyAfterTheDecision() {
        assertThat(get("route.example.test", partner, "/orders/1").status()).isEqualTo(200);
        // the same route pattern, the same client: one bucket
        Resp second = get("route.example.test", partner, "/orders/2");
        assertThat(second.status()).as(second.toString()).isEqualTo(429);
        assertThat(second.header("ratelimit-policy")).isEqualTo("\"orders-writes\";q=1;w=3600");
        // outside the limit's paths, and another client id: untouched
        assertThat(get("route.example.test", partner, "/catalog").status()).isEqualTo(200);
        assertThat(get("route.example.test", device, "/orders/1").status()).isEqualTo(200);
    }

    @Test
    void thePolicysObligationLimitsTheClient() {
        assertThat(get("policy.example.test", partner, "/obligated").status()).isEqualTo(200);
        assertThat(get("policy.example.test", partner, "/obligated").status()).isEqualTo(200);
        Resp r = get("policy.example.test", partner, "/obligated");
        assertThat(r.status()).as(r.toString()).isEqualTo(429);
        assertThat(r.header("ratelimit-policy")).isEqualTo("\"class-partner\";q=2;w=60");
        assertThat(r.field("decision_id")).hasSize(36);
        assertThat(get("policy.example.test", device, "/obligated").status()).isEqualTo(200);
    }

    @Test
    void aMalformedObligationIsAPolicyErrorThatFailsClosed() {
        int upstreamBefore = e.upstream.count();
        Resp r = get("policy.example.test", partner, "/malformed");
        assertThat(r.status()).as(r.toString()).isEqualTo(500);
        assertThat(r.field("error_code")).isEqualTo("POLICY_ERROR");
        assertThat(r.field("message")).contains("obligations.rate_limits[0].rate must be an integer in [1, ");
        assertThat(e.upstream.count()).isEqualTo(upstreamBefore);
    }

    private static String sha256(TestCert c) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(c.der()));
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static TestCert freshClient(String cn) {
        try {
            return e.write(e.pki.certificate(cn).c("GB").o("Acme Partners Ltd").cn(cn).clientAuth()
                    .issuedBy(e.pki.intermediateCa()).build());
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
