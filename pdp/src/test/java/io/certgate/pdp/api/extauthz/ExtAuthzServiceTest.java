package io.certgate.pdp.api.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.certgate.pdp.support.RunningPdp;
import io.certgate.testdata.TestPki;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc.AuthorizationBlockingStub;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An Envoy ext_authz v3 client (the Envoy API stubs) against a running PDP. */
class ExtAuthzServiceTest {
    @TempDir
    static Path tmp;
    static TestPki pki;
    static RunningPdp trusted;
    static RunningPdp untrusted;
    static RunningPdp reverifying;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.create(Instant.now());
        trusted = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop: {trusted_proxies: [127.0.0.1/32], request_headers: [user-agent], obligation_headers: [x-authenticated-*, x-client-*, x-certificate-*, x-service, x-seen-*]}
                """, "interop");
        untrusted = RunningPdp.start(tmp, """
                policy: {entrypoint: test/gate/decision}
                interop: {trusted_proxies: [192.0.2.0/24], obligation_headers: [x-authenticated-*, x-client-*, x-certificate-*, x-service, x-seen-*]}
                """, "interop");
        Path trust = Files.writeString(tmp.resolve("trust.pem"), pki.rootCa().pem() + pki.intermediateCa().pem());
        Path crl = Files.writeString(tmp.resolve("crl.pem"), TestPki.pem(pki.crl()));
        // the reference policy, with the PDP verifying what Envoy forwards itself, revocation included
        reverifying = RunningPdp.start(tmp, """
                interop: {trusted_proxies: [127.0.0.1/32], verify_ca_file: %s, crl_files: [%s]}
                """.formatted(trust, crl), null);
    }

    @AfterAll
    static void stop() {
        trusted.close();
        untrusted.close();
        reverifying.close();
    }

    static CheckResponse check(RunningPdp pdp, String path, String certPem, String... clientHeaders) {
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder().setMethod("GET")
                .setPath(path).setHost("api.example.com")
                .putHeaders("user-agent", "envoy-test").putHeaders("cookie", "secret");
        for (int i = 0; i < clientHeaders.length; i += 2) {
            http.putHeaders(clientHeaders[i], clientHeaders[i + 1]);
        }
        AttributeContext.Peer.Builder source = AttributeContext.Peer.newBuilder()
                .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                        .setAddress("198.51.100.7").setPortValue(40000)));
        if (certPem != null) {
            source.setCertificate(URLEncoder.encode(certPem, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        CheckRequest req = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(source)
                .setRequest(AttributeContext.Request.newBuilder().setHttp(http.build()))
                .putContextExtensions("service", "partner-api")).build();
        return GrpcClients.newClient(pdp.base(), AuthorizationBlockingStub.class).check(req);
    }

    static Map<String, String> headers(java.util.List<HeaderValueOption> options) {
        return options.stream().collect(Collectors.toMap(o -> o.getHeader().getKey(), o -> o.getHeader().getValue()));
    }

    @Test
    void allowAddsObligationHeadersUpstream() {
        CheckResponse r = check(trusted, "/orders?x=1", pki.partnerClient().pem());
        assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        Map<String, String> h = headers(r.getOkResponse().getHeadersList());
        assertThat(h).containsEntry("x-authenticated-userid", "billing-service")
                .containsEntry("x-client-ip", "198.51.100.7")
                .containsEntry("x-service", "partner-api")
                .containsEntry("x-seen-path", "/orders")
                .containsEntry("x-seen-user-agent", "envoy-test")
                .containsEntry("x-seen-cookie", "not forwarded")
                .containsKey("x-decision-id");
        assertThat(r.getOkResponse().getHeadersToRemoveList()).contains("x-ssl-client-cert", "x-real-ip",
                "forwarded", "x-authz-fallback").doesNotContain("x-authenticated-userid", "x-service",
                "x-forwarded-client-cert", "x-forwarded-for");
    }

    /** A client's own obligation or trust header, in any spelling, never survives an allow. */
    @Test
    void clientSentIdentityHeadersAreRemovedOnAllow() {
        CheckResponse r = check(trusted, "/orders", pki.partnerClient().pem(), "x-client-id", "root",
                "x_ssl_client_cn", "root", "x_authenticated_userid", "root", "x-seen-anything", "root",
                "x-request-id", "kept");
        assertThat(r.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(r.getOkResponse().getHeadersToRemoveList()).contains("x-client-id", "x_ssl_client_cn",
                "x_authenticated_userid", "x-seen-anything").doesNotContain("x-request-id");
    }

    @Test
    void ambiguousPathsAreInvalidArgumentAndNeverDecided() {
        for (String path : List.of("/public/../admin", "/public/%2e%2e/admin", "/public/..%2fadmin",
                "/public/..;/admin", "/admin%00")) {
            CheckResponse r = check(trusted, path, pki.partnerClient().pem());
            assertThat(r.getStatus().getCode()).as(path).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
            assertThat(r.getDeniedResponse().getBody()).as(path).contains("BAD_PATH");
        }
    }

    @Test
    void denyCarriesStatusBodyAndHeaders() {
        CheckResponse r = check(trusted, "/admin", pki.partnerClient().pem());
        assertThat(r.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED_VALUE);
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(403);
        assertThat(r.getDeniedResponse().getBody()).contains("ADMIN_FORBIDDEN");
        assertThat(headers(r.getDeniedResponse().getHeadersList())).containsKey("x-decision-id");

        CheckResponse stepUp = check(trusted, "/step-up", pki.partnerClient().pem());
        assertThat(stepUp.getStatus().getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
        assertThat(headers(stepUp.getDeniedResponse().getHeadersList()).get("www-authenticate"))
                .startsWith("Bearer error=\"insufficient_user_authentication\"");
    }

    @Test
    void noCertificateIsUnauthenticated() {
        CheckResponse r = check(trusted, "/orders", null);
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(401);
        assertThat(r.getDeniedResponse().getBody()).contains("CERT_MISSING");
    }

    @Test
    void certificateFromAnUntrustedCallerIsIgnored() {
        CheckResponse r = check(untrusted, "/orders", pki.partnerClient().pem());
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(401);
        assertThat(r.getDeniedResponse().getBody()).contains("CERT_MISSING");
    }

    @Test
    void sourceAddressAndCertificateAreOnlyBelievedFromTrustedProxies() {
        CheckResponse fromEnvoy = check(trusted, "/whoami", pki.partnerClient().pem());
        assertThat(fromEnvoy.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(headers(fromEnvoy.getOkResponse().getHeadersList()))
                .containsEntry("x-client-ip", "198.51.100.7")
                .containsEntry("x-certificate-cn", "billing-service");

        CheckResponse fromAnyone = check(untrusted, "/whoami", pki.partnerClient().pem());
        assertThat(fromAnyone.getStatus().getCode()).isEqualTo(Code.OK_VALUE);
        assertThat(headers(fromAnyone.getOkResponse().getHeadersList()))
                .containsEntry("x-client-ip", "127.0.0.1")
                .containsEntry("x-certificate-cn", "none");
    }

    @Test
    void aRevokedCertificateIsDeniedByTheReferencePolicy() {
        // Envoy forwards what its validation context accepted; without a CRL there it accepts a revoked one
        CheckResponse r = check(reverifying, "/orders", pki.revokedClient().pem());
        assertThat(r.getStatus().getCode()).isEqualTo(Code.UNAUTHENTICATED_VALUE);
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(401);
        assertThat(r.getDeniedResponse().getBody()).contains("CERT_UNTRUSTED")
                .contains("verify_code 23 (certificate revoked)");
        CheckResponse good = check(reverifying, "/orders", pki.partnerClient().pem());
        assertThat(good.getDeniedResponse().getStatus().getCodeValue())
                .as("verified, only unknown to the reference data: %s", good.getDeniedResponse().getBody())
                .isEqualTo(403);
    }

    @Test
    void badInputIsInvalidArgumentWithAMessage() {
        CheckResponse r = check(trusted, "/orders", "garbage");
        assertThat(r.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(400);
        assertThat(r.getDeniedResponse().getBody()).contains("source.certificate");

        CheckResponse noHttp = GrpcClients.newClient(trusted.base(), AuthorizationBlockingStub.class)
                .check(CheckRequest.getDefaultInstance());
        assertThat(noHttp.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT_VALUE);
        assertThat(noHttp.getDeniedResponse().getBody()).contains("attributes.request.http");
    }
}
