package io.certgate.pdp.api.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import io.certgate.pdp.support.RunningPdp;
import io.certgate.testdata.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real nginx (Debian package) with {@code ssl_verify_client} and {@code auth_request} to the PDP's
 * {@code /forward-auth}, driven by curl with client certificates from the test PKI. The nginx config is
 * {@code src/test/resources/interop/nginx-forward-auth.conf}, the one the README shows.
 */
class ForwardAuthNginxTest {
    @TempDir
    static Path tmp;
    static TestPki pki;
    static Path pkiDir;
    static RunningPdp pdp;
    static Server upstream;
    static Process nginx;
    static int nginxPort;
    static final AtomicReference<RequestHeaders> seen = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        String nginxBin = find("nginx", "/usr/sbin/nginx");
        find("curl", "/usr/bin/curl");
        pki = TestPki.create(Instant.now());
        pkiDir = tmp.resolve("pki");
        pki.writeTo(pkiDir);
        pdp = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop:
                  trusted_proxies: [127.0.0.1/32]
                  request_headers: [user-agent]
                """, "interop");
        upstream = Server.builder().http(0)
                .serviceUnder("/", (ctx, req) -> {
                    seen.set(req.headers());
                    return HttpResponse.of("upstream reached");
                })
                .build();
        upstream.start().join();
        nginxPort = freePort();
        Path dir = tmp.resolve("nginx");
        Files.createDirectories(dir);
        String conf = template().replace("${dir}", dir.toString())
                .replace("${port}", Integer.toString(nginxPort))
                .replace("${server_cert}", pkiDir.resolve("server.pem").toString())
                .replace("${server_key}", pkiDir.resolve("server.key").toString())
                .replace("${client_ca}", pkiDir.resolve("ca.pem").toString())
                .replace("${upstream_port}", Integer.toString(upstream.activeLocalPort()))
                .replace("${pdp_port}", Integer.toString(pdp.port()));
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        nginx = new ProcessBuilder(nginxBin, "-p", dir.toString(), "-c", confFile.toString(), "-e",
                dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        awaitListening(nginxPort, dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        if (upstream != null) {
            upstream.stop().join();
        }
        if (pdp != null) {
            pdp.close();
        }
    }

    @BeforeEach
    void clear() {
        seen.set(null);
    }

    @Test
    void allowedClientReachesUpstreamWithObligationHeaders() throws Exception {
        Curl r = curl("/orders?x=1", "partner", "-H", "User-Agent: erp-client/1.0", "-H", "Cookie: s=secret");
        assertThat(r.status).isEqualTo(200);
        assertThat(r.body).isEqualTo("upstream reached");
        RequestHeaders h = seen.get();
        assertThat(h.get("x-authenticated-userid")).isEqualTo("billing-service");
        assertThat(h.get("x-client-ip")).isEqualTo("127.0.0.1");
        assertThat(h.get("x-service")).isEqualTo("partner-api");
        assertThat(h.get("x-decision-id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void clientNotAllowedByPolicyIsForbidden() throws Exception {
        Curl r = curl("/orders", "iot-device");
        assertThat(r.status).isEqualTo(403);
        assertThat(seen.get()).isNull();
    }

    @Test
    void policyForbiddenPathIsForbiddenForAllowedClient() throws Exception {
        assertThat(curl("/admin/users", "partner").status).isEqualTo(403);
        assertThat(seen.get()).isNull();
    }

    @Test
    void unverifiedCertificateIsUnauthorized() throws Exception {
        // other-ca is not trusted by ca.pem; optional_no_ca lets nginx pass FAILED:<reason> to the PDP
        Curl r = curl("/orders", "other-ca-client");
        assertThat(r.status).isEqualTo(401);
        assertThat(seen.get()).isNull();
    }

    @Test
    void noCertificateIsUnauthorized() throws Exception {
        assertThat(curl("/orders", null).status).isEqualTo(401);
        assertThat(seen.get()).isNull();
    }

    @Test
    void stepUpChallengeCarriesWwwAuthenticate() throws Exception {
        Curl r = curl("/step-up", "partner");
        assertThat(r.status).isEqualTo(401);
        assertThat(r.headers).containsIgnoringCase("www-authenticate: ")
                .contains("Bearer error=\"insufficient_user_authentication\"");
        assertThat(r.headers).contains("acr_values=\"urn:example:acr:phr\"");
    }

    @Test
    void spoofedCertificateAndIdentityHeadersFromTheClientAreIgnored() throws Exception {
        String escaped = java.net.URLEncoder.encode(pki.partnerClient().pem(), StandardCharsets.UTF_8).replace("+", "%20");
        Curl r = curl("/orders", null, "-H", "X-SSL-Client-Cert: " + escaped, "-H", "X-SSL-Client-Verify: SUCCESS",
                "-H", "X-Forwarded-Client-Cert: Cert=\"" + escaped + "\"");
        assertThat(r.status).isEqualTo(401);
        assertThat(seen.get()).isNull();

        Curl allowed = curl("/orders", "partner",
                "-H", "X-Authenticated-Userid: admin", "-H", "X-Client-Ip: 10.9.9.9");
        assertThat(allowed.status).isEqualTo(200);
        assertThat(seen.get().getAll("x-authenticated-userid")).containsExactly("billing-service");
        assertThat(seen.get().getAll("x-client-ip")).containsExactly("127.0.0.1");
    }

    // ------------------------------------------------------------------ helpers

    record Curl(int status, String headers, String body) {}

    static Curl curl(String path, String client, String... extra) throws Exception {
        Path out = Files.createTempFile(tmp, "body", ".txt");
        Path headers = Files.createTempFile(tmp, "headers", ".txt");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "-o", out.toString(),
                "-D", headers.toString(), "-w", "%{http_code}",
                "--cacert", pkiDir.resolve("ca.pem").toString()));
        if (client != null) {
            cmd.addAll(List.of("--cert", pkiDir.resolve(client + "-chain.pem").toString(),
                    "--key", pkiDir.resolve(client + ".key").toString()));
        }
        cmd.addAll(List.of(extra));
        cmd.add("https://127.0.0.1:" + nginxPort + path);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String code = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("curl failed: %s", err).isZero();
        return new Curl(Integer.parseInt(code), Files.readString(headers), Files.readString(out));
    }

    static String template() throws IOException {
        try (InputStream in = ForwardAuthNginxTest.class.getResourceAsStream("/interop/nginx-forward-auth.conf")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String find(String name, String usual) {
        if (Files.isExecutable(Path.of(usual))) {
            return usual;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new AssertionError(name + " is not installed: this test drives a real " + name
                + " (install the Debian package: apt-get install -y nginx curl; .ci/run does it)");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static void awaitListening(int port, Path dir) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!nginx.isAlive()) {
                throw new AssertionError("nginx exited: " + Files.readString(dir.resolve("stdout.log"))
                        + readIfExists(dir.resolve("error.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
        throw new AssertionError("nginx did not listen on " + port + ": " + readIfExists(dir.resolve("error.log")));
    }

    static String readIfExists(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p) : "";
    }
}
