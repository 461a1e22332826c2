package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.testdata.MutableClock;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateExpiryMetricsTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final TestPki PKI = TestPki.create(NOW);

    private final MutableClock clock = new MutableClock(NOW);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CertificateIdentities identities = new CertificateIdentities(clock, 100);

    @Test
    void configuredCertificatesReportSecondsUntilNotAfterAndGoNegativeOnceExpired() {
        CertificateExpiryMetrics expiry = new CertificateExpiryMetrics(registry, clock);
        expiry.watch("ca", "partner-api", List.of(PKI.rootCa().certificate(), PKI.intermediateCa().certificate()));

        Instant rootNotAfter = PKI.rootCa().certificate().getNotAfter().toInstant();
        Gauge root = gauge("ca", subjectCn(PKI.rootCa().certificate()));
        assertThat(root.value()).isEqualTo(Duration.between(NOW, rootNotAfter).toSeconds());

        clock.advance(Duration.between(NOW, rootNotAfter).plusDays(2));
        assertThat(root.value()).isEqualTo(-Duration.ofDays(2).toSeconds());
        assertThat(registry.find(CertificateExpiryMetrics.METRIC).tag("kind", "ca").gauges()).hasSize(2);
    }

    @Test
    void watchingTheSameCertificateTwiceKeepsOneSeries() {
        CertificateExpiryMetrics expiry = new CertificateExpiryMetrics(registry, clock);
        expiry.watch("server", "a", List.of(PKI.server().certificate()));
        expiry.watch("server", "a", List.of(PKI.server().certificate()));
        assertThat(registry.find(CertificateExpiryMetrics.METRIC).gauges()).hasSize(1);
    }

    @Test
    void seenClientCertificatesAreLabelledByServiceAndDropOutAfterTheirQuietPeriod() throws Exception {
        CertificateExpiryMetrics expiry = new CertificateExpiryMetrics(registry, clock, Duration.ofHours(1), 100);
        CertificateIdentity partner = identities.identify(PKI.partnerClient().chainDer());
        expiry.seen("partner-api", partner);
        expiry.seen("partner-api", partner);

        Gauge g = registry.get(CertificateExpiryMetrics.METRIC).tag("kind", "client").tag("source", "partner-api")
                .tag("serial", partner.serial()).gauge();
        assertThat(g.value()).isEqualTo(Duration.between(NOW, partner.notAfter()).toSeconds());
        assertThat(g.getId().getTag("subject")).isEqualTo(partner.cn());

        clock.advance(Duration.ofMinutes(59));
        expiry.seen("partner-api", partner); // a request renews the series
        clock.advance(Duration.ofMinutes(61));
        expiry.cleanUp();
        assertThat(registry.find(CertificateExpiryMetrics.METRIC).gauges()).isEmpty();
    }

    @Test
    void theNumberOfClientSeriesIsBounded() throws Exception {
        CertificateExpiryMetrics expiry = new CertificateExpiryMetrics(registry, clock, Duration.ofHours(1), 2);
        expiry.seen("svc", identities.identify(PKI.partnerClient().chainDer()));
        expiry.seen("svc", identities.identify(PKI.iotDeviceClient().chainDer()));
        expiry.seen("svc", identities.identify(PKI.revokedClient().chainDer()));
        expiry.cleanUp();
        assertThat(registry.find(CertificateExpiryMetrics.METRIC).gauges()).hasSize(2);
    }

    private Gauge gauge(String kind, String subject) {
        return registry.get(CertificateExpiryMetrics.METRIC).tag("kind", kind).tag("subject", subject).gauge();
    }

    private static String subjectCn(java.security.cert.X509Certificate c) {
        return CertificateIdentities.values(org.bouncycastle.asn1.x500.X500Name.getInstance(
                c.getSubjectX500Principal().getEncoded()), org.bouncycastle.asn1.x500.style.BCStyle.CN).get(0);
    }
}
