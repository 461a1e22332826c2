package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTCTime;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile or unusual input: overlong presented chains, a very large certificate, garbage after the TLS
 * handshake and non-TLS bytes on the TLS port. The gateway answers (or drops the connection), never
 * forwards anything it should not, and keeps serving the next client.
 */
class RobustnessTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    /** CA i (1-based) is issued by CA i-1, CA 1 by the root; no path length limit anywhere. */
    static final List<TestCert> cas = new ArrayList<>();
    static TestCert big;
    static Server bigHeaderUpstream;
    static final List<RequestHeaders> bigHeaderRequests = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        TestCert issuer = e.pki.rootCa();
        for (int i = 1; i <= 12; i++) {
            issuer = e.pki.certificate("deep-ca-" + i).c("DE").o("Certgate Test").cn("Deep CA " + i).ca(-1)
                    .issuedBy(issuer).build();
            cas.add(issuer);
        }
        var b = e.pki.certificate("big").c("DE").o("Example Partner GmbH").cn("billing-service").clientAuth()
                .issuedBy(e.pki.intermediateCa());
        for (int i = 0; i < 400; i++) {
            b.dns("host-" + i + ".billing.partner.example.com");
        }
        big = e.write(b.build());
        // An upstream that accepts the ~15 KB x-ssl-client-san header the big certificate produces.
        bigHeaderUpstream = Server.builder().http(0).http2MaxHeaderListSize(64 * 1024).http1MaxHeaderSize(64 * 1024)
                .service("prefix:/", (ctx, req) -> {
                    bigHeaderRequests.add(req.headers());
                    return HttpResponse.of("big ok");
                }).build();
        bigHeaderUpstream.start().join();
        e.closeLater(() -> bigHeaderUpstream.stop().join());
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("rb-strict", "strict.example.test", "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("rb-lenient", "lenient.example.test",
                        "{verify: required, ca_file: ca.pem, ca_error_strategy: ignoreAll}", "{}"),
                E2e.service("rb-big", "big.example.test", "{verify: required, ca_file: ca.pem}",
                        "{url: \"http://127.0.0.1:" + bigHeaderUpstream.activeLocalPort() + "\"}", "{}"))).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    @AfterEach
    void gatewayStillServes() {
        Resp r = E2e.get(e.client(port, "strict.example.test", e.pki.partnerClient()), "/still-alive");
        assertThat(r.status()).as("the next client is served: " + r).isEqualTo(200);
    }

    /** A leaf (CN billing-service, allowed by the policy) presenting {@code length} certificates in all. */
    static TestCert leafWithChainLength(int length) throws Exception {
        TestCert issuer = cas.get(length - 2);
        return e.write(e.pki.certificate("deep-leaf-" + length).c("DE").o("Example Partner GmbH").cn("billing-service")
                .clientAuth().issuedBy(issuer).build());
    }

    // ------------------------------------------------------------------ chains

    @Test
    void aTenCertificateChainIsStillVerified() throws Exception {
        TestCert leaf = leafWithChainLength(10);
        assertThat(leaf.chain()).hasSize(10);
        E2e.Proc openssl = E2e.run(null, List.of("openssl", "verify", "-CAfile", e.file("ca.pem"), "-untrusted",
                e.chainFile(leaf), "-purpose", "sslclient", e.file(leaf.name() + ".pem")));
        assertThat(openssl.stdout()).endsWith(": OK\n");
        Resp r = E2e.get(e.client(port, "strict.example.test", leaf), "/deep");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-ssl-verify")).isEqualTo("0");
    }

    @Test
    void moreThanTenPresentedCertificatesAreRejectedWithCode22UnderStrict() throws Exception {
        for (int length : new int[] {11, 13}) {
            TestCert leaf = leafWithChainLength(length);
            assertThat(leaf.chain()).hasSize(length);
            int before = e.upstream.count();
            Resp armeria = E2e.get(e.client(port, "strict.example.test", leaf), "/deep");
            Resp curl = e.curl(port, "strict.example.test", "/deep", leaf).resp();
            for (Resp r : List.of(armeria, curl)) {
                assertThat(r.status()).as(length + ": " + r).isEqualTo(401);
                assertThat(r.field("error_code")).isEqualTo("CERT_UNTRUSTED");
                assertThat(r.field("message")).isEqualTo(
                        "the client certificate failed verification: certificate chain too long (22)");
            }
            assertThat(e.upstream.count()).isEqualTo(before);
        }
    }

    @Test
    void anOverlongChainUnderIgnoreAllGoesOnWithCode22() throws Exception {
        TestCert leaf = leafWithChainLength(13);
        Resp r = E2e.get(e.client(port, "lenient.example.test", leaf), "/echo");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertThat(up.get("x-ssl-verify")).isEqualTo("22");
        assertThat(up.get("x-pdp-verify-code")).isEqualTo("22");
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("billing-service");
    }

    // ------------------------------------------------------------------ a large certificate

    @Test
    void aVeryLargeCertificateIsHandled() {
        assertThat(big.der().length).isBetween(14_000, 20_000);
        int before = bigHeaderRequests.size();
        Resp r = e.curl(port, "big.example.test", "/big", big).resp();
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("big ok");
        assertThat(bigHeaderRequests).hasSize(before + 1);
        String san = bigHeaderRequests.get(bigHeaderRequests.size() - 1).get("x-ssl-client-san");
        assertThat(san.split(",")).hasSize(400).startsWith("host-0.billing.partner.example.com")
                .endsWith("host-399.billing.partner.example.com");
        // The same certificate where the policy challenges: nothing is forwarded, the identity was still read.
        Resp challenge = E2e.get(e.client(port, "strict.example.test", big), "/mfa");
        assertThat(challenge.status()).isEqualTo(401);
        assertThat(challenge.field("error_code")).isEqualTo("MFA_REQUIRED");
    }

    @Test
    void aLargeCertificateWhoseHeadersTheUpstreamRefusesIsAnErrorNotAHang() {
        // The recording upstream keeps Armeria's default 8 KiB header-list limit, below the SAN header.
        int before = e.upstream.count();
        long start = System.nanoTime();
        Resp r = E2e.get(e.client(port, "strict.example.test", big), "/big");
        assertThat(r.status()).as(r.toString()).isBetween(500, 599);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ malformed certificates

    @Test
    void aCertificateTheTlsStackDecodesButOpenSslWouldNotIsRejectedUnderEveryStrategy() throws Exception {
        // the partner certificate with one more element after its extensions: the JDK skips it, OpenSSL refuses it
        ASN1Sequence cert = ASN1Sequence.getInstance(e.pki.partnerClient().der());
        ASN1EncodableVector tbs = new ASN1EncodableVector();
        ((ASN1Sequence) cert.getObjectAt(0)).forEach(tbs::add);
        tbs.add(new DERUTCTime("260115120000Z"));
        X509Certificate malformed = TestPki.parseCertificate(new DERSequence(new ASN1Encodable[] {
                new DERSequence(tbs), cert.getObjectAt(1), cert.getObjectAt(2)}).getEncoded());
        List<X509Certificate> chain = List.of(malformed, e.pki.intermediateCa().certificate());
        int before = e.upstream.count();
        for (String host : List.of("strict.example.test", "lenient.example.test")) {
            Resp r = E2e.get(e.client(port, host, e.pki.partnerClient().privateKey(), chain, SessionProtocol.HTTPS),
                    "/echo");
            assertThat(r.status()).as(host + ": " + r).isEqualTo(401);
            assertThat(r.field("error_code")).isEqualTo("CERT_MALFORMED");
        }
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void aSubjectNameThatIsNotUtf8IsRejectedNotAServerError() throws Exception {
        ASN1Encodable notUtf8 = ASN1Primitive.fromByteArray(new byte[] {0x0c, 0x03, 'x', (byte) 0xff, 'y'});
        TestCert c = e.write(e.pki.certificate("not-utf8").subject(new X500Name(new RDN[] {
                new RDN(BCStyle.O, new DERUTF8String("Example Partner GmbH")), new RDN(BCStyle.CN, notUtf8)}))
                .clientAuth().issuedBy(e.pki.intermediateCa()).build());
        int before = e.upstream.count();
        Resp r = E2e.get(e.client(port, "lenient.example.test", c), "/echo");
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.field("error_code")).isEqualTo("CERT_MALFORMED");
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ garbage

    private static boolean isBadRequestOrNothing(String got) {
        return got.isEmpty() || got.startsWith("HTTP/1.1 400 ");
    }

    @Test
    void textGarbageAfterTheHandshakeIsA400OrAClose() throws Exception {
        int before = e.upstream.count();
        try (SSLSocket s = e.tlsSocket(port, "strict.example.test", e.pki.partnerClient())) {
            String got = E2e.exchange(s, "\u0000\u0001GARBAGE garbage garbage\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(10));
            assertThat(isBadRequestOrNothing(got)).as(got).isTrue();
            assertThat(got).doesNotContain("upstream ok");
        }
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void binaryGarbageAfterTheHandshakeIsA400OrAClose() throws Exception {
        byte[] noise = new byte[16 * 1024];
        new Random(42).nextBytes(noise);
        int before = e.upstream.count();
        try (SSLSocket s = e.tlsSocket(port, "strict.example.test", e.pki.partnerClient())) {
            String got = E2e.exchange(s, noise, Duration.ofSeconds(10));
            assertThat(isBadRequestOrNothing(got)).as(got).isTrue();
        }
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void aValidRequestFollowedByGarbageIsServedOnceThenTheConnectionEnds() throws Exception {
        int before = e.upstream.count();
        try (SSLSocket s = e.tlsSocket(port, "strict.example.test", e.pki.partnerClient())) {
            String got = E2e.exchange(s, ("GET /one HTTP/1.1\r\nHost: strict.example.test\r\n\r\n"
                    + "\u0007\u0000NOT HTTP AT ALL\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                    Duration.ofSeconds(10));
            assertThat(got).startsWith("HTTP/1.1 200 ").contains("upstream ok");
            assertThat(got.indexOf("HTTP/1.1 200")).isEqualTo(got.lastIndexOf("HTTP/1.1 200"));
        }
        assertThat(e.upstream.count()).isEqualTo(before + 1);
    }

    @Test
    void anHttp2PrefaceFollowedByGarbageIsDropped() throws Exception {
        int before = e.upstream.count();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        bytes.write(noise);
        try (SSLSocket s = e.tlsSocket(port, "strict.example.test", e.pki.partnerClient())) {
            String got = E2e.exchange(s, bytes.toByteArray(), Duration.ofSeconds(10));
            assertThat(got).doesNotContain("upstream ok");
        }
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void plainTcpGarbageOnTheTlsPortIsDropped() throws Exception {
        int before = e.upstream.count();
        for (String payload : new String[] {"GET /invoices HTTP/1.1\r\nHost: strict.example.test\r\n\r\n",
                "\u0016\u0003\u0001\u0000\u0005hello", "\u0000".repeat(2048)}) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                String got = E2e.exchange(s, payload.getBytes(StandardCharsets.ISO_8859_1), Duration.ofSeconds(10));
                assertThat(got).doesNotContain("HTTP/1.1").doesNotContain("<timeout>");
            }
        }
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void anIdleHalfOpenConnectionDoesNotBlockOthers() throws Exception {
        try (Socket idle = new Socket("127.0.0.1", port);
                SSLSocket idleTls = e.tlsSocket(port, "strict.example.test", e.pki.partnerClient())) {
            idle.getOutputStream().write(0x16); // the first byte of a TLS record, then silence
            idleTls.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: strict".getBytes(StandardCharsets.US_ASCII));
            Resp r = E2e.get(e.client(port, "strict.example.test", e.pki.partnerClient(), SessionProtocol.H1), "/x");
            assertThat(r.status()).isEqualTo(200);
            assertThat(e.curl(port, "strict.example.test", "/y", e.pki.partnerClient()).resp().status()).isEqualTo(200);
        }
    }

    @Test
    void theChainFilesAreWhatCurlPresents() throws Exception {
        // Guard for the chain tests above: curl sends the whole -chain.pem file.
        TestCert leaf = leafWithChainLength(11);
        assertThat(Files.readString(Path.of(e.chainFile(leaf))).split("BEGIN CERTIFICATE")).hasSize(12);
    }
}
