package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TLS server name selects the service and the HTTP Host must belong to it: every mismatch is a 421
 * (from the service's own JSON error, or from the default host for names no service has) and nothing
 * reaches the upstream. Both services accept the partner, so a 421 can only come from the name check.
 */
class SniHostTest {
    static final String API = E2e.API;
    static final String OTHER = E2e.OTHER;

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("api", API, "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("other", OTHER, "{verify: required, ca_file: ca.pem}", "{}"))).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    @BeforeEach
    void reset() {
        e.upstream.reset();
    }

    /** curl to {@code https://sniHost:port/path}, optionally overriding the Host header. */
    private Resp curl(String sniHost, String hostHeader, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(extra));
        if (hostHeader != null) {
            args.addAll(List.of("-H", "Host: " + hostHeader));
        }
        return e.curl(port, sniHost, "/invoices", e.pki.partnerClient(), args.toArray(String[]::new)).resp();
    }

    private static void assertMisdirected(Resp r) {
        assertThat(r.status()).as(r.toString()).isEqualTo(421);
        assertThat(r.field("error_code")).isEqualTo("MISDIRECTED_REQUEST");
        assertThat(r.field("decision_id")).isEmpty();
        assertThat(r.header("content-type")).startsWith("application/json");
    }

    @Test
    void matchingSniAndHostAreServedIncludingHostWithPortAndAnyCase() {
        // curl sends "Host: api.example.test:PORT".
        assertThat(curl(API, null).status()).isEqualTo(200);
        assertThat(curl(API, "API.Example.TEST:" + port).status()).isEqualTo(200);
        assertThat(curl(OTHER, null, "--http1.1").status()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(3);
        assertThat(e.upstream.last().get("x-ssl-client-cn")).isEqualTo("billing-service");
    }

    @Test
    void hostOfAnotherServiceIs421() {
        Resp apiOther = curl(API, OTHER);
        assertMisdirected(apiOther);
        assertThat(apiOther.field("message")).isEqualTo("the Host header (" + OTHER
                + ") does not belong to the TLS server name (" + API + ")");
        assertMisdirected(curl(OTHER, API));
        assertMisdirected(curl(API, OTHER + ":" + port));
        assertMisdirected(curl(OTHER, API + ":" + port, "--http1.1"));
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void hostNamesNoServiceHasAre421() {
        assertMisdirected(curl(API, "unknown.example.test"));
        assertMisdirected(curl(API, "127.0.0.1:" + port));
        assertMisdirected(curl(API, API + "."));
        assertMisdirected(curl(API, "api.example.test.evil.com"));
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void unknownSniIs421EvenWithAKnownHost() {
        // The name is not served: curl must not verify the (first service's) certificate it gets.
        Resp unknown = e.curl(port, "unknown.example.test", "/invoices", e.pki.partnerClient(), "-k").resp();
        assertMisdirected(unknown);
        assertThat(unknown.field("message")).isEqualTo("no service is configured for this host name");
        assertMisdirected(e.curl(port, "unknown.example.test", "/invoices", e.pki.partnerClient(), "-k",
                "-H", "Host: " + API).resp());
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void noSniIs421() {
        // curl sends no SNI for an IP address.
        for (String host : new String[] {null, API, API + ":" + port}) {
            List<String> args = new java.util.ArrayList<>(List.of("-k", "--cert", e.chainFile(e.pki.partnerClient()),
                    "--key", e.keyFile(e.pki.partnerClient())));
            if (host != null) {
                args.addAll(List.of("-H", "Host: " + host));
            }
            args.add("https://127.0.0.1:" + port + "/invoices");
            assertMisdirected(e.curl(args).resp());
        }
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void noSniWithTheJdkClientIs421() throws Exception {
        Resp r = e.http1(port, null, e.pki.partnerClient(), "GET /x HTTP/1.1\r\nHost: " + API + "\r\n\r\n");
        assertMisdirected(r);
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void missingHostIs421() throws Exception {
        // HTTP/1.0 without Host: nothing to match the server name with.
        Resp r = e.http1(port, API, e.pki.partnerClient(), "GET /x HTTP/1.0\r\n\r\n");
        assertThat(r.status()).isEqualTo(421);
        assertThat(e.upstream.count()).isZero();
    }

    @Test
    void http2AuthorityIsCheckedPerRequestOnOneConnection() {
        WebClient c = e.client(port, API, e.pki.partnerClient());
        Resp ok = E2e.execute(c, RequestHeaders.builder(HttpMethod.GET, "/a").authority(API + ":" + port).build());
        assertThat(ok.status()).isEqualTo(200);
        // Same HTTP/2 connection (SNI api), another service's authority: no connection coalescing across services.
        Resp other = E2e.execute(c, RequestHeaders.builder(HttpMethod.GET, "/b").authority(OTHER).build());
        assertMisdirected(other);
        Resp back = E2e.execute(c, RequestHeaders.builder(HttpMethod.GET, "/c").authority(API).build());
        assertThat(back.status()).isEqualTo(200);
        assertThat(e.upstream.count()).isEqualTo(2);
    }

    /** One HTTP/1.1 request through {@code openssl s_client} (which, unlike curl and the JDK, sends any SNI). */
    private Resp sClient(String version, String sni, String host) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(version, "-servername", sni));
        args.addAll(e.sClientCert(e.pki.partnerClient()));
        E2e.Proc p = E2e.sClient(port, "GET /invoices HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 10_000,
                args.toArray(String[]::new));
        int at = p.stdout().indexOf("HTTP/1.1 ");
        assertThat(at).as("no response: " + p).isNotNegative();
        return E2e.readResponse(new java.io.ByteArrayInputStream(
                p.stdout().substring(at).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void aServerNameWithATrailingDotIs421(String version) throws Exception {
        // RFC 6066 forbids the dot in SNI; "api.example.test." is not the configured name, in SNI as in Host.
        for (String host : new String[] {API, API + ".", OTHER}) {
            Resp r = sClient(version, API + ".", host);
            assertMisdirected(r);
            assertThat(r.field("message")).as(host).isEqualTo("the TLS server name is not a valid host name"
                    + " (a trailing dot is not allowed); connect by the service's name");
        }
        Resp hostWithDot = sClient(version, API, API + ".");
        assertMisdirected(hostWithDot);
        assertThat(hostWithDot.field("message")).isEqualTo("no service is configured for this host name");
        assertThat(e.upstream.count()).isZero();
    }
}
