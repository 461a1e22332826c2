package io.certgate.pdp.api.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pdp.config.InteropConfig;
import io.certgate.pdp.reload.FileWatcher;
import io.certgate.pdp.reload.ReloadOutcome;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forward-auth / ext_authz re-verification follows {@code interop.verify_ca_file} and {@code crl_files}. */
class ProxyTrustReloadTest {
    @TempDir
    Path tmp;

    private static void replace(Path file, String content) throws Exception {
        Path t = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(t, content);
        Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static ReloadOutcome next(LinkedBlockingQueue<ReloadOutcome> q) throws InterruptedException {
        ReloadOutcome o = q.poll(60, TimeUnit.SECONDS);
        assertThat(o).as("a reload within 60 s").isNotNull();
        return o;
    }

    @Test
    void caBundleAndCrlReloaded() throws Exception {
        TestPki pki = TestPki.create(Instant.now());
        TestCert partner = pki.partnerClient();
        TestCert newCa = pki.certificate("new-ca").cn("Rotated Root CA").ca(-1)
                .validity(Duration.ofDays(-1), Duration.ofDays(3650)).build();
        TestCert newClient = pki.certificate("new-client").cn("new-client").clientAuth().issuedBy(newCa).build();
        String old = pki.rootCa().pem() + pki.intermediateCa().pem();
        Path trust = Files.writeString(tmp.resolve("trust.pem"), old);
        Path crl = Files.writeString(tmp.resolve("crl.pem"), TestPki.pem(pki.crl(pki.intermediateCa())));
        InteropConfig cfg = ProxyTrustTest.config(List.of("127.0.0.1/32"), trust, List.of(crl),
                InteropConfig.Ocsp.DISABLED);
        ProxyTrust t = new ProxyTrust(cfg, Clock.systemUTC());
        LinkedBlockingQueue<ReloadOutcome> reloads = new LinkedBlockingQueue<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FileWatcher w = FileWatcher.builder(registry).metricPrefix("pdp_tls_reload")
                .pollInterval(Duration.ofMillis(100)).build()) {
            t.watch(w);
            w.addListener(reloads::add).start();
            assertThat(t.certificate(ProxyTrustTest.forwarded(partner)).verifyCode()).isZero();
            assertThat(t.certificate(ProxyTrustTest.forwarded(newClient)).verifyCode()).isEqualTo(20);

            // the old and the new CA: the new CA's client chains now, and lacks only its CA's CRL (3, as
            // OpenSSL's -crl_check reports it); the old CA's client still verifies
            replace(trust, old + newCa.pem());
            assertThat(next(reloads).ok()).isTrue();
            assertThat(t.certificate(ProxyTrustTest.forwarded(partner)).verifyCode()).isZero();
            assertThat(t.certificate(ProxyTrustTest.forwarded(newClient)).verifyCode()).isEqualTo(3);

            // a CRL revoking the partner: 23 at once (the verdict cached before is gone with the old verifier)
            replace(crl, TestPki.pem(pki.crl(pki.intermediateCa(), partner.certificate().getSerialNumber())));
            assertThat(next(reloads).ok()).isTrue();
            assertThat(t.certificate(ProxyTrustTest.forwarded(partner)).verifyCode()).isEqualTo(23);

            // a CRL of a CA outside the bundle is rejected; the last good one stays
            replace(crl, TestPki.pem(pki.crl(pki.otherCa())));
            ReloadOutcome rejected = next(reloads);
            assertThat(rejected.ok()).isFalse();
            assertThat(rejected.reason()).startsWith("interop.crl_files[0]: " + crl).contains("not a CA in");
            assertThat(t.certificate(ProxyTrustTest.forwarded(partner)).verifyCode()).isEqualTo(23);
            assertThat(registry.get("pdp_tls_reload_total").tag("result", "rejected").counter().count()).isEqualTo(1);
            assertThat(registry.get("pdp_tls_reload_failing").gauge().value()).isEqualTo(1);
        }
    }
}
