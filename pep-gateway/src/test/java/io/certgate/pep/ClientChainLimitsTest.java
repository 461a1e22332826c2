package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.SessionProtocol;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.CurlResult;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.testdata.TestCert;
import java.nio.file.Path;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mtls.max_chain_bytes} and {@code mtls.max_chain_depth} with real TLS 1.3 clients. A chain over the
 * byte limit fails the handshake, so no request on that connection reaches the upstream; up to the
 * largest limit that can be configured, responses are still written (the TLS 1.3 session ticket, which
 * carries the chain, still fits).
 */
class ClientChainLimitsTest {
    static final String DEFAULT = "default.example.test";
    static final String ROOMY = "roomy.example.test";
    static final String SHALLOW = "shallow.example.test";
    static final String SHALLOW_LENIENT = "shallow-lenient.example.test";

    @TempDir
    static Path tmp;
    static E2e e;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        port = e.start(E2e.gateway(E2e.embeddedPdp(), "",
                e.service("cl-default", DEFAULT, "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("cl-roomy", ROOMY, "{verify: required, ca_file: ca.pem, max_chain_bytes: 30720}", "{}"),
                e.service("cl-shallow", SHALLOW, "{verify: required, ca_file: ca.pem, max_chain_depth: 1}", "{}"),
                e.service("cl-shallow-lenient", SHALLOW_LENIENT,
                        "{verify: required, ca_file: ca.pem, max_chain_depth: 1, ca_error_strategy: ignoreAll}",
                        "{}"))).port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    @AfterEach
    void gatewayStillServes() {
        for (String host : new String[] {DEFAULT, ROOMY}) {
            Resp r = E2e.get(e.client(port, host, e.pki.partnerClient()), "/still-alive");
            assertThat(r.status()).as("the next client is served: " + r).isEqualTo(200);
        }
    }

    /** The size of the TLS 1.3 Certificate message presenting {@code c}'s chain (no per-certificate extensions). */
    static int certificateMessage(TestCert c) {
        return 4 + c.chainDer().stream().mapToInt(d -> 5 + d.length).sum();
    }

    /** A client the policy allows (CN billing-service) whose TLS Certificate message is {@code bytes} long, ±2. */
    static TestCert presentingBytes(String name, int bytes) throws Exception {
        TestCert probe = padded(name, 1_000);
        // the padding's DER length prefix is the same size for every value used here
        return e.write(padded(name, 1_000 + bytes - certificateMessage(probe)));
    }

    private static TestCert padded(String name, int padding) {
        return e.pki.certificate(name).c("DE").o("Example Partner GmbH").cn("billing-service").clientAuth()
                .issuedBy(e.pki.intermediateCa())
                .extension(new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), false,
                        new DEROctetString(new byte[padding]))
                .build();
    }

    private static void assertHandshakeFails(String host, TestCert client) {
        int before = e.upstream.count();
        // HTTP/1.1: the gateway writes nothing before its response, so a request that got through would be served
        CurlResult curl = e.curl(port, host, "/big", client, "--tlsv1.3", "--http1.1");
        assertThat(curl.exit()).as(curl.toString()).isNotZero();
        assertThat(curl.status()).as(curl.toString()).isZero();
        WebClient armeria = e.client(port, host, client);
        assertThatThrownBy(() -> E2e.get(armeria, "/big")).as(host).isNotNull();
        // A client can see its connection fail before a request it sent is forwarded; a request from a new
        // connection, answered after both, shows whether anything else arrived.
        assertThat(E2e.get(e.client(port, host, e.pki.partnerClient()), "/after").status()).isEqualTo(200);
        assertThat(e.upstream.count()).as("nothing else reaches the upstream").isEqualTo(before + 1);
        assertThat(e.upstream.last().path()).isEqualTo("/after");
    }

    private static void assertServedOverTls13(String host, TestCert client) {
        int before = e.upstream.count();
        CurlResult curl = e.curl(port, host, "/big", client, "--tlsv1.3", "--http1.1");
        assertThat(curl.resp().status()).as(curl.toString()).isEqualTo(200);
        assertThat(curl.body()).isEqualTo("upstream ok");
        WebClient h2 = e.client(port, host, client);
        for (String path : new String[] {"/one", "/two"}) {
            Resp r = E2e.get(h2, path);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
        }
        assertThat(e.upstream.count()).isEqualTo(before + 3);
        assertThat(e.upstream.last().get("x-ssl-client-cn")).isEqualTo("billing-service");
    }

    @Test
    void a60KilobyteCertificateFailsTheHandshakeAndReachesNothing() throws Exception {
        TestCert huge = presentingBytes("huge", 60_000);
        assertThat(huge.der().length).isGreaterThan(58_000);
        assertHandshakeFails(DEFAULT, huge);
        assertHandshakeFails(ROOMY, huge);
    }

    @Test
    void theDefaultLimitIs16KibAndAServiceMayRaiseIt() throws Exception {
        assertServedOverTls13(DEFAULT, presentingBytes("under-default", 16_384 - 64));
        TestCert over = presentingBytes("over-default", 16_384 + 64);
        assertHandshakeFails(DEFAULT, over);
        assertServedOverTls13(ROOMY, over);
    }

    @Test
    void atTheLargestConfigurableLimitResponsesAreStillWritten() throws Exception {
        assertServedOverTls13(ROOMY, presentingBytes("under-max", 30_720 - 64));
        assertHandshakeFails(ROOMY, presentingBytes("over-max", 30_720 + 64));
    }

    @Test
    void aChainDeeperThanMaxChainDepthIsCode22() {
        // The partner presents its certificate and the issuing CA: two, one more than allowed.
        int before = e.upstream.count();
        Resp strict = E2e.get(e.client(port, SHALLOW, e.pki.partnerClient(), SessionProtocol.HTTPS), "/deep");
        assertThat(strict.status()).as(strict.toString()).isEqualTo(401);
        assertThat(strict.field("message")).isEqualTo(
                "the client certificate failed verification: certificate chain too long (22)");
        assertThat(e.upstream.count()).isEqualTo(before);
        Resp lenient = E2e.get(e.client(port, SHALLOW_LENIENT, e.pki.partnerClient()), "/deep");
        assertThat(lenient.status()).as(lenient.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-ssl-verify")).isEqualTo("22");
    }
}
