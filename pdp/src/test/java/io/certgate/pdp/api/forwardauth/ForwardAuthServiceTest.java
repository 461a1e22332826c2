package io.certgate.pdp.api.forwardauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import io.certgate.pdp.support.RunningPdp;
import io.certgate.testdata.OcspTestResponder;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
    static RunningPdp reverifying;
    static OcspTestResponder ocsp;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(Instant.now());
        ocsp = new OcspTestResponder(pki.intermediateCa());
        trusted = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop:
                  trusted_proxies: [127.0.0.1/32, "::1/128"]
                  obligation_headers: [x-authenticated-*, x-client-*, x-certificate-*, x-service, x-seen-*]
                  request_headers: [user-agent]
                  hosts: [{host: api.example.com, service: partner-api}]
                  default_service: fallback
                """, "interop");
        untrusted = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop: {trusted_proxies: [10.0.0.0/8], default_service: fallback,
                  obligation_headers: [x-authenticated-*, x-client-*, x-certificate-*, x-service, x-seen-*]}
                """, "interop");
        Path trust = Files.writeString(tmp.resolve("trust.pem"), pki.rootCa().pem() + pki.intermediateCa().pem());
        Path crl = Files.writeString(tmp.resolve("crl.pem"), TestPki.pem(pki.crl()));
        // the reference policy, with the PDP verifying forwarded chains itself, revocation included
        reverifying = RunningPdp.start(tmp, """
                interop:
                  trusted_proxies: [127.0.0.1/32]
                  verify_ca_file: %s
                  crl_files: [%s]
                  ocsp: {enabled: true, soft_fail: true}
                """.formatted(trust, crl), null);
    }

    @AfterAll
    static void stop() {
        trusted.close();
        untrusted.close();
        reverifying.close();
        ocsp.close();
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
    void clientAddressServiceAndCertificateAreOnlyBelievedFromTrustedProxies() {
        String[] claims = {"x-forwarded-uri", "/whoami", "x-real-ip", "203.0.113.9",
                "x-certgate-service", "admin-api", "x-ssl-client-cert", escaped(pki.partnerClient().pem()),
                "x-ssl-client-verify", "SUCCESS"};
        AggregatedHttpResponse fromProxy = call(trusted, claims);
        assertThat(fromProxy.status().code()).as(fromProxy.contentUtf8()).isEqualTo(200);
        assertThat(fromProxy.headers().get("x-client-ip")).isEqualTo("203.0.113.9");
        assertThat(fromProxy.headers().get("x-service")).isEqualTo("admin-api");
        assertThat(fromProxy.headers().get("x-certificate-cn")).isEqualTo("billing-service");

        AggregatedHttpResponse fromAnyone = call(untrusted, claims);
        assertThat(fromAnyone.status().code()).as(fromAnyone.contentUtf8()).isEqualTo(200);
        assertThat(fromAnyone.headers().get("x-client-ip")).isEqualTo("127.0.0.1");
        assertThat(fromAnyone.headers().get("x-service")).isEqualTo("fallback");
        assertThat(fromAnyone.headers().get("x-certificate-cn")).isEqualTo("none");

        // x-forwarded-for: its last hop from a proxy, nothing from anyone else
        String[] hops = {"x-forwarded-uri", "/whoami", "x-forwarded-for", "203.0.113.9, 198.51.100.1"};
        assertThat(call(trusted, hops).headers().get("x-client-ip")).isEqualTo("198.51.100.1");
        assertThat(call(untrusted, hops).headers().get("x-client-ip")).isEqualTo("127.0.0.1");
    }

    @Test
    void aCertificateRevokedInTheCrlIsDeniedByTheReferencePolicy() throws Exception {
        // nginx without ssl_crl says SUCCESS; the PDP's own verification with interop.crl_files says 23
        AggregatedHttpResponse revoked = call(reverifying, "x-ssl-client-cert", escaped(pki.revokedClient().pem()),
                "x-ssl-client-verify", "SUCCESS");
        assertThat(revoked.status().code()).as(revoked.contentUtf8()).isEqualTo(401);
        JsonNode body = JSON.readTree(revoked.contentUtf8());
        assertThat(body.get("error_code").asText()).isEqualTo("CERT_UNTRUSTED");
        assertThat(body.get("message").asText()).contains("verify_code 23 (certificate revoked)");

        AggregatedHttpResponse good = call(reverifying, "x-ssl-client-cert", escaped(pki.partnerClient().pem()),
                "x-ssl-client-verify", "SUCCESS");
        assertThat(good.status().code()).as("verified, only unknown to the reference data: %s", good.contentUtf8())
                .isEqualTo(403);
    }

    @Test
    void aCertificateRevokedByItsOcspResponderIsDeniedByTheReferencePolicy() throws Exception {
        TestCert revoked = pki.ocspClient("forward-auth-ocsp-revoked", ocsp.url());
        ocsp.revoke(revoked.certificate().getSerialNumber());
        AggregatedHttpResponse r = call(reverifying, "x-forwarded-client-cert",
                "Cert=\"" + escaped(revoked.pem()) + "\"");
        assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(401);
        assertThat(JSON.readTree(r.contentUtf8()).get("message").asText())
                .contains("verify_code 23 (certificate revoked)");
        assertThat(ocsp.requests()).isPositive();
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
