package io.certgate.pdp.api.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.server.Server;
import io.certgate.pdp.support.RunningPdp;
import io.certgate.pdp.api.forwardauth.RealPeers.Curl;
import io.certgate.testdata.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
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
    static final String TEMPLATE = "/interop/nginx-forward-auth.conf";
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
        String nginxBin = RealPeers.require("nginx", "/usr/sbin/nginx", "nginx");
        RealPeers.require("curl", "/usr/bin/curl", "curl");
        pki = TestPki.create(Instant.now());
        pkiDir = tmp.resolve("pki");
        pki.writeTo(pkiDir);
        pdp = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop:
                  trusted_proxies: [127.0.0.1/32]
                  request_headers: [user-agent]
                  obligation_headers: [x-authenticated-*, x-client-*, x-service, x-seen-*]
                """, "interop");
        upstream = Server.builder().http(0)
                .serviceUnder("/", (ctx, req) -> {
                    seen.set(req.headers());
                    return HttpResponse.of("upstream reached");
                })
                .build();
        upstream.start().join();
        nginxPort = RealPeers.freePort();
        Path dir = tmp.resolve("nginx");
        Files.createDirectories(dir);
        String conf = RealPeers.template(TEMPLATE, Map.of("dir", dir.toString(),
                "port", Integer.toString(nginxPort),
                "server_cert", pkiDir.resolve("server.pem").toString(),
                "server_key", pkiDir.resolve("server.key").toString(),
                "client_ca", pkiDir.resolve("ca.pem").toString(),
                "upstream_port", Integer.toString(upstream.activeLocalPort()),
                "pdp_port", Integer.toString(pdp.port())));
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        nginx = new ProcessBuilder(nginxBin, "-p", dir.toString(), "-c", confFile.toString(), "-e",
                dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        RealPeers.awaitListening(nginx, nginxPort, dir.resolve("stdout.log"), dir.resolve("error.log"));
    }

    @AfterAll
    static void stop() throws Exception {
        RealPeers.stop(nginx);
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
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("upstream reached");
        RequestHeaders h = seen.get();
        assertThat(h.get("x-authenticated-userid")).isEqualTo("billing-service");
        assertThat(h.get("x-client-ip")).isEqualTo("127.0.0.1");
        assertThat(h.get("x-service")).isEqualTo("partner-api");
        assertThat(h.get("x-decision-id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void clientNotAllowedByPolicyIsForbidden() throws Exception {
        Curl r = curl("/orders", "iot-device");
        assertThat(r.status()).isEqualTo(403);
        assertThat(seen.get()).isNull();
    }

    @Test
    void policyForbiddenPathIsForbiddenForAllowedClient() throws Exception {
        assertThat(curl("/admin/users", "partner").status()).isEqualTo(403);
        assertThat(seen.get()).isNull();
    }

    @Test
    void unverifiedCertificateIsUnauthorized() throws Exception {
        // other-ca is not trusted by ca.pem; optional_no_ca lets nginx pass FAILED:<reason> to the PDP
        Curl r = curl("/orders", "other-ca-client");
        assertThat(r.status()).isEqualTo(401);
        assertThat(seen.get()).isNull();
    }

    @Test
    void noCertificateIsUnauthorized() throws Exception {
        assertThat(curl("/orders", null).status()).isEqualTo(401);
        assertThat(seen.get()).isNull();
    }

    @Test
    void stepUpChallengeCarriesWwwAuthenticate() throws Exception {
        Curl r = curl("/step-up", "partner");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.headers()).containsIgnoringCase("www-authenticate: ")
                .contains("Bearer error=\"insufficient_user_authentication\"");
        assertThat(r.headers()).contains("acr_values=\"urn:example:acr:phr\"");
    }

    @Test
    void spoofedCertificateAndIdentityHeadersFromTheClientAreIgnored() throws Exception {
        String escaped = java.net.URLEncoder.encode(pki.partnerClient().pem(), StandardCharsets.UTF_8).replace("+", "%20");
        Curl r = curl("/orders", null, "-H", "X-SSL-Client-Cert: " + escaped, "-H", "X-SSL-Client-Verify: SUCCESS",
                "-H", "X-Forwarded-Client-Cert: Cert=\"" + escaped + "\"");
        assertThat(r.status()).isEqualTo(401);
        assertThat(seen.get()).isNull();

        Curl allowed = curl("/orders", "partner",
                "-H", "X-Authenticated-Userid: admin", "-H", "X-Client-Ip: 10.9.9.9");
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(seen.get().getAll("x-authenticated-userid")).containsExactly("billing-service");
        assertThat(seen.get().getAll("x-client-ip")).containsExactly("127.0.0.1");
    }

    @Test
    void readmeShowsTheTestedServerBlock() throws Exception {
        String t = RealPeers.resource(TEMPLATE);
        String server = t.substring(t.indexOf("    server {"), t.lastIndexOf("    }\n") + "    }\n".length());
        assertThat(Files.readString(Path.of("../README.md")))
                .as("README.md must quote the server block of interop/nginx-forward-auth.conf verbatim")
                .contains(server);
    }

    static Curl curl(String path, String client, String... extra) throws Exception {
        return RealPeers.curl(tmp, pkiDir, nginxPort, path, client, extra);
    }
}
