package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway with a real PDP over gRPC ({@link Pdp} + {@link PdpServer} on port 0, same test policy): the
 * same allow / deny / challenge as embedded, and fail-closed (503 PDP_UNAVAILABLE within about the 500 ms
 * timeout) when the PDP is stopped, refuses connections or accepts them and never answers, unless the
 * service opts into {@code on_pdp_unavailable: allow}.
 */
class RemotePdpTest {
    static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Slack over the timeout for scheduling on a busy machine; far below Armeria's 3.2 s connect timeout. */
    static final Duration WITHIN_TIMEOUT = TIMEOUT.plusMillis(1200);

    @TempDir
    static Path tmp;
    static E2e e;
    static Pdp pdp;
    static PrometheusMeterRegistry pdpRegistry;
    static PdpServer pdpServer;
    static ServerSocket blackhole;
    static int live;
    static int refused;
    static int silent;
    static TestCert stranger;
    static TestCert expired;

    static String remote(int pdpPort) {
        return "{mode: remote, address: 127.0.0.1:" + pdpPort + ", timeout_ms: " + TIMEOUT.toMillis()
                + ", entrypoint: gw/authz/decision}";
    }

    static String services() {
        return e.service("closed", "closed.example.test", "{verify: required, ca_file: ca.pem}", "{}")
                + e.service("open", "open.example.test", "{verify: required, ca_file: ca.pem}",
                        "{on_pdp_unavailable: allow}")
                + e.service("lenient", "lenient.example.test",
                        "{verify: optional, ca_file: ca.pem, ca_error_strategy: ignoreAll}", "{}");
    }

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        stranger = e.write(e.pki.certificate("stranger").c("DE").o("Elsewhere Inc").cn("stranger").clientAuth()
                .issuedBy(e.pki.intermediateCa()).build());
        expired = e.pki.expiredClient();
        pdpRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        pdp = Pdp.start(PdpConfig.defaults().withOverrides(0, null, E2e.e2ePolicies(), "gw/authz/decision"),
                pdpRegistry, Clock.systemUTC());
        pdpServer = e.closeLater(new PdpServer(pdp, pdpRegistry).start());
        e.closeLater(pdp);
        blackhole = e.closeLater(new ServerSocket(0)); // accepts TCP connections (kernel backlog), never speaks
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        live = e.start(E2e.gateway(remote(pdpServer.port()), "", services())).port();
        refused = e.start(E2e.gateway(remote(closedPort), "", services())).port();
        silent = e.start(E2e.gateway(remote(blackhole.getLocalPort()), "", services())).port();
        // The PDP's first evaluations are slow (WASM warm-up); let them pass before timing anything.
        WebClient warm = e.client(live, "closed.example.test", e.pki.partnerClient());
        for (int i = 0; i < 20 && E2e.get(warm, "/warm-up").status() != 200; i++) {
            Thread.sleep(100);
        }
        for (int i = 0; i < 5; i++) {
            E2e.get(warm, "/mfa");
            E2e.get(e.client(live, "lenient.example.test", expired), "/echo");
        }
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    // ------------------------------------------------------------------ a live PDP

    @Test
    void allowCarriesTheRemoteDecisionAndObligations() {
        int before = e.upstream.count();
        Resp r = E2e.get(e.client(live, "closed.example.test", e.pki.partnerClient()), "/invoices",
                "x-client-id", "spoofed");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        RequestHeaders up = e.upstream.last();
        assertThat(up.getAll("x-client-id")).containsExactly("billing-service");
        assertThat(up.get("x-roles")).isEqualTo("billing.read");
        assertThat(up.get("x-decision-id")).hasSize(36);
        assertThat(up.get("x-ssl-verify")).isEqualTo("0");
        assertThat(up.get("x-authz-fallback")).isNull();
    }

