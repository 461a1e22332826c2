package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.testdata.MutableClock;
import io.certgate.testdata.OcspTestResponder;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The verification the gateway and the PDP's proxy path share: CRLs, OCSP, the chain limit and the result cache. */
class ClientCertificateVerifierTest {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static TestPki pki;
    static OcspTestResponder ocsp;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(Instant.now());
        ocsp = new OcspTestResponder(pki.intermediateCa());
    }

    @AfterAll
    static void stop() {
        ocsp.close();
    }

    static ClientCertificateVerifier.Builder trusting(TestCert ca) {
        return ClientCertificateVerifier.builder().trustAnchors(List.of(ca.certificate()));
    }

    @Test
    void aCertificateInTheCrlIs23() {
        ClientCertificateVerifier v = trusting(pki.rootCa()).crls(List.of(pki.crl())).build();
        VerifyResult revoked = v.verifyAsync(pki.revokedClient().chain()).join();
        assertThat(revoked.code()).isEqualTo(23);
        assertThat(revoked.message()).isEqualTo("certificate revoked");
        assertThat(v.verifyAsync(pki.partnerClient().chain()).join().ok()).isTrue();
        assertThat(trusting(pki.rootCa()).build().verify(pki.revokedClient().chain()).ok())
                .as("without the CRL").isTrue();
    }

    @Test
    void aCertificateItsOcspResponderCallsRevokedIs23() {
        TestCert revoked = pki.ocspClient("shared-ocsp-revoked", ocsp.url());
        ocsp.revoke(revoked.certificate().getSerialNumber());
        ClientCertificateVerifier v = trusting(pki.rootCa())
                .ocsp(OcspChecker.builder().softFail(true).build()).build();
        VerifyResult r = v.verifyAsync(revoked.chain()).join();
        assertThat(r.code()).isEqualTo(23);
        assertThat(r.depth()).isZero();
        assertThat(r.path()).hasSize(3);
        assertThat(v.verify(revoked.chain()).ok()).as("verify() alone does not ask the responder").isTrue();
        assertThat(v.verifyAsync(pki.ocspClient("shared-ocsp-good", ocsp.url()).chain()).join().ok()).isTrue();
    }

    @Test
    void theResponderIsOnlyAskedAboutChainsThatVerified() {
        // The URL comes from the certificate: an untrusted one must not make certgate call it.
        TestCert untrusted = pki.ocspClient("shared-ocsp-untrusted", ocsp.url());
        ClientCertificateVerifier v = trusting(pki.otherCa())
                .ocsp(OcspChecker.builder().softFail(false).build()).build();
        int before = ocsp.requests();
        assertThat(v.verifyAsync(untrusted.chain()).join().code()).isEqualTo(20);
        assertThat(ocsp.requests()).isEqualTo(before);
    }

    @Test
    void anOverlongChainIs22() {
        List<X509Certificate> chain = new ArrayList<>(pki.partnerClient().chain());
        chain.addAll(Collections.nCopies(ClientCertificateVerifier.MAX_PRESENTED_CHAIN, pki.intermediateCa()
                .certificate()));
        VerifyResult r = trusting(pki.rootCa()).build().verify(chain);
        assertThat(r.code()).isEqualTo(22);
        assertThat(r.path()).isEmpty();
        assertThatThrownBy(() -> trusting(pki.rootCa()).build().verify(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }

    @Test
    void aCachedResultNeverOutlivesTheChainItVouchedFor() {
        TestPki fixed = TestPki.create(NOW);
        TestCert shortLived = fixed.certificate("short-lived").cn("short-lived").clientAuth()
                .issuedBy(fixed.intermediateCa()).validity(Duration.ofDays(-1), Duration.ofHours(1)).build();
        MutableClock clock = new MutableClock(NOW);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClientCertificateVerifier v = trusting(fixed.rootCa()).clock(clock).build().bindTo(registry, "shared");
        assertThat(v.verify(shortLived.chain()).ok()).isTrue();
        assertThat(v.verify(shortLived.chain()).ok()).isTrue();
        assertThat(registry.get("cache.gets").tags("cache", "shared", "result", "hit").functionCounter().count())
                .isEqualTo(1);
        clock.advance(Duration.ofHours(2));
        assertThat(v.verify(shortLived.chain()).code()).isEqualTo(10);
    }

    /** A reload keeps the cache metrics bound at start moving, and no verdict of the old trust material is served. */
    @Test
    void aReloadedVerifierSharesTheBoundCacheButNotItsVerdicts() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClientCertificateVerifier first = trusting(pki.rootCa()).build().bindTo(registry, "svc");
        List<X509Certificate> chain = pki.partnerClient().chain();
        assertThat(first.verify(chain).ok()).isTrue();
        assertThat(first.verify(chain).ok()).isTrue();
        assertThat(gets(registry, "hit")).isEqualTo(1);
        assertThat(gets(registry, "miss")).isEqualTo(1);

        ClientCertificateVerifier second = first.reloaded(List.of(pki.otherCa().certificate()), List.of());
        // a verification still running on the old generation stores its verdict after the reload...
        assertThat(first.verify(chain).ok()).isTrue();
        // ...which the new generation never serves
        assertThat(second.verify(chain).code()).as("the old CA's verdict is not reused").isNotZero();
        assertThat(gets(registry, "miss")).as("counted on the cache bound at start").isEqualTo(3);
        assertThat(second.verify(chain).code()).isNotZero();
        assertThat(gets(registry, "hit")).isEqualTo(2);
        assertThat(second.trustAnchors()).containsExactly(pki.otherCa().certificate());
    }

    private static double gets(SimpleMeterRegistry registry, String result) {
        return registry.get("cache.gets").tags("cache", "svc", "result", result).functionCounter().count();
    }
}
