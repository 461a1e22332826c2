package io.certgate.pdp.api.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pdp.support.RunningPdp;
import io.certgate.testdata.TestPki;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** {@code /forward-auth} called directly: every certificate header format, trust, bad input. */
class ForwardAuthServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static TestPki pki;
    static RunningPdp trusted;
    static RunningPdp untrusted;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(Instant.now());
        trusted = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop:
                  trusted_proxies: [127.0.0.1/32, "::1/128"]
                  obligation_headers: [x-authenticated-*, x-client-*, x-service, x-seen-*]
                  request_headers: [user-agent]
                  hosts: [{host: api.example.com, service: partner-api}]
                  default_service: fallback
                """, "interop");
        untrusted = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop: {trusted_proxies: [10.0.0.0/8], obligation_headers: [x-authenticated-*, x-client-*, x-service, x-seen-*]}
                """, "interop");
    }

    @AfterAll
    static void stop() {
        trusted.close();
        untrusted.close();
    }

    static AggregatedHttpResponse call(RunningPdp pdp, String... headers) {
        var b = RequestHeaders.builder(HttpMethod.GET, ForwardAuthService.PATH);
        for (int i = 0; i < headers.length; i += 2) {
            b.add(headers[i], headers[i + 1]);
        }
        return WebClient.of(pdp.base()).execute(b.build()).aggregate().join();
    }

    static String escaped(String pem) {
        return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void nginxHeadersAllowWithObligationsAndTheOriginalRequest() {
        AggregatedHttpResponse r = call(trusted, "x-ssl-client-cert", escaped(pki.partnerClient().pem()),
                "x-ssl-client-verify", "SUCCESS", "x-forwarded-method", "PUT", "x-forwarded-uri", "/orders/7?a=b",
                "x-forwarded-host", "api.example.com:443", "x-real-ip", "203.0.113.9",
                "user-agent", "erp/1", "cookie", "secret");
        assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(200);
        assertThat(r.headers().get("x-authenticated-userid")).isEqualTo("billing-service");
        assertThat(r.headers().get("x-seen-method")).isEqualTo("PUT");
        assertThat(r.headers().get("x-seen-path")).isEqualTo("/orders/7");
        assertThat(r.headers().get("x-client-ip")).isEqualTo("203.0.113.9");
        assertThat(r.headers().get("x-service")).isEqualTo("partner-api");
        assertThat(r.headers().get("x-seen-user-agent")).isEqualTo("erp/1");
        assertThat(r.headers().get("x-seen-cookie")).isEqualTo("not forwarded");
    }

    @Test
    void nginxFailedVerificationMapsToTheOpenSslCode() {
        AggregatedHttpResponse r = call(trusted, "x-ssl-client-cert", escaped(pki.otherCaClient().pem()),
                "x-ssl-client-verify", "FAILED:unable to get local issuer certificate");
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(r.contentUtf8()).contains("CERT_UNTRUSTED").contains("unable to get local issuer certificate");
    }

    @Test
    void certificateWithoutVerdictIsNotTrusted() {
        AggregatedHttpResponse r = call(trusted, "x-ssl-client-cert", escaped(pki.partnerClient().pem()));
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(r.contentUtf8()).contains("sent no x-ssl-client-verify");
    }

    @Test
    void envoyXfccAndTraefikHeadersAreRead() {
        // form-style encoding ('+' for the armor's spaces) is read as well as %20
        String xfcc = "By=spiffe://proxy;Hash=abc;Cert=\"" + URLEncoder.encode(pki.partnerClient().pem(),
                StandardCharsets.UTF_8)
                + "\";Subject=\"CN=billing-service,O=x\"";
        assertThat(call(trusted, "x-forwarded-client-cert", xfcc).headers().get("x-authenticated-userid"))
                .isEqualTo("billing-service");
        String traefik = escaped(Base64.getEncoder().encodeToString(pki.partnerClient().der()));
        assertThat(call(trusted, "x-forwarded-tls-client-cert", traefik).headers().get("x-authenticated-userid"))
                .isEqualTo("billing-service");
    }

    @Test
    void hostMappingAndDefaultService() {
        assertThat(call(trusted, "x-ssl-client-cert", escaped(pki.partnerClient().pem()), "x-ssl-client-verify",
                "SUCCESS", "x-forwarded-host", "other.example.com").headers().get("x-service")).isEqualTo("fallback");
    }

    @Test
    void certificateHeadersFromUntrustedCallersAreIgnored() {
        AggregatedHttpResponse r = call(untrusted, "x-ssl-client-cert", escaped(pki.partnerClient().pem()),
                "x-ssl-client-verify", "SUCCESS", "x-real-ip", "10.1.1.1");
        assertThat(r.status().code()).isEqualTo(401);
        assertThat(r.contentUtf8()).contains("CERT_MISSING");
    }

    @Test
    void unparseableCertificateHeaderIs400WithMessage() throws Exception {
        AggregatedHttpResponse r = call(trusted, "x-ssl-client-cert", "not-a-certificate",
                "x-ssl-client-verify", "SUCCESS");
        assertThat(r.status().code()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.contentUtf8());
        assertThat(body.get("error_code").asText()).isEqualTo("BAD_REQUEST");
        assertThat(body.get("message").asText()).contains("x-ssl-client-cert");

        AggregatedHttpResponse garbled = call(trusted, "x-ssl-client-cert", escaped("-----BEGIN CERTIFICATE-----\n"
                + "AAAA\n-----END CERTIFICATE-----\n"), "x-ssl-client-verify", "SUCCESS");
        assertThat(garbled.status().code()).isEqualTo(400);
        assertThat(call(trusted, "x-ssl-client-cert", escaped(pki.partnerClient().pem()), "x-ssl-client-verify",
                "MAYBE").contentUtf8()).contains("SUCCESS, FAILED:<reason> or NONE");
        assertThat(call(trusted, "x-forwarded-client-cert", "By=x;Hash=y").contentUtf8()).contains("neither Cert");
        assertThat(call(trusted, "x-forwarded-client-cert", "Cert=x", "x-ssl-client-cert", "y").contentUtf8())
                .contains("conflicting client certificate headers");
        // Caddy's placeholder without a certificate plus a client's own header: refused, not believed
        assertThat(call(trusted, "x-forwarded-tls-client-cert", "{http.request.tls.client.certificate_der_base64}",
                "x-ssl-client-cert", escaped(pki.partnerClient().pem()), "x-ssl-client-verify", "SUCCESS")
                .status().code()).isEqualTo(400);
    }

    @Test
    void badOriginalRequestHeadersAre400() {
        assertThat(call(trusted, "x-forwarded-uri", "orders").status().code()).isEqualTo(400);
        assertThat(call(trusted, "x-forwarded-method", "GE T").contentUtf8()).contains("BAD_METHOD");
        assertThat(call(trusted, "x-forwarded-uri", "/a", "x-original-uri", "/b").contentUtf8())
                .contains("more than one x-forwarded-uri / x-original-uri");
    }

    /** Each spelling reaches /admin at an upstream that resolves it; the policy must never see /public. */
    @ParameterizedTest
    @ValueSource(strings = {"/public/../admin", "/public/%2e%2e/admin", "/public/..%2fadmin", "/public/..;/admin",
            "/public/%00", "/public%2F..%2Fadmin", "/public/.%2e/admin", "/public\\..\\admin"})
    void ambiguousOriginalPathsAre400AndNeverDecided(String uri) {
        AggregatedHttpResponse r = call(trusted, "x-ssl-client-cert", escaped(pki.partnerClient().pem()),
                "x-ssl-client-verify", "SUCCESS", "x-forwarded-uri", uri);
        assertThat(r.status().code()).as(uri).isEqualTo(400);
        assertThat(r.contentUtf8()).contains("BAD_PATH");
        assertThat(r.headers().get("x-seen-path")).isNull();
    }

    @Test
    void thePolicySeesTheCanonicalPathAndHost() {
        AggregatedHttpResponse r = call(trusted, "x-ssl-client-cert", escaped(pki.partnerClient().pem()),
                "x-ssl-client-verify", "SUCCESS", "x-forwarded-uri", "/orders//%37?x=%2e",
                "x-forwarded-host", "API.Example.COM.:443");
        assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(200);
        assertThat(r.headers().get("x-seen-path")).isEqualTo("/orders/7");
        assertThat(r.headers().get("x-service")).as("host mapping after canonicalization").isEqualTo("partner-api");
    }

    @Test
    void noCertificateIs401AndHugeBodiesAreRejected() {
        assertThat(call(trusted, "x-ssl-client-verify", "NONE").status().code()).isEqualTo(401);
        assertThat(call(trusted, "x-forwarded-tls-client-cert", "{http.request.tls.client.certificate_der_base64}")
                .contentUtf8()).contains("CERT_MISSING");
        AggregatedHttpResponse big = WebClient.of(trusted.base())
                .post(ForwardAuthService.PATH, new byte[200_000]).aggregate().join();
        assertThat(big.status().code()).isEqualTo(413);
        assertThat(big.contentUtf8()).contains("\"status\":413").contains("max_request_bytes");
    }
}
