package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.certgate.pep.support.GatewayHarness;
import io.certgate.testdata.TestCert;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service with {@code crl_distribution_points}: the gateway fetches the intermediate's CRL from the URL in the
 * client certificates (a real Armeria server here) and rejects the revoked one with 23.
 */
class CrlDistributionPointGatewayTest {
    @Test
    void revokedByTheDistributionPointsCrlIsRejectedOthersPass(@TempDir Path tmp) throws Exception {
        AtomicReference<byte[]> published = new AtomicReference<>();
        AtomicInteger fetches = new AtomicInteger();
        Server dp = Server.builder().http(0)
                .service("/intermediate.crl", (ctx, req) -> {
                    fetches.incrementAndGet();
                    return published.get() == null ? HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE)
                            : HttpResponse.of(HttpStatus.OK, MediaType.parse("application/pkix-crl"), published.get());
                })
                .build();
        dp.start().join();
        try (GatewayHarness h = new GatewayHarness(tmp)) {
            String url = "http://127.0.0.1:" + dp.activeLocalPort() + "/intermediate.crl";
            TestCert good = h.pki.crlDpClient("billing-service", h.pki.intermediateCa(), url);
            TestCert revoked = h.pki.crlDpClient("revoked-by-crl", h.pki.intermediateCa(), url);
            published.set(h.pki.crl(h.pki.intermediateCa(), h.pki.now().minus(Duration.ofHours(1)),
                    h.pki.now().plus(Duration.ofDays(1)), revoked.certificate().getSerialNumber()).getEncoded());
            h.start(h.config("{verify: required, ca_file: ca-only.pem, crl_distribution_points: {enabled: true,"
                    + " soft_fail: false, timeout_ms: 5000}}", "{profile: partner}"));

            AggregatedHttpResponse ok = h.client(GatewayHarness.API, good).get("/a").aggregate().join();
            assertThat(ok.status().code()).as(ok.contentUtf8()).isEqualTo(200);
            assertThat(h.upstream.last().get("x-ssl-verify")).isEqualTo("0");

            AggregatedHttpResponse no = h.client(GatewayHarness.API, revoked).get("/a").aggregate().join();
            assertThat(no.status().code()).isEqualTo(401);
            assertThat(no.contentUtf8()).contains("CERT_UNTRUSTED").contains("(23)");
            assertThat(fetches.get()).as("one CRL per issuer and URL").isEqualTo(1);
            assertThat(h.upstream.count()).isEqualTo(1);
            // every CRL metric the shipped alert rules query (deploy/prometheus/alerts.yaml)
            String metrics = WebClient.of("http://127.0.0.1:" + h.gateway().adminPort()).get("/metrics")
                    .aggregate().join().contentUtf8();
            String labels = "{issuer=\"other\",source=\"client_verification_partner-api\"}";
            assertThat(metrics).contains("certgate_crl_next_update_timestamp_seconds" + labels)
                    .contains("certgate_crl_age_seconds" + labels)
                    .contains("certgate_crl_fetch_failures_total" + labels + " 0.0")
                    .contains("certgate_crl_soft_fail_total" + labels + " 0.0");
        } finally {
            dp.stop().join();
        }
    }

    @Test
    void hardFailWithoutAnyCrlIs3(@TempDir Path tmp) throws Exception {
        try (GatewayHarness h = new GatewayHarness(tmp)) {
            h.start(h.config("{verify: required, ca_file: ca-only.pem, crl_distribution_points: {enabled: true,"
                    + " soft_fail: false, timeout_ms: 2000}}", "{profile: partner}"));
            TestCert unreachable = h.pki.crlDpClient("billing-service", h.pki.intermediateCa(),
                    "http://127.0.0.1:9/intermediate.crl");
            AggregatedHttpResponse res = h.client(GatewayHarness.API, unreachable).get("/a").aggregate().join();
            assertThat(res.status().code()).isEqualTo(401);
            assertThat(res.contentUtf8()).contains("(3)");
            assertThat(h.upstream.count()).isZero();
        }
    }
}
