package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import io.certgate.testdata.MutableClock;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CrlDistributionPoints} through {@link ClientCertificateVerifier}, against a real Armeria HTTP server
 * publishing the intermediate's CRL at the URL the client certificates name in their cRLDistributionPoints.
 * Time is a {@link MutableClock}; refreshes are triggered explicitly.
 */
class CrlDistributionPointsTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final String ISSUER_LABEL = "CN=Certgate Test Issuing CA,O=Certgate Test,C=DE";
    private static TestPki pki;
    private static ClientFactory clientFactory;
    private static Server server;
    private static String url;
    /** What the distribution point answers; per test. */
    private static volatile Supplier<HttpResponse> publisher;
    private static final AtomicInteger fetches = new AtomicInteger();

    private final MutableClock clock = new MutableClock(NOW);
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private TestCert revoked;
    private TestCert good;
    /** The verifier's, from {@link #verifier}: tests trigger its refreshes. */
    private CrlDistributionPoints dp;

    @BeforeAll
    static void startDistributionPoint() {
        pki = TestPki.builder().now(NOW).build();
        clientFactory = ClientFactory.builder().build();
        server = Server.builder().http(0)
                .service("/crl/intermediate.crl", (ctx, req) -> {
                    fetches.incrementAndGet();
                    return publisher.get();
                })
                .build();
        server.start().join();
        url = "http://127.0.0.1:" + server.activeLocalPort() + "/crl/intermediate.crl";
    }

    @AfterAll
    static void stop() {
        clientFactory.close();
        server.stop().join();
    }

    @BeforeEach
    void clients() {
        revoked = pki.crlDpClient("dp-revoked", pki.intermediateCa(), url);
        good = pki.crlDpClient("dp-good", pki.intermediateCa(), url);
        publish(crl(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)), revoked));
        fetches.set(0);
    }

    private X509CRL crl(Instant thisUpdate, Instant nextUpdate, TestCert... revokedCerts) {
        return pki.crl(pki.intermediateCa(), thisUpdate, nextUpdate, serials(revokedCerts));
    }

    private static BigInteger[] serials(TestCert... certs) {
        return Arrays.stream(certs).map(c -> c.certificate().getSerialNumber()).toArray(BigInteger[]::new);
    }

    private static void publish(X509CRL crl) {
        byte[] der;
        try {
            der = crl.getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        publisher = () -> HttpResponse.of(HttpStatus.OK, MediaType.parse("application/pkix-crl"), der);
    }

    private static CrlDistributionPoints.Settings settings(boolean softFail) {
        return new CrlDistributionPoints.Settings(Duration.ofHours(1), Duration.ofSeconds(5), Duration.ofHours(1),
                64 * 1024, softFail);
    }

    private ClientCertificateVerifier verifier(CrlDistributionPoints.Settings settings) {
        List<X509Certificate> bundle = List.of(pki.rootCa().certificate(),
                pki.intermediateCa().certificate());
        dp = CrlDistributionPoints.builder(settings).trustAnchors(bundle).clientFactory(clientFactory).clock(clock)
                .scheduler(null).build().bindTo(registry, "client_verification_partner-api");
        return ClientCertificateVerifier.builder().trustAnchors(bundle).crlDistributionPoints(dp).clock(clock)
                .build();
    }

    private static int code(ClientCertificateVerifier v, TestCert leaf) throws Exception {
        return v.verifyAsync(leaf.chain()).get(10, TimeUnit.SECONDS).code();
    }

    private double failures() {
        return registry.get("certgate.crl.fetch.failures").tag("source", "client_verification_partner-api")
                .tag("issuer", ISSUER_LABEL).counter().count();
    }

    private double softFails() {
        return registry.get("certgate.crl.soft.fail").tag("issuer", ISSUER_LABEL).counter().count();
    }

    // ------------------------------------------------------------------ fetching and revocation

    @Test
    void firstVerificationWaitsForTheCrlThenRevokedIs23AndOthersPass() throws Exception {
        ClientCertificateVerifier v = verifier(settings(false));

        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        assertThat(code(v, good)).isZero();
        assertThat(fetches.get()).isEqualTo(1); // cached per issuer and URL
        assertThat(registry.get("certgate.crl.age").tag("issuer", ISSUER_LABEL).gauge().value())
                .isEqualTo(3600.0);
        assertThat(registry.get("certgate.crl.next.update.timestamp").tag("issuer", ISSUER_LABEL).gauge().value())
                .isEqualTo(NOW.plus(Duration.ofDays(1)).getEpochSecond());
        assertThat(failures()).isZero();
    }

    @Test
    void aClientRevokedInANewlyPublishedCrlIsRejectedAfterTheRefresh() throws Exception {
        ClientCertificateVerifier v = verifier(settings(false));
        assertThat(code(v, good)).isZero();

        publish(crl(NOW.plus(Duration.ofMinutes(30)), NOW.plus(Duration.ofDays(2)), revoked, good));
        clock.advance(Duration.ofMinutes(30));
        dp.refreshDue().get(10, TimeUnit.SECONDS);
        assertThat(fetches.get()).as("not due before the refresh interval").isEqualTo(1);
        assertThat(code(v, good)).isZero();

        clock.advance(Duration.ofMinutes(31));
        dp.refreshDue().get(10, TimeUnit.SECONDS);
        assertThat(fetches.get()).isEqualTo(2);
        assertThat(code(v, good)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        TestCert other = pki.crlDpClient("dp-other", pki.intermediateCa(), url);
        assertThat(code(v, other)).isZero();
    }

    @Test
    void aCrlSignedByAnotherKeyIsRejectedAndThePreviousOneKept() throws Exception {
        ClientCertificateVerifier v = verifier(settings(false));
        assertThat(code(v, good)).isZero();

        // names the intermediate, revokes "good", but is signed by the other CA's key
        publish(pki.crl(pki.intermediateCa(), pki.otherCa().privateKey(), NOW, NOW.plus(Duration.ofDays(2)),
                serials(good)));
        dp.refreshAll().get(10, TimeUnit.SECONDS);

        assertThat(failures()).isEqualTo(1);
        assertThat(code(v, good)).isZero();
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
    }

    @Test
    void anOlderCrlThanTheOneHeldIsRejected() throws Exception {
        ClientCertificateVerifier v = verifier(settings(false));
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);

        publish(crl(NOW.minus(Duration.ofHours(5)), NOW.plus(Duration.ofDays(1)))); // a replayed, older CRL
        dp.refreshAll().get(10, TimeUnit.SECONDS);

        assertThat(failures()).isEqualTo(1);
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
    }

    @Test
    void oversizedAndGarbageResponsesAreRejected() throws Exception {
        ClientCertificateVerifier v = verifier(new CrlDistributionPoints.Settings(Duration.ofHours(1),
                Duration.ofSeconds(5), Duration.ZERO, 2048, false));
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);

        // a valid, newer CRL that would revoke "good", but larger than max_bytes
        BigInteger[] many = new BigInteger[200];
        for (int i = 0; i < many.length; i++) {
            many[i] = BigInteger.valueOf(1_000_000L + i);
        }
        many[0] = good.certificate().getSerialNumber();
        X509CRL big = pki.crl(pki.intermediateCa(), NOW, NOW.plus(Duration.ofDays(1)), many);
        assertThat(big.getEncoded().length).isGreaterThan(2048);
        publish(big);
        dp.refreshAll().get(10, TimeUnit.SECONDS);
        assertThat(failures()).isEqualTo(1);
        assertThat(code(v, good)).isZero();

        publisher = () -> HttpResponse.of(HttpStatus.OK, MediaType.OCTET_STREAM, new byte[] {0x30, 0x03, 1, 2, 3});
        dp.refreshAll().get(10, TimeUnit.SECONDS);
        assertThat(failures()).isEqualTo(2);

        publisher = () -> HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT, "-----BEGIN X509 CRL-----\nnope\n");
        dp.refreshAll().get(10, TimeUnit.SECONDS);
        assertThat(failures()).isEqualTo(3);

        assertThat(code(v, revoked)).as("the previous CRL is still in use").isEqualTo(X509VerifyCodes.CERT_REVOKED);
        assertThat(code(v, good)).isZero();
    }

    @Test
    void aPemCrlIsAcceptedToo() throws Exception {
        String pem = "-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder().encodeToString(
                crl(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)), revoked).getEncoded())
                + "\n-----END X509 CRL-----\n";
        publisher = () -> HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT, pem);
        ClientCertificateVerifier v = verifier(settings(false));

        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        assertThat(code(v, good)).isZero();
    }

    // ------------------------------------------------------------------ distribution point down

    @Test
    void whenTheDistributionPointIsDownTheLastCrlServesUntilNextUpdatePlusGraceThenHardFailIs12() throws Exception {
        ClientCertificateVerifier v = verifier(settings(false));
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        publisher = () -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);

        clock.advance(Duration.ofDays(1).plusMinutes(30)); // past nextUpdate, within the 1 h grace
        dp.refreshDue().get(10, TimeUnit.SECONDS);
        assertThat(failures()).isEqualTo(1);
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        assertThat(code(v, good)).isZero();

        clock.advance(Duration.ofMinutes(31)); // past nextUpdate + grace
        assertThat(code(v, good)).isEqualTo(X509VerifyCodes.CRL_HAS_EXPIRED);
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CRL_HAS_EXPIRED);
    }

    @Test
    void whenTheDistributionPointIsDownPastTheGraceSoftFailVerifiesAsIfThereWereNoCrl() throws Exception {
        ClientCertificateVerifier v = verifier(settings(true));
        assertThat(code(v, revoked)).isEqualTo(X509VerifyCodes.CERT_REVOKED);
        publisher = () -> HttpResponse.of(HttpStatus.SERVICE_UNAVAILABLE);

        clock.advance(Duration.ofDays(1).plusMinutes(61));
        assertThat(code(v, good)).isZero();
        assertThat(code(v, revoked)).isZero();
        assertThat(softFails()).isEqualTo(2);
        assertThat(failures()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void withoutAnyCrlHardFailIs3AndSoftFailIsCounted() throws Exception {
        publisher = () -> HttpResponse.of(HttpStatus.NOT_FOUND);
        ClientCertificateVerifier hard = verifier(settings(false));
        assertThat(code(hard, good)).isEqualTo(X509VerifyCodes.UNABLE_TO_GET_CRL);
        assertThat(failures()).isEqualTo(1);

        ClientCertificateVerifier soft = verifier(settings(true));
        assertThat(code(soft, good)).isZero();
        assertThat(softFails()).isEqualTo(1);
    }

    @Test
    void aCertificateWithoutAnHttpDistributionPointIsNotChecked() throws Exception {
        ClientCertificateVerifier v = verifier(settings(false));
        TestCert ldapOnly = pki.crlDpClient("dp-ldap", pki.intermediateCa(),
                "ldap://ldap.example.com/cn=Intermediate?certificateRevocationList");
        TestCert none = pki.crlDpClient("dp-none", pki.intermediateCa());

        assertThat(code(v, ldapOnly)).isZero();
        assertThat(code(v, none)).isZero();
        assertThat(fetches.get()).isZero();
    }

    @Test
    void anUnverifiedChainNeverMakesItFetch() throws Exception {
        ClientCertificateVerifier v = verifier(settings(false));
        TestCert foreign = pki.crlDpClient("dp-foreign", pki.otherCa(), url);

        assertThat(code(v, foreign)).isNotZero();
        assertThat(fetches.get()).isZero();
    }
}
