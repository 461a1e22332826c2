package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.certgate.testdata.LocalAddresses;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pdp.jar serve} in its own JVM: where it listens by default (loopback only, as OPA 1.x) and with
 * {@code --addr}, and that it prints the address it really bound ({@code server.host}: PdpServerTest).
 */
class ServeCommandTest {
    private static final Pattern LISTENING = Pattern.compile("certgate PDP listening on http://(\\S+):(\\d+) ");

    @TempDir
    Path tmp;

    /** A running {@code serve} and the host and port it printed. */
    record Served(Process process, String host, int port) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroy(); // SIGTERM: serve drains and exits
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private Served serve(String... args) throws Exception {
        // C1 only: the JVM lives for seconds
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), PdpMain.class.getName(),
                "serve"));
        cmd.addAll(List.of(args));
        // no bundle to load (the server answers all the same): the test is about the socket
        cmd.addAll(List.of("--bundle", tmp.resolve("none.tar.gz").toString()));
        Path stderr = tmp.resolve("stderr-" + System.nanoTime() + ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        CompletableFuture<Matcher> line = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = out.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(l);
                    if (m.find()) {
                        line.complete(m);
                    }
                }
                line.completeExceptionally(new AssertionError("serve ended without listening: "
                        + Files.readString(stderr)));
            } catch (IOException e) {
                line.completeExceptionally(e);
            }
        }, "serve-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            Matcher m = line.get(90, TimeUnit.SECONDS);
            return new Served(p, m.group(1), Integer.parseInt(m.group(2)));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    private static int status(InetAddress host, int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + host.getHostAddress() + ":" + port + "/v1/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    @Test
    void byDefaultOnlyLoopbackIsServed() throws Exception {
        InetAddress external = LocalAddresses.nonLoopback();
        assumeThat(external).as("this machine has a non-loopback IPv4 address").isNotNull();
        try (Served s = serve("--port", "0")) {
            assertThat(s.host()).isEqualTo("127.0.0.1");
            assertThat(status(InetAddress.getLoopbackAddress(), s.port())).isEqualTo(200);
            assertThat(LocalAddresses.refuses(external, s.port())).as("reachable from other hosts").isTrue();
        }
    }

    @Test
    void addrBindsEveryInterfaceWhenAskedAndPrintsWhatItBound() throws Exception {
        InetAddress external = LocalAddresses.nonLoopback();
        assumeThat(external).as("this machine has a non-loopback IPv4 address").isNotNull();
        try (Served s = serve("--addr", "0.0.0.0:0")) {
            // the IPv4 wildcard, or the IPv6 one of a dual-stack socket
            assertThat(s.host()).isIn("0.0.0.0", "[::]");
            assertThat(status(external, s.port())).isEqualTo(200);
            assertThat(status(InetAddress.getLoopbackAddress(), s.port())).isEqualTo(200);
        }
    }

    @Test
    void sigtermStopsTheServerAndExitsZero() throws Exception {
        // a JVM stopped through its default SIGTERM handling exits 143, which orchestrators count as a failure
        Served s = serve("--port", "0", "--shutdown-grace-seconds", "5");
        s.process().destroy();
        assertThat(s.process().waitFor(60, TimeUnit.SECONDS)).as("stopped within the grace period").isTrue();
        assertThat(s.process().exitValue()).isZero();
        assertThat(LocalAddresses.refuses(InetAddress.getLoopbackAddress(), s.port())).isTrue();
    }

    @Test
    void aBadShutdownGraceIsAUsageError() {
        CliRun negative = CliRun.of("serve", "--shutdown-grace-seconds", "-1");
        assertThat(negative.exit()).as(negative.all()).isEqualTo(2);
        assertThat(negative.err()).contains("--shutdown-grace-seconds (or CERTGATE_SHUTDOWN_GRACE_SECONDS) must be"
                + " 0..3600, not -1");
        CliRun word = CliRun.of("serve", "--shutdown-grace-seconds", "soon");
        assertThat(word.exit()).isEqualTo(2);
        assertThat(word.err()).contains("--shutdown-grace-seconds").contains("soon");
    }

    @Test
    void badAddressesAreUsageErrorsNamingTheProblem() {
        CliRun noPort = CliRun.of("serve", "--addr", "0.0.0.0");
        assertThat(noPort.exit()).as(noPort.all()).isEqualTo(2);
        assertThat(noPort.err()).contains("--addr: '0.0.0.0' is not host:port (e.g. 0.0.0.0:8181)");
        CliRun v6 = CliRun.of("serve", "--addr", "::1:8181");
        assertThat(v6.exit()).isEqualTo(2);
        assertThat(v6.err()).contains("--addr: '::1:8181': write an IPv6 address in brackets, e.g. [::1]:8181");
        CliRun both = CliRun.of("serve", "--addr", "127.0.0.1:8181", "--port", "9000");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("use --addr HOST:PORT or --port, not both");
        CliRun range = CliRun.of("serve", "--addr", "127.0.0.1:70000");
        assertThat(range.exit()).isEqualTo(2);
        assertThat(range.err()).contains("--addr: port 70000 is not in [0, 65535]");
    }

    @Test
    void anAddressThisMachineDoesNotHaveIsReportedNotThrown() {
        // 203.0.113.7 (TEST-NET-3) is nobody's address
        // were it bound anyway, serve would run until the JVM stops: fail instead
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of("serve", "--addr", "203.0.113.7:0",
                "--bundle", tmp.resolve("none.tar.gz").toString()));
        assertThat(r.exit()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).contains("cannot listen on 203.0.113.7:0: ");
    }

    @Test
    void verificationWithoutABundleToVerifyIsAUsageError() throws Exception {
        Path key = Files.writeString(tmp.resolve("ci.pem"), TestPki.pem("PUBLIC KEY",
                TestPki.generateKeyPair(TestPki.KeyType.EC_P256).getPublic().getEncoded()));
        Path config = Files.writeString(tmp.resolve("pdp.yaml"),
                "bundle: {verification: {keys: {ci: {algorithm: ES256, key_file: " + key + "}}}}\n");
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> CliRun.of("serve", "--config", config.toString(), "--port", "0"));
        assertThat(r.exit()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).contains("bundle.verification is set, but the policy comes from the embedded reference"
                + " bundle, which is not signed; set policy.bundle (or --bundle) to a signed bundle's file or URL");
    }

    /** serve with {@code interop} pointing at {@code ca} (and {@code crl}), in process: it must stop before listening. */
    private CliRun serveWithTrustFiles(Path ca, Path... crls) throws IOException {
        StringBuilder yaml = new StringBuilder("interop:\n  verify_ca_file: " + ca + "\n");
        if (crls.length > 0) {
            yaml.append("  crl_files: [").append(String.join(", ", List.of(crls).stream().map(Path::toString)
                    .toList())).append("]\n");
        }
        Path config = Files.writeString(tmp.resolve("pdp-" + System.nanoTime() + ".yaml"), yaml);
        // were the files accepted, serve would run until the JVM stops: fail instead
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of("serve", "--config",
                config.toString(), "--port", "0", "--bundle", tmp.resolve("none.tar.gz").toString()));
    }

    @Test
    void badTrustFilesStopServeWithTheMessageOfConfigCheck() throws Exception {
        TestPki pki = TestPki.create(Instant.now());
        TestCert expired = pki.certificate("expired-ca").cn("Expired CA").ca(-1)
                .validity(pki.now().minus(Duration.ofDays(30)), pki.now().minus(Duration.ofDays(1))).build();
        Path expiredCa = Files.writeString(tmp.resolve("expired-ca.pem"), expired.pem());
        CliRun r = serveWithTrustFiles(expiredCa);
        assertThat(r.exit()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).contains("interop.verify_ca_file: " + expiredCa + ": certificate 1 (CN=Expired CA)"
                + " expired on ").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).doesNotContain("listening");

        String pem = pki.rootCa().pem();
        Path truncated = Files.writeString(tmp.resolve("truncated.pem"), pem.substring(0, pem.length() / 2));
        CliRun t = serveWithTrustFiles(truncated);
        assertThat(t.exit()).as(t.all()).isEqualTo(2);
        assertThat(t.err()).startsWith("interop.verify_ca_file: " + truncated).doesNotContain("\tat ");

        Path ca = Files.writeString(tmp.resolve("ca.pem"), pem);
        Path staleCrl = Files.writeString(tmp.resolve("stale.crl"), TestPki.pem(pki.crl(pki.rootCa(),
                pki.now().minus(Duration.ofDays(10)), pki.now().minus(Duration.ofDays(1)))));
        CliRun c = serveWithTrustFiles(ca, staleCrl);
        assertThat(c.exit()).as(c.all()).isEqualTo(2);
        assertThat(c.err()).contains("interop.crl_files[0]: " + staleCrl + ": CRL 1").contains("expired")
                .doesNotContain("\tat ");

        // the same files, the same message from config check
        Path config = Files.writeString(tmp.resolve("check.yaml"), "interop:\n  verify_ca_file: " + expiredCa + "\n");
        CliRun check = CliRun.of("config", "check", config.toString());
        assertThat(check.exit()).as(check.all()).isEqualTo(1);
        assertThat(check.out()).contains(r.err().strip());
    }

    @Test
    void aBadVerificationKeyStopsServeWithItsLocation() throws Exception {
        Path key = Files.writeString(tmp.resolve("ci.pem"), "-----BEGIN PUBLIC KEY-----\nnot base64\n");
        Path config = Files.writeString(tmp.resolve("pdp.yaml"),
                "bundle: {verification: {keys: {ci: {algorithm: ES256, key_file: " + key + "}}}}\n");
        CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> CliRun.of("serve", "--config", config.toString(), "--port", "0"));
        assertThat(r.exit()).as(r.all()).isEqualTo(2);
        assertThat(r.err()).contains("bundle.verification.keys.ci.key_file").contains(key.toString())
                .doesNotContain("\tat ");
    }
}
