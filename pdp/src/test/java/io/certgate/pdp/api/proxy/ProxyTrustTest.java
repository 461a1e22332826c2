package io.certgate.pdp.api.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.CommonPools;
import io.certgate.pdp.config.InteropConfig;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.testdata.OcspTestResponder;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyTrustTest {
    @TempDir
    static Path tmp;
    static TestPki pki;
    static Path trust;
    static Path crl;
    static OcspTestResponder ocsp;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.create(Instant.now());
        // what nginx forwards is the leaf only: the bundle completes the path, as docs/apis.md says
        trust = Files.writeString(tmp.resolve("trust.pem"), pki.rootCa().pem() + pki.intermediateCa().pem());
        crl = Files.writeString(tmp.resolve("crl.pem"), TestPki.pem(pki.crl()));
        ocsp = new OcspTestResponder(pki.intermediateCa());
    }

    @AfterAll
    static void stop() {
        ocsp.close();
    }

    static InteropConfig config(List<String> proxies, Path ca) {
        return config(proxies, ca, List.of(), InteropConfig.Ocsp.DISABLED);
    }

    static InteropConfig config(List<String> proxies, Path ca, List<Path> crls, InteropConfig.Ocsp ocsp) {
        return new InteropConfig(proxies, List.of("user-agent"), "fallback",
                Map.of("api.example.com", "partner-api", "[::1]", "v6"), ca, crls, ocsp, null, "authzen/decision",
                io.certgate.pdp.boundary.HeaderPolicy.defaults());
    }

    /** What a proxy forwards: the leaf only, and its own verdict "verified". */
    static ForwardedCertificate forwarded(TestCert cert) {
        return new ForwardedCertificate(List.of(cert.der()), true, 0, null, CertificateHeaders.SSL_CLIENT_CERT);
    }

    @Test
    void trustsOnlyConfiguredBlocks() throws Exception {
        ProxyTrust t = new ProxyTrust(config(List.of("10.0.0.0/8", "::1/128"), null), Clock.systemUTC());
        assertThat(t.trusts(InetAddress.getByName("10.2.3.4"))).isTrue();
        assertThat(t.trusts(InetAddress.getByName("::1"))).isTrue();
        assertThat(t.trusts(InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(new ProxyTrust(config(List.of(), null), Clock.systemUTC())
                .trusts(InetAddress.getByName("127.0.0.1"))).isFalse();
    }

    @Test
    void serviceFromNameThenHostWithoutPortThenDefault() {
        ProxyTrust t = new ProxyTrust(config(List.of(), null), Clock.systemUTC());
        assertThat(t.serviceFor("named", "api.example.com")).isEqualTo("named");
        assertThat(t.serviceFor(null, "API.example.com:8443")).isEqualTo("partner-api");
        assertThat(t.serviceFor(null, "[::1]:8443")).isEqualTo("v6");
        assertThat(t.serviceFor("", "other.example.com")).isEqualTo("fallback");
        assertThat(t.serviceFor(null, null)).isEqualTo("fallback");
    }

    @Test
    void unreadableVerifyCaFileNamesTheSetting() {
        assertThatThrownBy(() -> new ProxyTrust(config(List.of(), Path.of("/nonexistent/ca.pem")), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interop.verify_ca_file")
                .hasMessageContaining("/nonexistent/ca.pem");
    }

    @Test
    void unreadableCrlFilesAreEachNamedByTheirKey() {
        assertThatThrownBy(() -> new ProxyTrust(config(List.of(), trust, List.of(crl, Path.of("/nonexistent/crl.pem"),
                trust), InteropConfig.Ocsp.DISABLED), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("interop.crl_files[0]")
                .hasMessageContaining("interop.crl_files[1]: cannot read /nonexistent/crl.pem")
                .hasMessageContaining("interop.crl_files[2]: " + trust + ": PEM block #1")
                .hasMessageContaining("expected X509 CRL");
    }

    @Test
    void withoutReverificationTheProxysVerdictStands() throws Exception {
        ProxyTrust t = new ProxyTrust(config(List.of(), null), Clock.systemUTC());
        PresentedCertificate c = t.certificate(forwarded(pki.revokedClient()));
        assertThat(c.verified()).isTrue();
        assertThat(c.verifyCode()).isZero();
    }

    @Test
    void reverificationWithCrlFilesReportsARevokedCertificateAs23() throws Exception {
        ProxyTrust t = new ProxyTrust(config(List.of(), trust, List.of(crl), InteropConfig.Ocsp.DISABLED),
                Clock.systemUTC());
        PresentedCertificate revoked = t.certificate(forwarded(pki.revokedClient()));
        assertThat(revoked.verified()).isFalse();
        assertThat(revoked.verifyCode()).isEqualTo(23);
        assertThat(revoked.verifyError()).isEqualTo("certificate revoked");
        PresentedCertificate good = t.certificate(forwarded(pki.partnerClient()));
        assertThat(good.verified()).isTrue();
        assertThat(good.verifyCode()).isZero();
        assertThat(good.verifyError()).isNull();

        // The same CA bundle without the CRL cannot know: the CRL is what makes the difference.
        assertThat(new ProxyTrust(config(List.of(), trust), Clock.systemUTC())
                .certificate(forwarded(pki.revokedClient())).verifyCode()).isZero();
    }

    @Test
    void reverificationWithOcspReportsARevokedCertificateAs23() throws Exception {
        TestCert revoked = pki.ocspClient("proxy-ocsp-revoked", ocsp.url());
        TestCert good = pki.ocspClient("proxy-ocsp-good", ocsp.url());
        ocsp.revoke(revoked.certificate().getSerialNumber());
        ProxyTrust t = new ProxyTrust(config(List.of(), trust, List.of(), new InteropConfig.Ocsp(true, true)),
                Clock.systemUTC());
        PresentedCertificate r = t.certificate(forwarded(revoked));
        assertThat(r.verified()).isFalse();
        assertThat(r.verifyCode()).isEqualTo(23);
        assertThat(r.verifyError()).isEqualTo("certificate revoked");
        assertThat(t.certificate(forwarded(good)).verifyCode()).isZero();

        // Soft fail covers a missing answer only: without a responder in the certificate it is 0, hard it is 74.
        assertThat(t.certificate(forwarded(pki.partnerClient())).verifyCode()).isZero();
        ProxyTrust hard = new ProxyTrust(config(List.of(), trust, List.of(), new InteropConfig.Ocsp(true, false)),
                Clock.systemUTC());
        assertThat(hard.certificate(forwarded(pki.partnerClient())).verifyCode()).isEqualTo(74);
        assertThat(hard.certificate(forwarded(revoked)).verifyCode()).isEqualTo(23);
    }

    @Test
    void reverificationRefusesToRunOnAnEventLoop() {
        ProxyTrust t = new ProxyTrust(config(List.of(), trust, List.of(crl), InteropConfig.Ocsp.DISABLED),
                Clock.systemUTC());
        assertThatThrownBy(() -> CommonPools.workerGroup().next()
                .submit(() -> t.certificate(forwarded(pki.partnerClient()))).get())
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("blocking executor");
    }
}
