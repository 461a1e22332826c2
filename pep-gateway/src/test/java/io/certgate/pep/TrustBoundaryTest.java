package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import io.certgate.pep.support.CgiEnvironment;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The attacks on the gateway's trust boundary, each driven by a real client (raw HTTP/1.1 over TLS, HTTP/2)
 * through the real gateway: identity headers in underscore spellings, ambiguous paths and hosts,
 * {@code policy.when} sidesteps, client-sent proxy-trust headers, ambiguous certificate-derived values and
 * slow bodies. The upstream is read the way a CGI upstream reads it ({@link CgiEnvironment}).
 */
class TrustBoundaryTest {
    static final String REQUIRED = "required.example.test";
    static final String NONE = "none.example.test";
    static final String WHEN = "when.example.test";
    static final String SLOW = "slow.example.test";
    static final String DEFAULTS = "defaults.example.test";

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("tb-required", REQUIRED, "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("tb-none", NONE, "{verify: none}", "{}"),
                e.service("tb-when", WHEN, "{verify: optional, ca_file: ca.pem}",
                        "{when: {paths: [\"/admin/**\"], headers: [{name: x-tenant, prefix: acme-}]}}"),
                simple("tb-slow", SLOW, "{verify: none}", "{body_timeout_ms: 1500}"),
                simple("tb-defaults", DEFAULTS, "{verify: required, ca_file: ca.pem}", "{}"))).port();
    }

    /** A service with the default header policy and the given {@code request:} section. */
    static String simple(String name, String sni, String mtls, String request) {
        return E2e.service(name, sni, mtls, "{url: \"" + e.upstream.url() + "\"}", "{}", request);
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    // ------------------------------------------------------------------ identity headers, any spelling

    @Test
    void underscoreSpellingsOfIdentityHeadersNeverReachTheUpstreamOverHttp1() throws Exception {
        String spoof = "X_SSL_Client_CN: alice\r\nX_SSL_Verify: 0\r\nX_Authenticated_Userid: root\r\n"
                + "X-SSL-Client-CN: mallory\r\nX_Client_Id: root\r\nX_Roles: admin\r\n";
        int before = e.upstream.count();
        Resp none = e.http1(port, NONE, null, "GET /public HTTP/1.1\r\nHost: " + NONE + "\r\n" + spoof + "\r\n");
        assertThat(none.status()).as(none.toString()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        Map<String, String> env = CgiEnvironment.of(e.upstream.last());
        assertThat(env).doesNotContainKeys("HTTP_X_SSL_CLIENT_CN", "HTTP_X_SSL_VERIFY", "HTTP_X_AUTHENTICATED_USERID",
                "HTTP_X_CLIENT_ID", "HTTP_X_ROLES");

        Resp required = e.http1(port, REQUIRED, e.pki.partnerClient(),
                "GET /invoices HTTP/1.1\r\nHost: " + REQUIRED + "\r\n" + spoof + "\r\n");
        assertThat(required.status()).as(required.toString()).isEqualTo(200);
        env = CgiEnvironment.of(e.upstream.last());
        assertThat(env).containsEntry("HTTP_X_SSL_CLIENT_CN", "billing-service")
                .containsEntry("HTTP_X_SSL_VERIFY", "0")
                .containsEntry("HTTP_X_CLIENT_ID", "billing-service")
                .containsEntry("HTTP_X_ROLES", "billing.read")
                .doesNotContainKey("HTTP_X_AUTHENTICATED_USERID");
    }

    @Test
    void underscoreSpellingsNeverReachTheUpstreamOverHttp2() {
        RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.GET, "/public")
                .add("x_ssl_client_cn", "alice").add("x_ssl_verify", "0").add("x_authenticated_userid", "root")
                .add("x_tenant", "dropped-as-nginx-does");
        Resp r = E2e.execute(e.client(port, NONE, null), b.build());
        assertThat(r.status()).isEqualTo(200);
        Map<String, String> env = CgiEnvironment.of(e.upstream.last());
        assertThat(env).doesNotContainKeys("HTTP_X_SSL_CLIENT_CN", "HTTP_X_SSL_VERIFY", "HTTP_X_AUTHENTICATED_USERID",
                "HTTP_X_TENANT");
    }

    /** Every header a proxy or this product uses to carry trust is the gateway's to set, never the client's. */
    @Test
    void clientSentProxyTrustHeadersAreStripped() {
        WebClient c = e.client(port, REQUIRED, e.pki.partnerClient());
        Resp r = E2e.get(c, "/x", "x-forwarded-client-cert", "Hash=1;Subject=\"CN=root\"",
                "x-forwarded-tls-client-cert", "MIIB", "x-client-cert", "MIIB", "x-client-verify", "SUCCESS",
                "ssl-client-cert", "MIIB", "x-arr-clientcert", "MIIB", "x-real-ip", "6.6.6.6",
                "forwarded", "for=6.6.6.6", "x-authz-fallback", "pdp-unavailable", "x-forwarded-for", "6.6.6.6",
                "x-forwarded-host", "evil.test", "x-certgate-assertion", "forged", "x-decision-id", "forged");
        assertThat(r.status()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        for (String name : List.of("x-forwarded-client-cert", "x-forwarded-tls-client-cert", "x-client-cert",
                "x-client-verify", "ssl-client-cert", "x-arr-clientcert", "x-real-ip", "forwarded",
                "x-authz-fallback", "x-certgate-assertion")) {
            assertThat(up.get(name)).as(name).isNull();
        }
        assertThat(up.getAll("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(up.getAll("x-forwarded-host")).containsExactly(REQUIRED + ":" + port);
        assertThat(up.getAll("x-decision-id")).hasSize(1).noneMatch("forged"::equals);
    }

    @Test
    void obligationsOutsideTheServicePatternAreDroppedAndCounted() {
        Resp r = E2e.get(e.client(port, DEFAULTS, e.pki.partnerClient()), "/x");
        assertThat(r.status()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertThat(up.get("x-client-id")).isEqualTo("billing-service");
        assertThat(up.get("x-pdp-path")).as("not an obligation this service allows").isNull();
        assertThat(e.registry(port).get("pep_obligations_refused_total").tag("service", "tb-defaults").counter()
                .count()).isPositive();
    }

    // ------------------------------------------------------------------ one host

    @Test
    void twoHostHeadersAre400AndNeverForwarded() throws Exception {
        int before = e.upstream.count();
        Resp r = e.http1(port, REQUIRED, e.pki.partnerClient(), "GET /x HTTP/1.1\r\nHost: " + REQUIRED
                + "\r\nHost: " + NONE + "\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("BAD_HOST");
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void anHttp2HostHeaderThatDisagreesWithTheAuthorityIs400() {
        int before = e.upstream.count();
        Resp r = E2e.execute(e.client(port, REQUIRED, e.pki.partnerClient()),
                RequestHeaders.builder(HttpMethod.GET, "/x").authority(REQUIRED + ":" + port).add("host", NONE).build());
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void theUpstreamGetsExactlyTheCheckedAuthority() {
        Resp r = E2e.get(e.client(port, REQUIRED, e.pki.partnerClient()), "/x");
        assertThat(r.status()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertThat(up.getAll("host")).hasSizeLessThanOrEqualTo(1).noneMatch(h -> h.startsWith(REQUIRED));
        assertThat(up.getAll("x-forwarded-host")).containsExactly(REQUIRED + ":" + port);
        assertThat(up.get("x-pdp-host")).isEqualTo(REQUIRED);
    }

    // ------------------------------------------------------------------ one path

    /** What the policy saw (x-pdp-path, reported by the test policy) is what the upstream received. */
    @ParameterizedTest
    @ValueSource(strings = {"/a//b%41", "/caf%c3%a9", "/x%7e?q=%2e&r", "/reports/2024.pdf", "/a%20b"})
    void thePolicyAndTheUpstreamSeeTheSameCanonicalRequest(String target) throws Exception {
        Resp r = e.http1(port, REQUIRED, e.pki.partnerClient(), "GET " + target + " HTTP/1.1\r\nHost: " + REQUIRED
                + "\r\n\r\n");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        // Obligation values are percent-encoded like every header value from a policy; decode once.
        String seen = URLDecoder.decode(up.get("x-pdp-path").replace("+", "%2B"), StandardCharsets.UTF_8);
        String received = up.path().contains("?") ? up.path().substring(0, up.path().indexOf('?')) : up.path();
        assertThat(received).isEqualTo(seen);
        assertThat(seen).doesNotContain("//").doesNotContain("%41").doesNotContain("%7e").doesNotContain("%c3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/public/..%2fadmin", "/admin%2Fx", "/admin%3Bx", "/admin%2e/x", "/admin%5Cx",
            "/admin;x", "/admin/./x", "/a%252e%252e/admin", "/a%C0%AE"})
    void ambiguousPathsAre400BeforeAnyDecision(String target) throws Exception {
        int before = e.upstream.count();
        Resp r = e.http1(port, WHEN, null, "GET " + target + " HTTP/1.1\r\nHost: " + WHEN + "\r\n\r\n");
        assertThat(r.status()).as(target + " " + r).isEqualTo(400);
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    /** {@code when: /admin/**, x-tenant: acme-*}: every spelling of an admin request by a tenant is decided. */
    @Test
    void policyWhenCannotBeSidestepped() throws Exception {
        assertThat(whenRequest("/other", "x-tenant: acme-1")).as("outside the paths").isEqualTo(200);
        assertThat(whenRequest("/admin/x", "x-tenant: other")).as("another tenant, unambiguously").isEqualTo(200);
        assertThat(whenRequest("/admin/x", "x-tenant: acme-1")).isEqualTo(403);
        assertThat(whenRequest("/ADMIN/x", "x-tenant: acme-1")).as("case").isEqualTo(403);
        assertThat(whenRequest("/Admin/X", "x-tenant: acme-1")).as("case").isEqualTo(403);
        assertThat(whenRequest("/admin/x", "X-Tenant: ACME-1")).as("value case").isEqualTo(403);
        assertThat(whenRequest("/admin/x", "")).as("header missing").isEqualTo(403);
        assertThat(whenRequest("/admin/x", "x-tenant: other\r\nx-tenant: acme-1")).as("duplicated").isEqualTo(403);
        assertThat(whenRequest("/admin/x", "x_tenant: other")).as("underscore spelling").isEqualTo(403);
        assertThat(whenRequest("/admin//x", "x-tenant: acme-1")).as("merged slashes").isEqualTo(403);
        assertThat(whenRequest("/%61dmin/x", "x-tenant: acme-1")).as("encoded unreserved").isEqualTo(403);
    }

    private static int whenRequest(String path, String headers) throws Exception {
        return e.http1(port, WHEN, null, "GET " + path + " HTTP/1.1\r\nHost: " + WHEN + "\r\n"
                + (headers.isEmpty() ? "" : headers + "\r\n") + "\r\n").status();
    }

    // ------------------------------------------------------------------ certificate-derived values

    @Test
    void certificateHeaderValuesAreUnambiguous() throws Exception {
        TestCert realBreak = client("cn-crlf", new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "a\r\nb"));
        TestCert literal = client("cn-literal", new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "a%0D%0Ab"));
        assertThat(echo(realBreak).get("x-ssl-client-cn")).isEqualTo("a%0D%0Ab");
        assertThat(echo(literal).get("x-ssl-client-cn")).isEqualTo("a%250D%250Ab");

        TestCert twoCns = client("two-cns", new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Org")
                .addRDN(BCStyle.CN, "outer").addRDN(BCStyle.CN, "inner"));
        RequestHeaders up = echo(twoCns);
        assertThat(up.get("x-ssl-client-dn")).startsWith("CN=inner,");
        assertThat(up.get("x-ssl-client-cn")).isEqualTo("inner");

        TestCert comma = e.write(e.pki.certificate("uri-comma").cn("uri-comma").uri("https://a.test/x,y")
                .dns("b.test").clientAuth().issuedBy(e.pki.intermediateCa()).build());
        assertThat(echo(comma).get("x-ssl-client-san")).isEqualTo("b.test,https://a.test/x%2Cy");
    }

    private static TestCert client(String name, X500NameBuilder subject) throws Exception {
        return e.write(e.pki.certificate(name).subject(subject.build()).clientAuth()
                .issuedBy(e.pki.intermediateCa()).build());
    }

    private static RequestHeaders echo(TestCert cert) {
        Resp r = E2e.get(e.client(port, REQUIRED, cert), "/echo");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return e.upstream.last();
    }

    // ------------------------------------------------------------------ slow bodies

    @Test
    void aSlowBodyIsTimedOutAndNeverForwarded() throws Exception {
        int before = e.upstream.count();
        try (SSLSocket s = e.tlsSocket(port, SLOW, null)) {
            s.getOutputStream().write(("POST /public HTTP/1.1\r\nHost: " + SLOW + "\r\nContent-Length: 100\r\n\r\n"
                    + "only ten..").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            s.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            Resp r = E2e.readResponse(s.getInputStream());
            assertThat(r.status()).as(r.toString()).isEqualTo(408);
            assertThat(r.body()).contains("REQUEST_TIMEOUT");
        }
        assertThat(e.upstream.count()).isEqualTo(before);
    }

    @Test
    void aCompleteBodyIsForwarded() {
        WebClient c = e.client(port, SLOW, null, SessionProtocol.H1);
        var r = c.post("/public", "hello").aggregate().join();
        assertThat(r.status().code()).isEqualTo(200);
    }
}