    @Test
    void denyAndChallengeComeFromTheRemotePdp() {
        int before = e.upstream.count();
        Resp deny = E2e.get(e.client(live, "closed.example.test", stranger), "/invoices");
        assertThat(deny.status()).as(deny.toString()).isEqualTo(403);
        assertThat(deny.field("error_code")).isEqualTo("CLIENT_UNKNOWN");
        assertThat(deny.field("decision_id")).hasSize(36);
        Resp challenge = E2e.get(e.client(live, "closed.example.test", e.pki.partnerClient()), "/mfa");
        assertThat(challenge.status()).isEqualTo(401);
        assertThat(challenge.header("www-authenticate"))
                .startsWith("Bearer error=\"insufficient_user_authentication\"")
                .contains("acr_values=\"urn:example:mfa\"").endsWith("max_age=300");
        Resp untrusted = E2e.get(e.client(live, "closed.example.test", e.pki.otherCaClient()), "/invoices");
        assertThat(untrusted.status()).isEqualTo(401);
        assertThat(untrusted.field("message")).endsWith("(20)");
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void theCertificateAndItsVerifyCodeTravelToTheRemotePdp() {
        Resp r = E2e.get(e.client(live, "lenient.example.test", expired), "/echo");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertThat(up.get("x-ssl-verify")).isEqualTo("10");
        assertThat(up.get("x-pdp-verify-code")).isEqualTo("10");
        assertThat(up.get("x-pdp-verified")).isEqualTo("false");
        assertThat(up.get("x-client-id")).isEqualTo("expired");
        Resp anonymous = E2e.get(e.client(live, "lenient.example.test", null), "/public");
        assertThat(anonymous.status()).as(anonymous.toString()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ no PDP

    private static void assertFailsClosedWithinTheTimeout(int gatewayPort) {
        WebClient c = e.client(gatewayPort, "closed.example.test", e.pki.partnerClient());
        E2e.get(c, "/connect"); // TLS handshake and first PDP attempt out of the measurement
        int before = e.upstream.count();
        long start = System.nanoTime();
        Resp r = E2e.get(c, "/invoices", "x-authz-fallback", "spoofed");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.field("error_code")).isEqualTo("PDP_UNAVAILABLE");
        assertThat(r.field("message"))
                .isEqualTo("the policy decision point is unavailable; access is denied until it answers");
        assertThat(r.field("decision_id")).isEmpty();
        assertThat(took).isLessThan(WITHIN_TIMEOUT);
        assertThat(e.upstream.count()).isEqualTo(before);
        assertThat(e.registry(gatewayPort).get("pep_pdp_unavailable_total").tag("service", "closed")
                .tag("outcome", "deny").counter().count()).isGreaterThanOrEqualTo(2);
    }

    private static void assertFallbackForwards(int gatewayPort) {
        WebClient c = e.client(gatewayPort, "open.example.test", e.pki.partnerClient());
        E2e.get(c, "/connect");
        long start = System.nanoTime();
        Resp r = E2e.get(c, "/invoices", "x-client-id", "spoofed");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(took).isLessThan(WITHIN_TIMEOUT);
        RequestHeaders up = e.upstream.last();
        assertThat(up.getAll("x-authz-fallback")).containsExactly("pdp-unavailable");
        // Verified identity, but no decision: no decision id, no obligations, spoofed copies gone.
        assertThat(up.get("x-ssl-verify")).isEqualTo("0");
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("billing-service");
        assertThat(up.get("x-decision-id")).isNull();
        assertThat(up.get("x-client-id")).isNull();
    }

    @Test
    void aRefusedConnectionFailsClosed() {
        assertFailsClosedWithinTheTimeout(refused);
    }

    @Test
    void aPdpThatNeverAnswersFailsClosedWithinTheTimeout() {
        assertFailsClosedWithinTheTimeout(silent);
    }

    @Test
    void theFallbackForwardsWithAMarkerHeader() {
        assertFallbackForwards(refused);
        assertFallbackForwards(silent);
    }

    @Test
    void theFallbackNeverWaivesCertificateChecks() {
        int before = e.upstream.count();
        Resp none = E2e.get(e.client(silent, "open.example.test", null), "/invoices");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.field("error_code")).isEqualTo("CERT_REQUIRED");
        Resp untrusted = E2e.get(e.client(refused, "open.example.test", e.pki.otherCaClient()), "/invoices");
        assertThat(untrusted.status()).isEqualTo(401);
        assertThat(untrusted.field("error_code")).isEqualTo("CERT_UNTRUSTED");
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void stoppingThePdpFailsClosed() throws Exception {
        // A second server over the same PDP, so the shared one keeps serving the other tests.
        PdpServer second = new PdpServer(pdp, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start();
        int gw;
        try {
            gw = e.start(E2e.gateway(remote(second.port()), "", services())).port();
            WebClient c = e.client(gw, "closed.example.test", e.pki.partnerClient());
            Resp before = E2e.get(c, "/invoices");
            for (int i = 0; i < 10 && before.status() == 503; i++) {
                before = E2e.get(c, "/invoices"); // the new gRPC connection's first call may be slow
            }
            assertThat(before.status()).as(before.toString()).isEqualTo(200);
        } finally {
            second.close();
        }
        int upstreamBefore = e.upstream.count();
        WebClient c = e.client(gw, "closed.example.test", e.pki.partnerClient());
        long start = System.nanoTime();
        Resp after = E2e.get(c, "/invoices");
        assertThat(after.status()).as(after.toString()).isEqualTo(503);
        assertThat(after.field("error_code")).isEqualTo("PDP_UNAVAILABLE");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WITHIN_TIMEOUT.plusSeconds(1));
        assertThat(e.upstream.count()).isEqualTo(upstreamBefore);
        Resp open = E2e.get(e.client(gw, "open.example.test", e.pki.partnerClient()), "/invoices");
        assertThat(open.status()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-authz-fallback")).isEqualTo("pdp-unavailable");
    }
}
