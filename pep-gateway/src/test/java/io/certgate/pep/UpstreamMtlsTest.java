package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.Server;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.netty.handler.ssl.ClientAuth;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hop to the upstream over HTTPS with the gateway's own client certificate: an Armeria upstream that
 * requires a client certificate from the test CA ({@code ClientAuth.REQUIRE}, trusting ca.pem) and serves
 * the test PKI's {@code server.pem} (localhost, 127.0.0.1). The gateway presents the IoT device's
 * certificate and trusts ca.pem for the upstream.
 */
class UpstreamMtlsTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static Server upstream;
    static int port;
    /** Per upstream request: the client certificate subject the gateway presented, and the headers. */
    static final List<String> peers = new CopyOnWriteArrayList<>();
    static final List<RequestHeaders> requests = new CopyOnWriteArrayList<>();

    static String upstreamYaml(String host, String extra) {
        return "{url: \"https://" + host + ":" + upstream.activeLocalPort() + "\", timeout_ms: 3000" + extra + "}";
    }

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        upstream = Server.builder().https(0)
                .tls(TlsKeyPair.of(e.pki.server().privateKey(), e.pki.server().chain()))
                .tlsCustomizer(b -> {
                    b.clientAuth(ClientAuth.REQUIRE);
                    b.trustManager(e.pki.rootCa().certificate());
                })
                .service("prefix:/", (ctx, req) -> {
                    X509Certificate peer = (X509Certificate) ctx.sslSession().getPeerCertificates()[0];
                    peers.add(peer.getSubjectX500Principal().getName());
                    requests.add(req.headers());
                    return HttpResponse.of("secure upstream ok");
                }).build();
        upstream.start().join();
        e.closeLater(() -> upstream.stop().join());
        String required = "{verify: required, ca_file: ca.pem}";
        String mtls = ", client_cert: iot-device.pem, client_key: iot-device.key, ca_file: ca.pem";
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                E2e.service("up-mtls", "mtls.example.test", required, upstreamYaml("localhost", mtls), "{}"),
                E2e.service("up-mtls-ip", "ip.example.test", required, upstreamYaml("127.0.0.1", mtls), "{}"),
                E2e.service("up-no-cert", "nocert.example.test", required,
                        upstreamYaml("localhost", ", ca_file: ca.pem"), "{}"),
                E2e.service("up-untrusted-cert", "untrusted.example.test", required,
                        upstreamYaml("localhost", ", client_cert: other-ca-client.pem, client_key: other-ca-client.key,"
                                + " ca_file: ca.pem"), "{}"),
                E2e.service("up-no-ca", "noca.example.test", required,
                        upstreamYaml("localhost", ", client_cert: iot-device.pem, client_key: iot-device.key"), "{}"),
                E2e.service("up-wrong-ca", "wrongca.example.test", required,
                        upstreamYaml("localhost", ", client_cert: iot-device.pem, client_key: iot-device.key,"
                                + " ca_file: other-ca.pem"), "{}"))).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    @Test
    void theGatewayAuthenticatesToTheUpstreamWithItsOwnCertificate() {
        int before = requests.size();
        Resp r = E2e.get(e.client(port, "mtls.example.test", e.pki.partnerClient()), "/invoices");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("secure upstream ok");
        assertThat(requests).hasSize(before + 1);
        assertThat(peers.get(peers.size() - 1)).isEqualTo("CN=device-A1B2C3D4E5F6,OU=devices,O=Example IoT");
        // The client's identity travels in headers, over the authenticated hop.
        RequestHeaders up = requests.get(requests.size() - 1);
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("billing-service");
        assertThat(up.get("x-ssl-verify")).isEqualTo("0");
        assertThat(up.get("x-client-id")).isEqualTo("billing-service");
        assertThat(up.get("x-forwarded-proto")).isEqualTo("https");
        // A denied request never opens the upstream hop.
        Resp denied = E2e.get(e.client(port, "mtls.example.test", e.pki.otherCaClient()), "/invoices");
        assertThat(denied.status()).isEqualTo(401);
        assertThat(requests).hasSize(before + 1);
    }

    private static void assertUpstreamHopFails(String host) {
        int before = requests.size();
        long start = System.nanoTime();
        Resp r = E2e.get(e.client(port, host, e.pki.partnerClient()), "/invoices");
        assertThat(r.status()).as(host + ": " + r).isBetween(500, 599);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("an error, not a hang")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(requests).as("the upstream served nothing").hasSize(before);
    }

    @Test
    void withoutAClientCertificateTheUpstreamRejectsTheHop() {
        assertUpstreamHopFails("nocert.example.test");
    }

    @Test
    void aClientCertificateTheUpstreamDoesNotTrustIsRejected() {
        assertUpstreamHopFails("untrusted.example.test");
    }

    @Test
    void theGatewayVerifiesTheUpstreamCertificate() {
        // Neither the JDK's default trust store nor an unrelated CA vouches for the upstream.
        assertUpstreamHopFails("noca.example.test");
        assertUpstreamHopFails("wrongca.example.test");
    }

    @Test
    void anIpLiteralUpstreamUrlIsVerifiedAgainstTheIp() {
        Resp r = E2e.get(e.client(port, "ip.example.test", e.pki.partnerClient()), "/invoices");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
}
