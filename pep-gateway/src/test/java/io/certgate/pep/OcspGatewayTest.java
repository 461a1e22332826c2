package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.certgate.pep.support.GatewayHarness;
import io.certgate.testdata.OcspTestResponder;
import io.certgate.testdata.TestCert;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCSP from the certificate's AIA extension, against a real responder, hard- and soft-fail. */
class OcspGatewayTest {
    @Test
    void goodRevokedAndUnreachableResponder(@TempDir Path tmp) throws Exception {
        try (GatewayHarness h = new GatewayHarness(tmp);
                OcspTestResponder responder = new OcspTestResponder(h.pki.intermediateCa())) {
            h.start(h.config("{verify: required, ca_file: ca-only.pem, ocsp: {enabled: true, soft_fail: false}}",
                    "{profile: partner}"));
            TestCert good = h.pki.ocspClient("billing-service", responder.url());
            AggregatedHttpResponse ok = h.client(GatewayHarness.API, good).get("/a").aggregate().join();
            assertThat(ok.status().code()).as(ok.contentUtf8()).isEqualTo(200);
            assertThat(responder.requests()).isEqualTo(1);

            TestCert revoked = h.pki.ocspClient("revoked-by-ocsp", responder.url());
            responder.revoke(revoked.certificate().getSerialNumber());
            AggregatedHttpResponse no = h.client(GatewayHarness.API, revoked).get("/a").aggregate().join();
            assertThat(no.status().code()).isEqualTo(401);
            assertThat(no.contentUtf8()).contains("CERT_UNTRUSTED").contains("(23)");

            TestCert unreachable = h.pki.ocspClient("unreachable", "http://127.0.0.1:9/ocsp");
            AggregatedHttpResponse hard = h.client(GatewayHarness.API, unreachable).get("/a").aggregate().join();
            assertThat(hard.status().code()).isEqualTo(401);
            assertThat(hard.contentUtf8()).contains("(74)");
            assertThat(h.upstream.count()).isEqualTo(1);
        }
    }

    @Test
    void softFailLetsAnUnreachableResponderThrough(@TempDir Path tmp) throws Exception {
        try (GatewayHarness h = new GatewayHarness(tmp)) {
            h.start(h.config("{verify: required, ca_file: ca-only.pem, ocsp: {enabled: true, soft_fail: true}}",
                    "{profile: partner}"));
            TestCert unreachable = h.pki.ocspClient("billing-service", "http://127.0.0.1:9/ocsp");
            AggregatedHttpResponse res = h.client(GatewayHarness.API, unreachable).get("/a").aggregate().join();
            assertThat(res.status().code()).as(res.contentUtf8()).isEqualTo(200);
            assertThat(h.upstream.last().get("x-ssl-verify")).isEqualTo("0");
        }
    }
}
