package io.certgate.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import com.nimbusds.jose.JWSAlgorithm;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.support.TestBundles;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundles from a real (in-process Armeria) bundle server: ETag polling, failures, corrupt bundles and
 * signed ones.
 */
class HttpBundleSourceTest {
    private final AtomicReference<byte[]> body = new AtomicReference<>();
    private final AtomicReference<String> etag = new AtomicReference<>("\"v1\"");
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicInteger conditionalHits = new AtomicInteger();
    private Server server;

    @BeforeEach
    void startBundleServer() {
        server = Server.builder().http(0).service("/moved", (ctx, req) -> HttpResponse.ofRedirect(
                HttpStatus.FOUND, "/bundles/authz.tar.gz")).service("/bundles/authz.tar.gz", (ctx, req) -> {
            if (status.get() != 200) {
                return HttpResponse.of(HttpStatus.valueOf(status.get()));
            }
            if (etag.get().equals(req.headers().get(HttpHeaderNames.IF_NONE_MATCH))) {
                conditionalHits.incrementAndGet();
                return HttpResponse.of(HttpStatus.NOT_MODIFIED);
            }
            return HttpResponse.of(ResponseHeaders.builder(200).contentType(MediaType.OCTET_STREAM)
                    .add(HttpHeaderNames.ETAG, etag.get()).build(),
                    com.linecorp.armeria.common.HttpData.wrap(body.get()));
        }).build();
        server.start().join();
    }

    @AfterEach
    void stop() {
        server.stop().join();
    }

    @Test
    void followsRedirectsAndNamesAServerThatDoesNotAnswer() throws Exception {
        body.set(new byte[] {1, 2, 3});
        int port = server.activePort().localAddress().getPort();
        HttpBundleSource moved = new HttpBundleSource(URI.create("http://127.0.0.1:" + port + "/moved"),
                Duration.ofSeconds(5));
        assertThat(moved.poll()).containsExactly(1, 2, 3);

        server.stop().join();
        URI gone = URI.create("http://127.0.0.1:" + port + "/bundles/authz.tar.gz");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HttpBundleSource(gone, Duration.ofSeconds(5))
                .poll()).isInstanceOf(java.io.IOException.class).hasMessageStartingWith("bundle server " + gone + ": ");
    }

    @Test
    void pollsWithEtagAndKeepsTheLastGoodBundleThroughFailures() throws Exception {
        body.set(TestBundles.compile(TestBundles.testPolicies("basic"), "http-1"));
        URI uri = URI.create("http://127.0.0.1:" + server.activePort().localAddress().getPort()
                + "/bundles/authz.tar.gz");
        ObjectMapper json = new ObjectMapper();
        try (PolicyEngine engine = new PolicyEngine(EngineOptions.defaults(), json, List.of("test/authz/decision"));
                BundleManager manager = new BundleManager(new HttpBundleSource(uri, Duration.ofSeconds(5)),
                        new BundleReader(json), engine, Clock.systemUTC(), new SimpleMeterRegistry())) {
            assertThat(manager.pollOnce()).isTrue();
            assertThat(manager.status().revision()).isEqualTo("http-1");

            assertThat(manager.pollOnce()).as("unchanged: answered 304").isFalse();
            assertThat(conditionalHits.get()).isEqualTo(1);

            status.set(503);
            assertThat(manager.pollOnce()).isFalse();
            assertThat(manager.status().lastError()).contains("HTTP 503").contains(uri.toString());
            assertThat(manager.status().revision()).isEqualTo("http-1");

            status.set(200);
            etag.set("\"v2\"");
            body.set(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0});
            assertThat(manager.pollOnce()).isFalse();
            assertThat(manager.status().lastError()).contains("rejected bundle");
            assertThat(manager.status().revision()).isEqualTo("http-1");

            etag.set("\"v3\"");
            body.set(TestBundles.compile(TestBundles.testPolicies("basic"), "http-3"));
            assertThat(manager.pollOnce()).isTrue();
            assertThat(manager.status().revision()).isEqualTo("http-3");
            assertThat(manager.status().rejections()).isEqualTo(2);
            assertThat(manager.status().activations()).isEqualTo(2);
        }
    }

    @Test
    void signedBundlesFromTheServerAreVerifiedAndTamperedOnesRejected(@TempDir Path work) throws Exception {
        SignedBundles.SigningKey key = SignedBundles.SigningKey.create(TestPki.KeyType.EC_P256, work, "ci");
        Path policies = TestBundles.testPolicies("basic");
        byte[] first = SignedBundles.build(policies, "signed-1", key.privatePem(), "ES256", "ci", Map.of(), work);
        body.set(first);
        URI uri = URI.create("http://127.0.0.1:" + server.activePort().localAddress().getPort()
                + "/bundles/authz.tar.gz");
        ObjectMapper json = new ObjectMapper();
        BundleVerification verification = new BundleVerification(
                Map.of("ci", key.verificationKey("ci", JWSAlgorithm.ES256)), null, null, List.of());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PolicyEngine engine = new PolicyEngine(EngineOptions.defaults(), json, List.of("test/authz/decision"));
                BundleManager manager = new BundleManager(new HttpBundleSource(uri, Duration.ofSeconds(5)),
                        new BundleReader(json, new SignatureVerifier(verification, json)), engine, Clock.systemUTC(),
                        registry)) {
            assertThat(manager.pollOnce()).as(String.valueOf(manager.status().lastError())).isTrue();
            assertThat(manager.status().revision()).isEqualTo("signed-1");

            etag.set("\"v2\"");
            body.set(SignedBundles.tamper(first, e -> {
                e.put("/data.json", SignedBundles.utf8("{\"rev\": \"B\", \"allowed\": [\"mallory\"]}"));
                return e;
            }));
            assertThat(manager.pollOnce()).isFalse();
            assertThat(manager.status().lastError()).startsWith("rejected bundle: " + uri + ": /data.json does not"
                    + " match its signature");
            assertThat(manager.status().lastErrorReason()).isEqualTo(RejectionReason.DIGEST_MISMATCH);
            assertThat(manager.status().revision()).isEqualTo("signed-1");

            etag.set("\"v3\"");
            body.set(TestBundles.compile(policies, "unsigned"));
            assertThat(manager.pollOnce()).isFalse();
            assertThat(manager.status().lastErrorReason()).isEqualTo(RejectionReason.SIGNATURE_MISSING);
            assertThat(manager.status().revision()).isEqualTo("signed-1");
            assertThat(manager.pollOnce()).as("the rejected bundle is not fetched again: 304").isFalse();
            assertThat(conditionalHits.get()).isEqualTo(1);

            etag.set("\"v4\"");
            body.set(SignedBundles.build(policies, "signed-4", key.privatePem(), "ES256", "ci", Map.of(), work));
            assertThat(manager.pollOnce()).as(String.valueOf(manager.status().lastError())).isTrue();
            assertThat(manager.status().revision()).isEqualTo("signed-4");
            assertThat(registry.get("pdp_bundle_rejections_total").tag("reason", "digest_mismatch").counter().count())
                    .isEqualTo(1.0);
            assertThat(registry.get("pdp_bundle_rejections_total").tag("reason", "signature_missing").counter()
                    .count()).isEqualTo(1.0);
            assertThat(manager.status().rejections()).isEqualTo(2);
        }
    }
}
