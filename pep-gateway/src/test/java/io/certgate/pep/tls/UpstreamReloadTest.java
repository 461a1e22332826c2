package io.certgate.pep.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.Server;
import io.certgate.pdp.reload.ReloadOutcome;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.support.Await;
import io.certgate.pep.support.E2e;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.netty.handler.ssl.ClientAuth;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own client certificate and the CA bundle it checks the upstream with, replaced on disk while
 * requests run. The upstreams are in-process Armeria HTTPS servers that require a client certificate and close
 * each connection after a few requests, so the gateway keeps making new upstream handshakes.
 */
class UpstreamReloadTest {
    /** Requests an upstream serves per connection: new handshakes all the time, without closing every one. */
    private static final int REQUESTS_PER_CONNECTION = 5;

    @TempDir
    static Path tmp;
    static E2e e;
    static TestPki pki;
    static GatewayServer gateway;
    static int port;
    static final Reloads reloads = new Reloads();
    /** Serves the test PKI's localhost certificate; records the serial of the client certificate per request. */
    static Upstream fixed;
    /** Its server certificate is re-issued by another CA during a test. */
    static Upstream rotating;
    static TestCert newCa;

    /** An upstream and the serials of the client certificates it saw, one per request. */
    record Upstream(Server server, ReloadingKeyManager certificate, List<BigInteger> clients) {
        BigInteger last() {
            return clients.get(clients.size() - 1);
        }

        /** The serials seen from request {@code from} on. */
        List<BigInteger> since(int from) {
            List<BigInteger> all = List.copyOf(clients);
            return all.subList(from, all.size());
        }
    }

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        pki = e.pki;
        newCa = pki.certificate("upstream-new-ca").c("DE").o(TestPki.ORG).cn("Rotated Upstream CA").ca(-1)
                .validity(Duration.ofDays(-1), Duration.ofDays(3650)).build();
        fixed = upstream();
        rotating = upstream();
        for (String svc : List.of("client", "ca", "broken")) {
            TestCert c = clientCert(svc);
            replace(tmp.resolve(svc + "-client.pem"), c.chainPem());
            replace(tmp.resolve(svc + "-client.key"), c.keyPem());
            replace(tmp.resolve(svc + "-ca.pem"), TestPki.pem(pki.rootCa().certificate()));
        }
        String required = "{verify: required, ca_file: ca.pem}";
        gateway = e.start(E2e.gateway(E2e.embeddedPdp(), "reload: {poll_interval_ms: 300}",
                E2e.service("client", "client.example.test", required, upstreamYaml("client", fixed), "{}"),
                E2e.service("ca", "ca.example.test", required, upstreamYaml("ca", rotating), "{}"),
                E2e.service("broken", "broken.example.test", required, upstreamYaml("broken", fixed), "{}")));
        port = gateway.port();
        gateway.files().addListener(reloads);
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    private static Upstream upstream() {
        ReloadingKeyManager certificate = new ReloadingKeyManager(
                TlsKeyPair.of(pki.server().privateKey(), pki.server().chain()));
        List<BigInteger> clients = new CopyOnWriteArrayList<>();
        Server s = Server.builder().https(0).tls(certificate.factory())
                .tlsCustomizer(b -> {
                    b.clientAuth(ClientAuth.REQUIRE);
                    b.trustManager(pki.rootCa().certificate());
                })
                .maxNumRequestsPerConnection(REQUESTS_PER_CONNECTION)
                .service("prefix:/", (ctx, req) -> {
                    X509Certificate peer = (X509Certificate) ctx.sslSession().getPeerCertificates()[0];
                    clients.add(peer.getSerialNumber());
                    return HttpResponse.of("upstream ok");
                }).build();
        s.start().join();
        e.closeLater(() -> s.stop().join());
        return new Upstream(s, certificate, clients);
    }

    private static String upstreamYaml(String svc, Upstream u) {
        return "{url: \"https://localhost:" + u.server().activeLocalPort() + "\", timeout_ms: 10000, client_cert: "
                + svc + "-client.pem, client_key: " + svc + "-client.key, ca_file: " + svc + "-ca.pem}";
    }

    private static TestCert clientCert(String svc) {
        return pki.certificate("gateway-" + svc + "-" + System.nanoTime()).c("DE").o(TestPki.ORG)
                .cn("gateway-" + svc).clientAuth().issuedBy(pki.rootCa())
                .validity(Duration.ofDays(-1), Duration.ofDays(30)).build();
    }

