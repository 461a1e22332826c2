package io.certgate.pep.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.TlsKeyPair;
import io.certgate.pdp.reload.ReloadOutcome;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.support.E2e;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates, keys, CA bundles and CRLs replaced on disk while real mTLS clients call the gateway, over new
 * and over kept-alive connections: nothing fails, new handshakes see the new material, and broken files change
 * nothing.
 */
class TlsReloadTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static GatewayServer gateway;
    static int port;
    static final Reloads reloads = new Reloads();
    static TestPki pki;
    static TestCert oldClient;
    static TestCert newCa;
    static TestCert newClient;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        pki = e.pki;
        oldClient = e.write(pki.certificate("old-client").c("DE").o(TestPki.ORG).cn("old-client").clientAuth()
                .issuedBy(pki.rootCa()).build());
        newCa = e.write(pki.certificate("new-ca").c("DE").o(TestPki.ORG).cn("Rotated Root CA").ca(-1)
                .validity(Duration.ofDays(-1), Duration.ofDays(3650)).build());
        newClient = e.write(pki.certificate("new-client").c("DE").o(TestPki.ORG).cn("new-client").clientAuth()
                .issuedBy(newCa).build());
        for (String svc : List.of("cert", "ca", "crl", "broken", "k8s")) {
            writeServer(tmp, svc, svc + ".example.test");
        }
        Files.writeString(tmp.resolve("rot-ca.pem"), TestPki.pem(pki.rootCa().certificate()));
        Files.writeString(tmp.resolve("crl-ca.pem"), TestPki.pem(pki.rootCa().certificate()));
        Files.writeString(tmp.resolve("crl-crl.pem"), TestPki.pem(pki.crl(pki.rootCa())));
        Files.writeString(tmp.resolve("broken-ca.pem"), TestPki.pem(pki.rootCa().certificate()));
        Files.writeString(tmp.resolve("broken-crl.pem"), TestPki.pem(pki.crl(pki.rootCa())));
        // a Kubernetes Secret volume: files are symlinks into ..data, itself a symlink to a timestamped directory
        Path k8s = Files.createDirectories(tmp.resolve("k8s"));
        Path first = Files.createDirectories(k8s.resolve("..2026_01"));
        Files.move(tmp.resolve("k8s-server.pem"), first.resolve("tls.crt"));
        Files.move(tmp.resolve("k8s-server.key"), first.resolve("tls.key"));
        Files.createSymbolicLink(k8s.resolve("..data"), Path.of("..2026_01"));
        Files.createSymbolicLink(k8s.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(k8s.resolve("tls.key"), Path.of("..data/tls.key"));

        String mtls = "{verify: required, ca_file: ca.pem}";
        gateway = e.start(E2e.gateway(E2e.embeddedPdp(), "reload: {poll_interval_ms: 300}",
                service("cert", "cert-server.pem", "cert-server.key", mtls),
                service("ca", "ca-server.pem", "ca-server.key", "{verify: required, ca_file: rot-ca.pem}"),
                service("crl", "crl-server.pem", "crl-server.key",
                        "{verify: required, ca_file: crl-ca.pem, crl_files: [crl-crl.pem]}"),
                service("broken", "broken-server.pem", "broken-server.key",
                        "{verify: required, ca_file: broken-ca.pem, crl_files: [broken-crl.pem]}"),
                service("k8s", "k8s/tls.crt", "k8s/tls.key", mtls)));
        port = gateway.port();
        gateway.files().addListener(reloads);
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    private static String service(String name, String cert, String key, String mtls) {
        return """
                  - name: %s
                    sni: [%s.example.test]
                    server_cert: %s
                    server_key: %s
                    mtls: %s
                    upstream: {url: "%s"}
                    policy: {}
                """.formatted(name, name, cert, key, mtls, e.upstream.url());
    }

    /** A fresh server certificate for {@code host}, written as {@code NAME-server.pem} / {@code .key}. */
    private static TestCert writeServer(Path dir, String name, String host) throws Exception {
        TestCert c = pki.certificate(name + "-server-" + System.nanoTime()).cn(host).dns(host).serverAuth()
                .issuedBy(pki.rootCa()).validity(Duration.ofDays(-1), Duration.ofDays(30)).build();
        replace(dir.resolve(name + "-server.pem"), c.chainPem());
        replace(dir.resolve(name + "-server.key"), c.keyPem());
        return c;
    }

    /** Writes {@code file} the way rotation tools do: a temporary file moved over the old one. */
    private static void replace(Path file, String content) throws Exception {
        Path t = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(t, content);
        Files.move(t, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** An HTTP/2 client that keeps its connection (pooled) or an HTTP/1.1 one that closes it after each request. */
    private static WebClient client(String host, TestCert cert, boolean keepAlive) {
        ClientFactory f = e.closeLater(ClientFactory.builder()
                .tlsCustomizer(t -> t.trustManager(pki.rootCa().certificate()))
                .tls(TlsKeyPair.of(cert.privateKey(), cert.chain())).build());
        return WebClient.builder(keepAlive ? SessionProtocol.H2 : SessionProtocol.H1,
                Endpoint.of(host, port).withIpAddr("127.0.0.1")).factory(f).responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** The serial of the certificate a new handshake with {@code host} presents. */
    private static BigInteger presentedSerial(String host) throws Exception {
        try (SSLSocket s = e.tlsSocket(port, host, pki.partnerClient())) {
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static double metric(String name, String service, String file, String result) {
        PrometheusMeterRegistry r = e.registry(port);
        var search = r.find(name).tag("service", service).tag("file", file);
        if (result != null) {
            search = search.tag("result", result);
        }
        var c = search.counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void serverCertificateReplacedWhileRequestsRun() throws Exception {
        String host = "cert.example.test";
        try (Traffic t = new Traffic()
                .client("new", client(host, pki.partnerClient(), false), "/echo", true, Set.of(200))
                .client("kept", client(host, pki.partnerClient(), true), "/echo", false, Set.of(200))) {
            t.await(5);
            BigInteger before = presentedSerial(host);
            for (int i = 0; i < 3; i++) {
                TestCert next = writeServer(tmp, "cert", host);
                assertThat(reloads.nextOk("cert", "server_cert").ok()).isTrue();
                assertThat(presentedSerial(host)).isEqualTo(next.certificate().getSerialNumber())
                        .isNotEqualTo(before);
                t.await(5);
            }
            assertThat(t.failures()).isEmpty();
        }
        assertThat(metric("gateway_tls_reload_total", "cert", "server_cert", "rejected")).isZero();
    }

    @Test
    void caRotatedInThreeSteps() throws Exception {
        String host = "ca.example.test";
        String old = TestPki.pem(pki.rootCa().certificate());
        String fresh = TestPki.pem(newCa.certificate());
        try (Traffic t = new Traffic()
                .client("old-new", client(host, oldClient, false), "/echo", true, Set.of(200))
                .client("old-kept", client(host, oldClient, true), "/echo", false, Set.of(200))
                .client("new-new", client(host, newClient, false), "/echo", true, Set.of(401))
                .client("new-kept", client(host, newClient, true), "/echo", false, Set.of(401))) {
            t.await(5);
            // step 2: both CAs; the new CA's clients become trusted, the old CA's stay trusted
            t.expect("new-new", Set.of(200, 401));
            t.expect("new-kept", Set.of(200, 401));
            replace(tmp.resolve("rot-ca.pem"), old + fresh);
            assertThat(reloads.next("ca", "mtls.ca_file").ok()).isTrue();
            t.expect("new-new", Set.of(200));
            t.expect("new-kept", Set.of(200));
            t.await(5);
            assertThat(t.failures()).isEmpty();
            assertThat(t.count("old-new", 401) + t.count("old-kept", 401)).isZero();
            // step 3: the new CA only; only now are the old CA's clients refused
            t.expect("old-new", Set.of(200, 401));
            t.expect("old-kept", Set.of(200, 401));
            replace(tmp.resolve("rot-ca.pem"), fresh);
            assertThat(reloads.next("ca", "mtls.ca_file").ok()).isTrue();
            t.expect("old-new", Set.of(401));
            t.expect("old-kept", Set.of(401));
            t.await(5);
            assertThat(t.failures()).isEmpty();
        }
        double gets = cacheGets("client_verification_ca");
        E2e.Resp refused = E2e.get(client(host, oldClient, true), "/echo");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.body()).contains("(20)");
        assertThat(cacheGets("client_verification_ca")).as("the cache metrics follow the reloaded verifier")
                .isGreaterThan(gets);
    }

    private static double cacheGets(String cache) {
        return e.registry(port).find("cache.gets").tag("cache", cache).functionCounters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    @Test
    void clientRevokedByNewCrl() throws Exception {
        String host = "crl.example.test";
        TestCert victim = e.write(pki.certificate("victim").c("DE").o(TestPki.ORG).cn("victim").clientAuth()
                .issuedBy(pki.rootCa()).build());
        try (Traffic t = new Traffic()
                .client("victim", client(host, victim, true), "/echo", false, Set.of(200))
                .client("other-new", client(host, oldClient, false), "/echo", true, Set.of(200))
                .client("other-kept", client(host, oldClient, true), "/echo", false, Set.of(200))) {
            t.await(5);
            t.expect("victim", Set.of(200, 401));
            replace(tmp.resolve("crl-crl.pem"), TestPki.pem(pki.crl(pki.rootCa(), victim.certificate().getSerialNumber())));
            assertThat(reloads.next("crl", "mtls.ca_file").ok()).isTrue();
            t.expect("victim", Set.of(401));
            t.await(5);
            assertThat(t.failures()).isEmpty();
        }
        E2e.Resp refused = E2e.get(client(host, victim, false), "/echo");
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.body()).contains("(23)");
    }

    @Test
    void brokenFilesKeepTheOldMaterial() throws Exception {
        String host = "broken.example.test";
        BigInteger serving = presentedSerial(host);
        Path cert = tmp.resolve("broken-server.pem");
        String goodCert = Files.readString(cert);
        Path key = tmp.resolve("broken-server.key");
        String goodKey = Files.readString(key);
        Path crl = tmp.resolve("broken-crl.pem");
        String goodCrl = Files.readString(crl);
        Instant now = Instant.now();
        TestCert stranger = pki.certificate("stranger").cn(host).dns(host).serverAuth().issuedBy(pki.rootCa()).build();
        try (Traffic t = new Traffic()
                .client("new", client(host, oldClient, false), "/echo", true, Set.of(200))
                .client("kept", client(host, oldClient, true), "/echo", false, Set.of(200))) {
            t.await(3);
            record Broken(Path file, String content, String group, String reason) {}
            List<Broken> cases = List.of(
                    new Broken(cert, goodCert.substring(0, goodCert.length() / 2), "server_cert", "server_cert"),
                    new Broken(key, stranger.keyPem(), "server_cert", "does not belong to"),
                    new Broken(crl, TestPki.pem(pki.crl(pki.rootCa(), now.minus(Duration.ofDays(8)),
                            now.minus(Duration.ofDays(1)))), "mtls.ca_file", "expired"),
                    new Broken(crl, TestPki.pem(pki.crl(pki.otherCa())), "mtls.ca_file", "not a CA in"));
            for (Broken b : cases) {
                double rejected = metric("gateway_tls_reload_total", "broken", b.group(), "rejected");
                replace(b.file(), b.content());
                ReloadOutcome o = reloads.next("broken", b.group());
                assertThat(o.ok()).isFalse();
                assertThat(o.reason()).contains(b.reason()).contains(b.file().toString());
                t.await(3);
                // counted once; the same content is not read again
                gateway.files().checkNow();
                assertThat(metric("gateway_tls_reload_total", "broken", b.group(), "rejected")).isEqualTo(rejected + 1);
                assertThat(presentedSerial(host)).isEqualTo(serving);
                replace(b.file(), Files.readString(b.file()).equals(goodCert) ? goodCert
                        : b.file().equals(cert) ? goodCert : b.file().equals(key) ? goodKey : goodCrl);
                assertThat(reloads.next("broken", b.group()).ok()).isTrue();
            }
            assertThat(t.failures()).isEmpty();
        }
        assertThat(e.registry(port).find("gateway_tls_reload_failing").tag("service", "broken")
                .tag("file", "server_cert").gauge().value()).isZero();
    }

    @Test
    void kubernetesSecretSymlinkSwapIsPickedUp() throws Exception {
        String host = "k8s.example.test";
        Path k8s = tmp.resolve("k8s");
        TestCert next = pki.certificate("k8s-next").cn(host).dns(host).serverAuth().issuedBy(pki.rootCa())
                .validity(Duration.ofDays(-1), Duration.ofDays(30)).build();
        Path second = Files.createDirectories(k8s.resolve("..2026_02"));
        Files.writeString(second.resolve("tls.crt"), next.chainPem());
        Files.writeString(second.resolve("tls.key"), next.keyPem());
        // what the kubelet does: a new ..data link renamed over the old one, then the old directory removed
        Files.createSymbolicLink(k8s.resolve("..data_tmp"), Path.of("..2026_02"));
        Files.move(k8s.resolve("..data_tmp"), k8s.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(reloads.next("k8s", "server_cert").ok()).isTrue();
        assertThat(presentedSerial(host)).isEqualTo(next.certificate().getSerialNumber());
    }
}
