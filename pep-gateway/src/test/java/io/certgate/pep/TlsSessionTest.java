package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TLS versions (1.2 minimum, 1.3 preferred) and session resumption: on (a resumed session keeps the client
 * identity it was established with) but never across services, so a session established on one server
 * name cannot be resumed on another.
 */
class TlsSessionTest {
    static final String API = E2e.API;
    static final String OTHER = E2e.OTHER;
    static final String OPEN = "open.example.test";

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("api", API, "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("other", OTHER, "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("open", OPEN, "{verify: none}", "{}"))).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    // ------------------------------------------------------------------ versions

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.1"})
    void oldTlsVersionsAreRefusedByCurl(String version) {
        // SECLEVEL=0 lets the client offer them at all (OpenSSL 3 disables them by default).
        E2e.CurlResult r = e.curl(port, API, "/x", e.pki.partnerClient(), "--tlsv" + version, "--tls-max", version,
                "--ciphers", "DEFAULT@SECLEVEL=0");
        assertThat(r.exit()).as(r.toString()).isEqualTo(35);
        assertThat(r.stderr()).contains("alert protocol version");
        assertThat(r.status()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1", "-tls1_1"})
    void oldTlsVersionsAreRefusedByOpenssl(String flag) {
        Proc p = E2e.sClient(port, "", 3000, flag, "-cipher", "DEFAULT@SECLEVEL=0", "-servername", API);
        assertThat(p.exit()).isNotZero();
        assertThat(p.stderr()).contains("alert protocol version");
        assertThat(p.stdout()).contains("Cipher is (NONE)");
    }

    @Test
    void tls12And13AreAcceptedAnd13IsPreferred() {
        E2e.CurlResult v12 = e.curl(port, API, "/x", e.pki.partnerClient(), "-v", "--tlsv1.2", "--tls-max", "1.2");
        assertThat(v12.resp().status()).isEqualTo(200);
        assertThat(v12.stderr()).contains("SSL connection using TLSv1.2");
        E2e.CurlResult v13 = e.curl(port, API, "/x", e.pki.partnerClient(), "-v", "--tlsv1.2");
        assertThat(v13.resp().status()).isEqualTo(200);
        assertThat(v13.stderr()).contains("SSL connection using TLSv1.3");
    }

    @Test
    void theJdkClientNegotiatesTls13AndTls12() throws Exception {
        try (SSLSocket s = e.tlsSocket(port, API, e.pki.partnerClient())) {
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
            s.getOutputStream().write(("GET /jdk HTTP/1.1\r\nHost: " + API + "\r\n\r\n").getBytes());
            assertThat(E2e.readResponse(s.getInputStream()).status()).isEqualTo(200);
        }
        SSLSocket s12 = e.tlsSocket(port, API, e.pki.partnerClient(), "TLSv1.2");
        try (s12) {
            assertThat(s12.getSession().getProtocol()).isEqualTo("TLSv1.2");
            s12.getOutputStream().write(("GET /jdk12 HTTP/1.1\r\nHost: " + API + "\r\n\r\n").getBytes());
            assertThat(E2e.readResponse(s12.getInputStream()).status()).isEqualTo(200);
        }
    }

    // ------------------------------------------------------------------ resumption

    private static String request(String host, String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
    }

    /** One s_client connection; returns its stdout ("New, …" or "Reused, …", then the HTTP response). */
    private static String sClient(String version, String sni, String path, List<String> extra) {
        List<String> args = new ArrayList<>(List.of(version, "-servername", sni));
        args.addAll(extra);
        // Keep stdin open long enough for the response (and, in TLS 1.3, the session tickets) to arrive.
        Proc p = E2e.sClient(port, request(sni, path), 10_000, args.toArray(String[]::new));
        return p.stdout() + "\n[exit " + p.exit() + "] " + p.stderr();
    }

    private static boolean reused(String out) {
        return out.lines().anyMatch(l -> l.startsWith("Reused, "));
    }

    private static boolean fresh(String out) {
        return out.lines().anyMatch(l -> l.startsWith("New, "));
    }

    /** The response's status line (s_client may print it in the middle of a line of session details). */
    private static String status(String out) {
        int at = out.indexOf("HTTP/1.1 ");
        return at < 0 ? "no response: " + out : out.substring(at, out.indexOf('\r', at) < 0 ? out.length()
                : out.indexOf('\r', at));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void aSessionResumesOnItsOwnServiceWithItsIdentityButNeverOnAnother(String version) throws Exception {
        String session = e.file("session" + version + ".pem");
        List<String> withCert = new ArrayList<>(List.of("-sess_out", session));
        withCert.addAll(e.sClientCert(e.pki.partnerClient()));
        String first = sClient(version, API, "/first", withCert);
        assertThat(fresh(first)).as(first).isTrue();
        assertThat(status(first)).startsWith("HTTP/1.1 200");
        assertThat(Files.size(Path.of(session))).isPositive();

        // Same service, no certificate offered this time: the resumed session still carries the partner.
        int before = e.upstream.count();
        String same = sClient(version, API, "/resumed", List.of("-sess_in", session));
        assertThat(reused(same)).as("session resumption is on: " + same).isTrue();
        assertThat(status(same)).startsWith("HTTP/1.1 200");
        assertThat(e.upstream.count()).isEqualTo(before + 1);
        assertThat(e.upstream.last().get("x-ssl-client-cn")).isEqualTo("billing-service");

        // Another service: a full handshake, and without a certificate that service has nobody.
        String cross = sClient(version, OTHER, "/crossed", List.of("-sess_in", session));
        assertThat(reused(cross)).as(cross).isFalse();
        assertThat(fresh(cross)).isTrue();
        assertThat(status(cross)).startsWith("HTTP/1.1 401");
        assertThat(cross).contains("\"error_code\":\"CERT_REQUIRED\"");
        assertThat(e.upstream.count()).isEqualTo(before + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void aSessionFromAServiceWithoutClientAuthDoesNotResumeOnOneWithIt(String version) throws Exception {
        String session = e.file("open-session" + version + ".pem");
        String first = sClient(version, OPEN, "/public", List.of("-sess_out", session));
        assertThat(status(first)).startsWith("HTTP/1.1 200");
        String cross = sClient(version, API, "/x", List.of("-sess_in", session));
        assertThat(reused(cross)).as(cross).isFalse();
        assertThat(status(cross)).startsWith("HTTP/1.1 401");
        // Control: it does resume where it came from.
        assertThat(reused(sClient(version, OPEN, "/public", List.of("-sess_in", session)))).isTrue();
    }
}
