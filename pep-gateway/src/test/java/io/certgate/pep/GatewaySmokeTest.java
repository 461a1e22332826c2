package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pep.support.GatewayHarness;
import io.certgate.pep.support.ShippedQueries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core flows through a real gateway: allow with identity headers, deny, challenge, no certificate. */
class GatewaySmokeTest {
    @TempDir
    static java.nio.file.Path tmp;
    static GatewayHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = new GatewayHarness(tmp);
        h.start(h.config("{verify: required, ca_file: ca-only.pem}", "{profile: partner}"));
    }

    @AfterAll
    static void stop() {
        h.close();
    }

    @BeforeEach
    void reset() {
        h.upstream.reset();
    }

    private static AggregatedHttpResponse get(WebClient c, String path) {
        return c.execute(RequestHeaders.of(HttpMethod.GET, path, "x-ssl-client-cn", "spoofed",
                "x-client-id", "spoofed")).aggregate().join();
    }

    @Test
    void allowedPartnerReachesUpstreamWithIdentityHeadersAndNoSpoofedOnes() {
        AggregatedHttpResponse res = get(h.client(GatewayHarness.API, h.pki.partnerClient()), "/invoices");
        assertThat(res.status().code()).as(res.contentUtf8()).isEqualTo(200);
        assertThat(res.contentUtf8()).isEqualTo("upstream ok");
        RequestHeaders up = h.upstream.last();
        assertThat(up.get("x-ssl-verify")).isEqualTo("0");
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("billing-service");
        assertThat(up.getAll("x-ssl-client-cn")).hasSize(1);
        assertThat(up.get("x-client-id")).isEqualTo("billing-service");
        assertThat(up.getAll("x-client-id")).hasSize(1);
        assertThat(up.get("x-ssl-client-sha1")).matches("[0-9a-f]{40}");
        assertThat(up.get("x-decision-id")).hasSize(36);
    }

    @Test
    void deniedClientNeverReachesUpstream() {
        AggregatedHttpResponse res = get(h.client(GatewayHarness.API, h.pki.iotDeviceClient()), "/x");
        // The device is allowed by CN in the test policy, so use the other CA's client for a deny.
        AggregatedHttpResponse denied = get(h.client(GatewayHarness.API, h.pki.otherCaClient()), "/x");
        assertThat(denied.status().code()).isEqualTo(401);
        assertThat(denied.contentUtf8()).contains("\"error_code\":\"CERT_UNTRUSTED\"").contains("(20)");
        assertThat(res.status().code()).isEqualTo(200);
        assertThat(h.upstream.count()).isEqualTo(1);
    }

    @Test
    void challengeCarriesAStepUpHeader() {
        AggregatedHttpResponse res = get(h.client(GatewayHarness.API, h.pki.partnerClient()), "/mfa");
        assertThat(res.status().code()).isEqualTo(401);
        assertThat(res.headers().get("www-authenticate")).startsWith("Bearer error=\"insufficient_user_authentication\"")
                .contains("acr_values=\"urn:example:mfa\"").contains("max_age=300");
        assertThat(h.upstream.count()).isZero();
    }

    @Test
    void adminPortServesMetricsAndHealth() {
        get(h.client(GatewayHarness.API, h.pki.partnerClient()), "/metrics-check");
        WebClient admin = WebClient.of("http://127.0.0.1:" + h.gateway().adminPort());
        AggregatedHttpResponse health = admin.get("/health").aggregate().join();
        assertThat(health.status().code()).isEqualTo(200);
        assertThat(health.contentUtf8()).contains("\"status\":\"ok\"").contains("embedded");
        String metrics = admin.get("/metrics").aggregate().join().contentUtf8();
        assertThat(metrics).contains("pep_requests_total{effect=\"allow\",service=\"partner-api\"}")
                .contains("pep_client_verify_total{code=\"0\",service=\"partner-api\"}")
                .contains("pep_decision_duration_seconds").contains("pdp_decisions_total")
                .contains("armeria_server_tls_handshakes");
        // configured certificates and the client certificate just seen, labelled by service
        assertThat(metrics).containsPattern("certgate_certificate_expiry_seconds\\{kind=\"ca\",serial=\"[0-9a-f]+\","
                        + "source=\"partner-api\",subject=\"[^\"]+\"\\} [0-9.E]+")
                .contains("certgate_certificate_expiry_seconds{kind=\"server\"")
                .containsPattern("certgate_certificate_expiry_seconds\\{kind=\"client\",serial=\"0?"
                        + h.pki.partnerClient().certificate().getSerialNumber().toString(16) + "\",source=\"partner-api\"");
    }

    @Test
    void missingCertificateIs401AndHostMismatchIs421() {
        AggregatedHttpResponse none = get(h.client(GatewayHarness.API, null), "/x");
        assertThat(none.status().code()).isEqualTo(401);
        assertThat(none.contentUtf8()).contains("CERT_REQUIRED");
        AggregatedHttpResponse mismatch = h.client(GatewayHarness.API, h.pki.partnerClient())
                .execute(RequestHeaders.builder(HttpMethod.GET, "/x").authority(GatewayHarness.OTHER).build())
                .aggregate().join();
        assertThat(mismatch.status().code()).isEqualTo(421);
        assertThat(h.upstream.count()).isZero();
    }

    /** Every metric the shipped Grafana dashboard and alert rules query is one the gateway exports. */
    @Test
    void dashboardAndAlertRulesOnlyQueryExportedMetrics() throws Exception {
        get(h.client(GatewayHarness.API, h.pki.partnerClient()), "/invoices");
        get(h.client(GatewayHarness.API, h.pki.partnerClient()), "/mfa");
        String metrics = WebClient.of("http://127.0.0.1:" + h.gateway().adminPort()).get("/metrics")
                .aggregate().join().contentUtf8();
        java.util.Set<String> queried = ShippedQueries.metricNames();
        // Counted only on failures, which RemotePdpTest and DecisionService tests provoke.
        queried.removeAll(java.util.Set.of("pep_pdp_unavailable_total", "pdp_policy_errors_total"));
        // Exported by services with crl_distribution_points only: CrlDistributionPointGatewayTest checks them.
        queried.removeAll(java.util.Set.of("certgate_crl_next_update_timestamp_seconds",
                "certgate_crl_fetch_failures_total", "certgate_crl_soft_fail_total"));
        // The PDP server's own file watcher (interop.verify_ca_file); an embedded PDP watches no files.
        queried.remove("pdp_tls_reload_failing");
        // Exported by gateways in remote mode (pdp.addresses) only: FleetTest checks them.
        queried.removeIf(name -> name.startsWith("gateway_pdp_"));
        assertThat(queried).contains("pdp_decisions_total", "certgate_certificate_expiry_seconds");
        for (String name : queried) {
            assertThat(metrics).as(name).containsPattern("(?m)^" + name + "[{ ]");
        }
    }
}