    /** Writes {@code file} the way rotation tools do: a temporary file moved over the old one. */
    private static void replace(Path file, String content) throws Exception {
        Path t = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(t, content);
        Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** An HTTP/2 client that keeps its connection to the gateway, or an HTTP/1.1 one that closes it each time. */
    private static WebClient client(String host, boolean keepAlive) {
        TestCert cert = pki.partnerClient();
        ClientFactory f = e.closeLater(ClientFactory.builder()
                .tlsCustomizer(t -> t.trustManager(pki.rootCa().certificate()))
                .tls(TlsKeyPair.of(cert.privateKey(), cert.chain())).build());
        return WebClient.builder(keepAlive ? SessionProtocol.H2 : SessionProtocol.H1,
                Endpoint.of(host, port).withIpAddr("127.0.0.1")).factory(f).responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    private static Traffic traffic(String host) {
        return new Traffic()
                .client("new", client(host, false), "/echo", true, Set.of(200))
                .client("kept", client(host, true), "/echo", false, Set.of(200));
    }

    private static double rejected(String service, String file) {
        var c = e.registry(port).find("gateway_tls_reload_total").tag("service", service).tag("file", file)
                .tag("result", "rejected").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void clientCertificateReplacedWhileRequestsRun() throws Exception {
        try (Traffic t = traffic("client.example.test")) {
            t.await(5);
            BigInteger before = fixed.last();
            for (int i = 0; i < 2; i++) {
                TestCert next = clientCert("client");
                replace(tmp.resolve("client-client.pem"), next.chainPem());
                replace(tmp.resolve("client-client.key"), next.keyPem());
                assertThat(reloads.nextOk("client", "upstream.client_cert").ok()).isTrue();
                BigInteger serial = next.certificate().getSerialNumber();
                Await.until("the upstream sees the new client certificate", () -> fixed.last().equals(serial));
                // once the connections made before the reload are used up, only the new certificate is seen
                int seen = fixed.clients().size();
                t.await(4 * REQUESTS_PER_CONNECTION);
                List<BigInteger> after = fixed.since(seen);
                assertThat(after).hasSizeGreaterThan(2 * REQUESTS_PER_CONNECTION);
                assertThat(after.subList(after.size() - REQUESTS_PER_CONNECTION, after.size())).containsOnly(serial);
                assertThat(serial).isNotEqualTo(before);
            }
            assertThat(t.failures()).isEmpty();
        }
        assertThat(rejected("client", "upstream.client_cert")).isZero();
    }

    @Test
    void upstreamCaRotatedInThreeSteps() throws Exception {
        Path bundle = tmp.resolve("ca-ca.pem");
        String old = TestPki.pem(pki.rootCa().certificate());
        String fresh = TestPki.pem(newCa.certificate());
        TestCert reissued = pki.certificate("upstream-reissued").cn("localhost").dns("localhost").ip("127.0.0.1")
                .serverAuth().issuedBy(newCa).validity(Duration.ofDays(-1), Duration.ofDays(30)).build();
        try (Traffic t = traffic("ca.example.test")) {
            t.await(5);
            // step 1: the gateway trusts both CAs
            replace(bundle, old + fresh);
            assertThat(reloads.nextOk("ca", "upstream.ca_file").ok()).isTrue();
            t.await(5);
            // step 2: the upstream presents its certificate from the new CA on new connections
            rotating.certificate().swap(TlsKeyPair.of(reissued.privateKey(), reissued.chain()));
            int served = rotating.clients().size();
            t.await(4 * REQUESTS_PER_CONNECTION);
            assertThat(rotating.clients().size()).isGreaterThan(served + 2 * REQUESTS_PER_CONNECTION);
            // step 3: the old CA is dropped
            replace(bundle, fresh);
            assertThat(reloads.nextOk("ca", "upstream.ca_file").ok()).isTrue();
            t.await(4 * REQUESTS_PER_CONNECTION);
            assertThat(t.failures()).isEmpty();
        }
        assertThat(rejected("ca", "upstream.ca_file")).isZero();
    }

    @Test
    void brokenClientKeyKeepsTheOldCertificate() throws Exception {
        Path key = tmp.resolve("broken-client.key");
        String goodKey = Files.readString(key);
        TestCert stranger = clientCert("broken");
        try (Traffic t = traffic("broken.example.test")) {
            t.await(5);
            BigInteger serving = fixed.last();
            double rejected = rejected("broken", "upstream.client_cert");
            replace(key, stranger.keyPem());
            ReloadOutcome o = reloads.next("broken", "upstream.client_cert");
            assertThat(o.ok()).isFalse();
            assertThat(o.reason()).contains("upstream.client_key").contains(key.toString())
                    .contains("does not belong to");
            gateway.files().checkNow();
            assertThat(rejected("broken", "upstream.client_cert")).isEqualTo(rejected + 1);
            assertThat(e.registry(port).find("gateway_tls_reload_failing").tag("service", "broken")
                    .tag("file", "upstream.client_cert").gauge().value()).isEqualTo(1);
            // new upstream connections still present the old certificate
            int seen = fixed.clients().size();
            t.await(4 * REQUESTS_PER_CONNECTION);
            assertThat(fixed.since(seen)).hasSizeGreaterThan(2 * REQUESTS_PER_CONNECTION).contains(serving)
                    .doesNotContain(stranger.certificate().getSerialNumber());
            replace(key, goodKey);
            assertThat(reloads.next("broken", "upstream.client_cert").ok()).isTrue();
            t.await(5);
            assertThat(t.failures()).isEmpty();
        }
    }
}
