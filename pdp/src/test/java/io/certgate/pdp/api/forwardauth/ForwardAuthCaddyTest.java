package io.certgate.pdp.api.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import io.certgate.pdp.api.forwardauth.RealPeers.Curl;
import io.certgate.pdp.support.RunningPdp;
import io.certgate.testdata.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Caddy (Debian package) with {@code client_auth} and {@code forward_auth} to the PDP, which
 * verifies the forwarded certificate itself ({@code interop.verify_ca_file}). The Caddyfile is
 * {@code src/test/resources/interop/Caddyfile}, the one docs/apis.md shows.
 */
class ForwardAuthCaddyTest {
    static final String TEMPLATE = "/interop/Caddyfile";

    @TempDir
    static Path tmp;
    static TestPki pki;
    static Path pkiDir;
    static RunningPdp pdp;
    static Server upstream;
    static Process caddy;
    static int caddyPort;
    static final AtomicReference<RequestHeaders> seen = new AtomicReference<>();

    @BeforeAll
    static void start() throws Exception {
        String caddyBin = RealPeers.require("caddy", "/usr/bin/caddy", "caddy");
        RealPeers.require("curl", "/usr/bin/curl", "curl");
        pki = TestPki.create(Instant.now());
        pkiDir = tmp.resolve("pki");
        pki.writeTo(pkiDir);
        Path trust = pkiDir.resolve("client-trust.pem");
        Files.writeString(trust, pki.rootCa().pem() + pki.intermediateCa().pem());
        pdp = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop:
                  trusted_proxies: [127.0.0.1/32]
                  obligation_headers: [x-authenticated-*, x-client-*, x-certificate-*, x-service, x-seen-*]
                  verify_ca_file: %s
                """.formatted(trust), "interop");
        upstream = Server.builder().http(0)
                .serviceUnder("/", (ctx, req) -> {
                    seen.set(req.headers());
                    return HttpResponse.of("upstream reached");
                })
                .build();
        upstream.start().join();
        caddyPort = RealPeers.freePort();
        Path dir = tmp.resolve("caddy");
        Files.createDirectories(dir);
        Path caddyfile = dir.resolve("Caddyfile");
        Files.writeString(caddyfile, RealPeers.template(TEMPLATE, Map.of("dir", dir.toString(),
                "port", Integer.toString(caddyPort),
                "server_cert", pkiDir.resolve("server.pem").toString(),
                "server_key", pkiDir.resolve("server.key").toString(),
                "upstream_port", Integer.toString(upstream.activeLocalPort()),
                "pdp_port", Integer.toString(pdp.port()))));
        ProcessBuilder pb = new ProcessBuilder(caddyBin, "run", "--config", caddyfile.toString(),
                "--adapter", "caddyfile")
                .redirectErrorStream(true).redirectOutput(dir.resolve("caddy.log").toFile());
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("XDG_DATA_HOME", dir.resolve("data").toString());
        pb.environment().put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        caddy = pb.start();
        RealPeers.awaitListening(caddy, caddyPort, dir.resolve("caddy.log"));
    }

    @AfterAll
    static void stop() throws Exception {
        RealPeers.stop(caddy);
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

    static Curl curl(String path, String client, String... extra) throws Exception {
        return RealPeers.curl(tmp, pkiDir, caddyPort, path, client, extra);
    }

    @Test
    void allowedClientReachesUpstreamWithObligationHeaders() throws Exception {
        Curl r = curl("/orders", "partner", "-H", "X-Authenticated-Userid: admin");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("upstream reached");
        assertThat(seen.get().getAll("x-authenticated-userid")).containsExactly("billing-service");
        assertThat(seen.get().get("x-client-ip")).isEqualTo("127.0.0.1");
        assertThat(seen.get().get("x-service")).isEqualTo("partner-api");
    }

    @Test
    void deniesCarryTheDecisionStatusAndBody() throws Exception {
        Curl forbidden = curl("/admin", "partner");
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.body()).contains("ADMIN_FORBIDDEN");
        assertThat(curl("/orders", "iot-device").status()).isEqualTo(403);
        Curl stepUp = curl("/step-up", "partner");
        assertThat(stepUp.status()).isEqualTo(401);
        assertThat(stepUp.headers()).contains("Bearer error=\"insufficient_user_authentication\"");
        assertThat(seen.get()).isNull();
    }

    @Test
    void thePdpVerifiesTheForwardedCertificate() throws Exception {
        // Caddy only requests the certificate; the PDP's own verification rejects the untrusted issuer
        Curl r = curl("/orders", "other-ca-client");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("CERT_UNTRUSTED").contains("unable to get local issuer certificate");
        assertThat(seen.get()).isNull();
    }

    @Test
    void noCertificateAndSpoofedCertificateHeadersAreUnauthorized() throws Exception {
        Curl none = curl("/orders", null);
        assertThat(none.status()).as(none.body()).isEqualTo(401);
        String spoof = Base64.getEncoder().encodeToString(pki.partnerClient().der());
        Curl r = curl("/orders", null, "-H", "X-Forwarded-Tls-Client-Cert: " + spoof,
                "-H", "X-SSL-Client-Cert: " + java.net.URLEncoder.encode(pki.partnerClient().pem(),
                        StandardCharsets.UTF_8), "-H", "X-SSL-Client-Verify: SUCCESS");
        assertThat(r.status()).as(r.body()).isEqualTo(401);
        assertThat(seen.get()).isNull();
    }

    @Test
    void docsShowTheTestedCaddyfile() throws Exception {
        String t = RealPeers.resource(TEMPLATE);
        String site = t.substring(t.indexOf("https://localhost"));
        assertThat(Files.readString(Path.of("../docs/apis.md")))
                .as("docs/apis.md must quote the site block of interop/Caddyfile verbatim")
                .contains(site);
    }
}
