package io.certgate.pdp.api.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pdp.support.RunningPdp;
import io.certgate.pdp.api.forwardauth.RealPeers.Curl;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real nginx (Debian package) with {@code ssl_verify_client} and {@code auth_request} to the PDP's
 * {@code /forward-auth}, driven by curl with client certificates from the test PKI. The nginx config is
 * {@code src/test/resources/interop/nginx-forward-auth.conf}, the one docs/apis.md shows. A second nginx with the
 * same config asks a PDP that verifies the forwarded certificate itself, with a CRL
 * ({@code interop.verify_ca_file}, {@code interop.crl_files}). The attacks on the trust boundary run through
 * the first one: ambiguous paths and client-sent trust headers, checked at a {@link RawUpstream} that records
 * whatever nginx sends.
 */
class ForwardAuthNginxTest {
    static final String TEMPLATE = "/interop/nginx-forward-auth.conf";
    @TempDir
    static Path tmp;
    static TestPki pki;
    static Path pkiDir;
    static RunningPdp pdp;
    static RunningPdp revocationCheckingPdp;
    static RawUpstream upstream;
    static Process nginx;
    static Process revocationCheckingNginx;
    static int nginxPort;
    static int revocationCheckingPort;

    @BeforeAll
    static void start() throws Exception {
        RealPeers.require("curl", "/usr/bin/curl", "curl");
        pki = TestPki.create(Instant.now());
        pkiDir = tmp.resolve("pki");
        pki.writeTo(pkiDir);
        // the allowed client's name on a revoked certificate: only the CRL tells it from the real one
        TestCert revokedPartner = pki.certificate("revoked-partner").c("DE").o("Example Partner GmbH")
                .cn("billing-service").clientAuth().issuedBy(pki.intermediateCa())
                .validity(Duration.ofDays(-1), Duration.ofDays(90)).build();
        Files.writeString(pkiDir.resolve("revoked-partner-chain.pem"), revokedPartner.chainPem());
        Files.writeString(pkiDir.resolve("revoked-partner.key"), revokedPartner.keyPem());
        Path crl = Files.writeString(pkiDir.resolve("proxy-crl.pem"), TestPki.pem(pki.crl(pki.intermediateCa(),
                revokedPartner.certificate().getSerialNumber())));
        Path trust = Files.writeString(pkiDir.resolve("client-trust.pem"),
                pki.rootCa().pem() + pki.intermediateCa().pem());
        pdp = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop:
                  trusted_proxies: [127.0.0.1/32]
                  request_headers: [user-agent]
                  obligation_headers: [x-authenticated-*, x-client-*, x-certificate-*, x-service, x-seen-*]
                """, "interop");
        revocationCheckingPdp = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop:
                  trusted_proxies: [127.0.0.1/32]
                  verify_ca_file: %s
                  crl_files: [%s]
                """.formatted(trust, crl), "interop");
        upstream = new RawUpstream();
        nginxPort = RealPeers.freePort();
        nginx = startNginx("nginx", nginxPort, pdp.port());
        revocationCheckingPort = RealPeers.freePort();
        revocationCheckingNginx = startNginx("nginx-crl", revocationCheckingPort, revocationCheckingPdp.port());
    }

    static Process startNginx(String name, int port, int pdpPort) throws Exception {
        String nginxBin = RealPeers.require("nginx", "/usr/sbin/nginx", "nginx");
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        String conf = RealPeers.template(TEMPLATE, Map.of("dir", dir.toString(),
                "port", Integer.toString(port),
                "server_cert", pkiDir.resolve("server.pem").toString(),
                "server_key", pkiDir.resolve("server.key").toString(),
                "client_ca", pkiDir.resolve("ca.pem").toString(),
                "upstream_port", Integer.toString(upstream.port()),
                "pdp_port", Integer.toString(pdpPort)));
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        Process p = new ProcessBuilder(nginxBin, "-p", dir.toString(), "-c", confFile.toString(), "-e",
                dir.resolve("error.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        RealPeers.awaitListening(p, port, dir.resolve("stdout.log"), dir.resolve("error.log"));
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        RealPeers.stop(nginx);
        RealPeers.stop(revocationCheckingNginx);
        if (upstream != null) {
            upstream.close();
        }
        if (pdp != null) {
            pdp.close();
        }
        if (revocationCheckingPdp != null) {
            revocationCheckingPdp.close();
        }
    }

    @BeforeEach
    void clear() {
        upstream.clear();
    }

    @Test
    void allowedClientReachesUpstreamWithObligationHeaders() throws Exception {
        Curl r = curl("/orders?x=1", "partner", "-H", "User-Agent: erp-client/1.0", "-H", "Cookie: s=secret");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(RawUpstream.BODY);
        RawUpstream.Request h = upstream.only();
        assertThat(h.get("x-authenticated-userid")).isEqualTo("billing-service");
        assertThat(h.get("x-client-ip")).isEqualTo("127.0.0.1");
        assertThat(h.get("x-service")).isEqualTo("partner-api");
        assertThat(h.get("x-decision-id")).matches("[0-9a-f-]{36}");
    }

    @Test
    void clientNotAllowedByPolicyIsForbidden() throws Exception {
        Curl r = curl("/orders", "iot-device");
        assertThat(r.status()).isEqualTo(403);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void policyForbiddenPathIsForbiddenForAllowedClient() throws Exception {
        assertThat(curl("/admin/users", "partner").status()).isEqualTo(403);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void unverifiedCertificateIsUnauthorized() throws Exception {
        // other-ca is not trusted by ca.pem; optional_no_ca lets nginx pass FAILED:<reason> to the PDP
        Curl r = curl("/orders", "other-ca-client");
        assertThat(r.status()).isEqualTo(401);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void noCertificateIsUnauthorized() throws Exception {
        assertThat(curl("/orders", null).status()).isEqualTo(401);
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void spoofedCertificateAndIdentityHeadersFromTheClientAreIgnored() throws Exception {
        String escaped = java.net.URLEncoder.encode(pki.partnerClient().pem(), StandardCharsets.UTF_8).replace("+", "%20");
        Curl r = curl("/orders", null, "-H", "X-SSL-Client-Cert: " + escaped, "-H", "X-SSL-Client-Verify: SUCCESS",
                "-H", "X-Forwarded-Client-Cert: Cert=\"" + escaped + "\"");
        assertThat(r.status()).isEqualTo(401);
        assertThat(upstream.received()).isEmpty();

        Curl allowed = curl("/orders", "partner",
                "-H", "X-Authenticated-Userid: admin", "-H", "X-Client-Ip: 10.9.9.9");
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(upstream.only().getAll("x-authenticated-userid")).containsExactly("billing-service");
        assertThat(upstream.only().getAll("x-client-ip")).containsExactly("127.0.0.1");
    }

    @Test
    void aRevokedCertificateIsUnauthorizedWhenThePdpChecksTheCrl() throws Exception {
        // nginx has no ssl_crl and says SUCCESS; the PDP's own verification finds the certificate in the CRL
        Curl revoked = RealPeers.curl(tmp, pkiDir, revocationCheckingPort, "/orders", "revoked-partner");
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(upstream.received()).isEmpty();

        // nginx forwards the leaf only; interop.verify_ca_file holds the intermediate that completes the path
        Curl allowed = RealPeers.curl(tmp, pkiDir, revocationCheckingPort, "/orders", "partner");
        assertThat(allowed.status()).isEqualTo(200);
        assertThat(upstream.only().get("x-authenticated-userid")).isEqualTo("billing-service");
    }

    // ------------------------------------------------------------------ ambiguous paths

    @Test
    void publicOnlyClientReachesTheUpstreamUnderPublicOnly() throws Exception {
        Curl r = curl("/public/docs?page=2", "iot-device");
        assertThat(r.status()).isEqualTo(200);
        RawUpstream.Request up = upstream.only();
        assertThat(up.target()).isEqualTo("/public/docs?page=2");
        assertThat(up.getAll("x-authenticated-userid")).containsExactly("device-" + TestPki.DEVICE_SERIAL);

        upstream.clear();
        assertThat(curl("/admin", "iot-device").status()).isEqualTo(403);
        assertThat(curl("/private", "iot-device").status()).isEqualTo(403);
        assertThat(upstream.received()).isEmpty();
    }

    /**
     * Each spelling leads to /admin (or a NUL) at an upstream that resolves it; the client may only use
     * /public/. Whatever nginx answers (its own 400, or 500 for the PDP's 400 BAD_PATH), the request never
     * reaches the upstream.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/public/../admin", "/public/%2e%2e/admin", "/public/%2E%2E/admin", "/public/.%2e/admin",
            "/public/..%2fadmin", "/public/..%2Fadmin", "/public/..;/admin", "/public/..%3b/admin", "/public/%00",
            "/public/%00/../../admin", "/public/..%5cadmin", "/public/..\\admin", "/public/%252e%252e/admin",
            "/public//../admin", "/public/./../admin", "/public/admin.", "/public/../../admin"})
    void ambiguousPathsNeverReachTheUpstream(String path) throws Exception {
        Curl r = curl(path, "iot-device", "--path-as-is");
        assertThat(upstream.received()).as("%s answered %s", path, r.status()).isEmpty();
        assertThat(r.status()).as(path).isIn(400, 500);
    }

    // ------------------------------------------------------------------ client-sent trust headers

    /**
     * A client's own certificate, verdict, address or identity header never reaches the upstream with its
     * value, in any spelling; without a certificate the request is not allowed at all.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "X-SSL-Client-CN|root", "X-SSL-Client-DN|CN=root", "X-SSL-Issuer-DN|CN=Certgate Test Issuing CA",
            "X-SSL-Client-Sha1|0000000000000000000000000000000000000000", "X-SSL-Client-Serial|01",
            "X-SSL-Client-Not-After|2099-01-01T00:00:00Z", "X-SSL-Client-SAN|root.example.com", "X-SSL-Verify|0",
            "X-SSL-Client-Cert|MIIB", "X-SSL-Client-Verify|SUCCESS", "X_SSL_Client_CN|root", "X_SSL_Verify|0",
            "X-Forwarded-Client-Cert|Hash=00;Subject=\"CN=root\"", "X-Forwarded-Tls-Client-Cert|MIIB",
            "X-Client-Cert|MIIB", "X-Client-Verify|SUCCESS", "SSL-Client-Cert|MIIB", "SSL-Client-Verify|SUCCESS",
            "X-ARR-ClientCert|MIIB", "X-Amzn-Mtls-Clientcert|MIIB", "X-Amzn-Mtls-Clientcert-Leaf|MIIB",
            "Client-Cert|:MIIB:", "Client-Cert-Chain|:MIIB:",
            "X-Real-IP|6.6.6.6", "Forwarded|for=6.6.6.6", "X-Forwarded-For|6.6.6.6", "X-Forwarded-Host|evil.test",
            "X-Forwarded-Proto|http",
            "X-Authz-Fallback|pdp-unavailable", "X-Remote-User|root", "Remote-User|root",
            "X-Auth-Request-User|root", "X-Auth-Request-Email|root@example.com",
            "X-Certgate-Assertion|forged", "X-Certgate-Service|admin-api", "X-Original-URI|/public/x",
            "X-Original-Method|GET",
            "X-Authenticated-Userid|root", "X_Authenticated_Userid|root", "X-Decision-Id|forged",
            "X-Client-Ip|6.6.6.6", "X-Service|admin-api", "X-Client-Id|root", "X-User-Id|root", "X-Profile-Id|root",
            "X-Roles|admin", "X-Groups|admins"})
    void clientSentTrustHeaderNeverReachesTheUpstream(String name, String value) throws Exception {
        assertThat(curl("/orders", null, "-H", name + ": " + value).status()).isEqualTo(401);
        assertThat(upstream.received()).isEmpty();

        Curl allowed = curl("/orders", "partner", "-H", name + ": " + value);
        assertThat(allowed.status()).isEqualTo(200);
        String canonical = HeaderPolicy.canonicalName(name);
        assertThat(upstream.only().headers())
                .as("the upstream must not see the client's %s: %s", name, value)
                .noneMatch(h -> HeaderPolicy.canonicalName(h.getKey()).equals(canonical) && h.getValue().equals(value));
    }

    @Test
    void obligationHeadersArriveDespiteSpoofedCopies() throws Exception {
        Curl r = curl("/orders", "partner", "-H", "X-Authenticated-Userid: root", "-H", "X-Client-Ip: 6.6.6.6",
                "-H", "X-Service: admin-api", "-H", "X-Decision-Id: forged", "-H", "X-SSL-Client-CN: root",
                "-H", "X-Forwarded-For: 6.6.6.6", "-H", "X-Request-Id: kept");
        assertThat(r.status()).isEqualTo(200);
        RawUpstream.Request up = upstream.only();
        assertThat(up.getAll("x-authenticated-userid")).containsExactly("billing-service");
        assertThat(up.getAll("x-client-ip")).containsExactly("127.0.0.1");
        assertThat(up.getAll("x-service")).containsExactly("partner-api");
        assertThat(up.getAll("x-decision-id")).singleElement().asString().matches("[0-9a-f-]{36}");
        assertThat(up.getAll("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(up.getAll("x-ssl-client-cn")).isEmpty();
        assertThat(up.getAll("x-request-id")).as("an ordinary header passes").containsExactly("kept");
    }

    /** nginx copies a 401's WWW-Authenticate from the auth subrequest itself; nothing else adds one. */
    @Test
    void stepUpChallengeCarriesOneWwwAuthenticateAndNothingElseDoes() throws Exception {
        Curl challenge = curl("/step-up", "partner");
        assertThat(challenge.status()).isEqualTo(401);
        assertThat(headerLines(challenge, "www-authenticate")).singleElement().asString()
                .startsWith("Bearer error=\"insufficient_user_authentication\"")
                .contains("acr_values=\"urn:example:acr:phr\"");

        assertThat(headerLines(curl("/orders", "partner"), "www-authenticate")).as("allow").isEmpty();
        assertThat(headerLines(curl("/admin", "partner"), "www-authenticate")).as("403").isEmpty();
        assertThat(headerLines(curl("/orders", null), "www-authenticate")).as("401 without challenge").isEmpty();
    }

    @Test
    void docsShowTheTestedServerBlock() throws Exception {
        String t = RealPeers.resource(TEMPLATE);
        String server = t.substring(t.indexOf("    server {"), t.lastIndexOf("    }\n") + "    }\n".length());
        assertThat(Files.readString(Path.of("../docs/apis.md")))
                .as("docs/apis.md must quote the server block of interop/nginx-forward-auth.conf verbatim")
                .contains(server);
    }

    static Curl curl(String path, String client, String... extra) throws Exception {
        return RealPeers.curl(tmp, pkiDir, nginxPort, path, client, extra);
    }

    /** The values of every {@code name} header line of a response (case-insensitive). */
    static List<String> headerLines(Curl r, String name) {
        return r.headers().lines().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                .map(l -> l.substring(name.length() + 1).strip()).toList();
    }
}
