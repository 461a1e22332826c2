package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.SessionProtocol;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity headers are the gateway's alone: spoofed copies (any case, any combination, duplicated, over
 * HTTP/2 and HTTP/1.1) never reach the upstream, and header values taken from certificates carry no CR,
 * LF or other control characters, with non-ASCII characters percent-encoded as UTF-8.
 */
class HeaderSafetyTest {
    /** The names a client tries to assert; the last one differs only by case (meaningful on HTTP/1.1). */
    static final List<String> SPOOFED = List.of("x-ssl-verify", "x-ssl-client-cn", "x-ssl-client-dn", "x-client-id",
            "x-roles", "X-SSL-Client-CN");
    /** Every identity header the gateway may set; all of them are stripped from the client's request. */
    static final List<String> IDENTITY = List.of("x-ssl-verify", "x-ssl-client-sha1", "x-ssl-client-cn",
            "x-ssl-client-dn", "x-ssl-issuer-dn", "x-ssl-client-serial", "x-ssl-client-not-after", "x-ssl-client-san",
            "x-authenticated-userid", "x-client-id", "x-profile-id", "x-roles", "x-decision-id");

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;
    static String partnerDn;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("hs-required", "required.example.test", "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("hs-none", "none.example.test", "{verify: none}", "{}"))).port();
        partnerDn = e.pki.partnerClient().certificate().getSubjectX500Principal().getName();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    /** The gateway's values for the partner (the test policy adds x-client-id and x-roles). */
    static void assertPartnerIdentityOnly(RequestHeaders up, String what) {
        assertThat(up.getAll("x-ssl-verify")).as(what).containsExactly("0");
        assertThat(up.getAll("x-ssl-client-cn")).as(what).containsExactly("billing-service");
        assertThat(up.getAll("x-ssl-client-dn")).as(what).containsExactly(partnerDn);
        assertThat(up.getAll("x-ssl-issuer-dn")).as(what).containsExactly("CN=Certgate Test Issuing CA,O=Certgate Test,C=DE");
        assertThat(up.getAll("x-ssl-client-serial")).as(what)
                .containsExactly(e.pki.partnerClient().certificate().getSerialNumber().toString(16));
        assertThat(up.getAll("x-ssl-client-sha1")).as(what).hasSize(1).allMatch(v -> v.matches("[0-9a-f]{40}"));
        assertThat(up.getAll("x-ssl-client-not-after")).as(what).hasSize(1);
        assertThat(up.getAll("x-ssl-client-san")).as(what).hasSize(1);
        assertThat(up.getAll("x-client-id")).as(what).containsExactly("billing-service");
        assertThat(up.getAll("x-roles")).as(what).containsExactly("billing.read");
        assertThat(up.getAll("x-decision-id")).as(what).hasSize(1).allMatch(v -> v.matches("[0-9a-f-]{36}"));
        assertThat(up.get("x-authenticated-userid")).as(what).isNull();
        assertThat(up.get("x-profile-id")).as(what).isNull();
        assertNothingSpoofed(up, what);
    }

    static void assertNothingSpoofed(RequestHeaders up, String what) {
        up.forEach((name, value) -> assertThat(value).as(what + ": " + name).doesNotContainIgnoringCase("spoof")
                .doesNotContain("admin"));
    }

    @Test
    void everyCombinationOfSpoofedHeadersOverHttp2IsReplaced() {
        WebClient c = e.client(port, "required.example.test", e.pki.partnerClient());
        for (int mask = 1; mask < 1 << SPOOFED.size(); mask++) {
            RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.GET, "/invoices/" + mask);
            for (int i = 0; i < SPOOFED.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    b.add(SPOOFED.get(i), "spoofed-" + i);
                }
            }
            int before = e.upstream.count();
            Resp r = E2e.execute(c, b.build());
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(e.upstream.count()).isEqualTo(before + 1);
            assertPartnerIdentityOnly(e.upstream.last(), "combination " + Integer.toBinaryString(mask));
        }
    }

    @Test
    void everyIdentityHeaderNameIsStrippedOverHttp2() {
        RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.GET, "/all");
        for (String name : IDENTITY) {
            b.add(name, "spoofed").add(name, "admin");
        }
        Resp r = E2e.execute(e.client(port, "required.example.test", e.pki.partnerClient()), b.build());
        assertThat(r.status()).isEqualTo(200);
        assertPartnerIdentityOnly(e.upstream.last(), "all names twice");
    }

    @Test
    void mixedCaseAndDuplicatedHeadersOverHttp11AreReplaced() throws Exception {
        StringBuilder req = new StringBuilder("GET /h1 HTTP/1.1\r\nHost: required.example.test\r\n");
        for (String name : List.of("X-SSL-Client-CN", "x-ssl-client-cn", "X-Ssl-Verify", "X-SSL-VERIFY",
                "X-SSL-Client-DN", "X-Client-Id", "X-CLIENT-ID", "x-roles", "X-Roles", "X-Authenticated-UserId",
                "X-Decision-Id", "X-SSL-Issuer-DN", "X-Ssl-Client-Sha1")) {
            req.append(name).append(": spoofed admin\r\n");
        }
        req.append("\r\n");
        int before = e.upstream.count();
        Resp r = e.http1(port, "required.example.test", e.pki.partnerClient(), req.toString());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        assertPartnerIdentityOnly(e.upstream.last(), "raw HTTP/1.1");
    }

    @Test
    void curlWithSpoofedHeadersOverHttp11AndHttp2() {
        for (String version : List.of("--http1.1", "--http2")) {
            List<String> args = new ArrayList<>(List.of(version));
            for (String name : List.of("X-SSL-Client-CN", "X-Ssl-Verify", "X-Client-ID", "X-Roles", "X-SSL-Client-DN")) {
                args.addAll(List.of("-H", name + ": spoofed admin"));
            }
            Resp r = e.curl(port, "required.example.test", "/curl", e.pki.partnerClient(), args.toArray(String[]::new))
                    .resp();
            assertThat(r.status()).as(version + " " + r).isEqualTo(200);
            assertPartnerIdentityOnly(e.upstream.last(), "curl " + version);
        }
    }

    @Test
    void withVerifyNoneNoIdentityHeaderReachesTheUpstream() throws Exception {
        RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.GET, "/public");
        for (String name : IDENTITY) {
            b.add(name, "spoofed");
        }
        int before = e.upstream.count();
        Resp r = E2e.execute(e.client(port, "none.example.test", e.pki.partnerClient()), b.build());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        assertNoIdentity(e.upstream.last());

        StringBuilder raw = new StringBuilder("GET /public HTTP/1.1\r\nHost: none.example.test\r\n");
        SPOOFED.forEach(n -> raw.append(n).append(": spoofed\r\n"));
        Resp h1 = e.http1(port, "none.example.test", e.pki.partnerClient(), raw.append("\r\n").toString());
        assertThat(h1.status()).isEqualTo(200);
        assertNoIdentity(e.upstream.last());
    }

    static void assertNoIdentity(RequestHeaders up) {
        assertThat(up.names()).noneMatch(n -> n.toString().startsWith("x-ssl-"));
        for (String name : List.of("x-client-id", "x-roles", "x-authenticated-userid", "x-profile-id")) {
            assertThat(up.get(name)).as(name).isNull();
        }
        // The allow decision's id is the gateway's own.
        assertThat(up.getAll("x-decision-id")).hasSize(1).allMatch(v -> v.matches("[0-9a-f-]{36}"));
        assertNothingSpoofed(up, "verify none");
    }

    // ------------------------------------------------------------------ values from certificates

    /** The gateway's header encoding: UTF-8 bytes outside printable ASCII as %XX. */
    static String percentEncoded(String value) {
        StringBuilder sb = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            if (b >= 0x20 && b < 0x7f) {
                sb.append((char) b);
            } else {
                sb.append(String.format("%%%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    static String percentDecoded(String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%' && i + 2 < value.length() && value.substring(i + 1, i + 3).matches("[0-9A-F]{2}")) {
                out.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static void assertNoControlOrNonAscii(RequestHeaders up) {
        up.forEach((name, value) -> {
            for (char ch : value.toCharArray()) {
                assertThat(ch < 0x20 || ch >= 0x7f).as(name + ": " + value).isFalse();
            }
        });
    }

    @Test
    void crLfAndUnicodeInTheCertificateNeverSplitOrCorruptHeaders() throws Exception {
        TestCert injection = e.pki.headerInjectionClient();
        String cn = TestPki.INJECTION_CN;
        String expectedCn = percentEncoded(cn);
        assertThat(expectedCn).startsWith("mallory%0D%0Ax-authenticated-userid: admin%0D%0A%C3%9Cn%C3%AFc");

        List<Resp> responses = new ArrayList<>();
        int before = e.upstream.count();
        responses.add(E2e.get(e.client(port, "required.example.test", injection), "/echo"));
        List<RequestHeaders> seen = new ArrayList<>(List.of(e.upstream.last()));
        responses.add(E2e.get(e.client(port, "required.example.test", injection, SessionProtocol.H1), "/echo"));
        seen.add(e.upstream.last());
        responses.add(e.curl(port, "required.example.test", "/echo", injection, "--http1.1").resp());
        seen.add(e.upstream.last());
        responses.add(e.http1(port, "required.example.test", injection,
                "GET /echo HTTP/1.1\r\nHost: required.example.test\r\n\r\n"));
        seen.add(e.upstream.last());

        assertThat(responses).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(200));
        assertThat(e.upstream.count()).as("one upstream request per client request: nothing was split")
                .isEqualTo(before + responses.size());
        for (RequestHeaders up : seen) {
            assertNoControlOrNonAscii(up);
            assertThat(up.get("x-authenticated-userid")).isNull();
            assertThat(up.getAll("x-ssl-client-cn")).containsExactly(expectedCn);
            assertThat(percentDecoded(up.get("x-ssl-client-cn"))).isEqualTo(cn);
            // The obligation the policy builds from the CN is encoded the same way.
            assertThat(up.getAll("x-client-id")).containsExactly(expectedCn);
            assertThat(up.get("x-ssl-client-dn")).startsWith("CN=" + expectedCn + ",OU=injection,");
            assertThat(up.get("x-ssl-client-san")).isEqualTo("injection.example.com");
            assertThat(up.get("x-ssl-verify")).isEqualTo("0");
        }
    }

    @Test
    void unicodeSubjectFieldsArePercentEncodedAsUtf8AndDecodeBackExactly() throws Exception {
        // Allowed by CN; the organisation needs Latin-1, BMP and astral characters (distinct names that a
        // lossy encoding would have mapped to the same "?").
        String org = "Ünïcødé GmbH ✓ 漢字 \uD83D\uDD12";
        TestCert cert = e.write(e.pki.certificate("unicode-org").c("DE").o(org).ou("billing\r\nx-roles: admin")
                .cn("billing-service").clientAuth().issuedBy(e.pki.intermediateCa()).build());
        String dn = cert.certificate().getSubjectX500Principal().getName();
        Resp r = e.curl(port, "required.example.test", "/invoices", cert).resp();
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertNoControlOrNonAscii(up);
        assertThat(up.get("x-ssl-client-dn")).isEqualTo(percentEncoded(dn));
        assertThat(percentDecoded(up.get("x-ssl-client-dn"))).isEqualTo(dn).contains(org);
        assertThat(up.getAll("x-roles")).containsExactly("billing.read");
        assertThat(up.get("x-client-id")).isEqualTo("billing-service");
    }

    @Test
    void forwardingHeadersAreTheGatewaysOwnNeverAppendedToTheClients() {
        RequestHeadersBuilder b = RequestHeaders.builder(HttpMethod.GET, "/xff");
        b.add("x-forwarded-for", "203.0.113.9");
        b.add("x-forwarded-proto", "http");
        b.add("x-forwarded-host", "evil.example.com");
        Resp r = E2e.execute(e.client(port, "required.example.test", e.pki.partnerClient()), b.build());
        assertThat(r.status()).isEqualTo(200);
        RequestHeaders up = e.upstream.last();
        assertThat(up.getAll("x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(up.getAll("x-forwarded-proto")).containsExactly("https");
        assertThat(up.getAll("x-forwarded-host")).containsExactly("required.example.test:" + port);
        assertNoControlOrNonAscii(up);
    }
}
