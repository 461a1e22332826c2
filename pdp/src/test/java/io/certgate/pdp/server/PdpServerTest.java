package io.certgate.pdp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.MediaType;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.api.grpc.v1.ClientCertificate;
import io.certgate.pdp.api.grpc.v1.DecideBatchRequest;
import io.certgate.pdp.api.grpc.v1.DecideRequest;
import io.certgate.pdp.api.grpc.v1.DecideResponse;
import io.certgate.pdp.api.grpc.v1.DecisionServiceGrpc.DecisionServiceBlockingStub;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.support.TestBundles;
import io.certgate.testdata.LocalAddresses;
import io.certgate.testdata.TestPki;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PDP's port end to end: gRPC, OPA REST, health, status, metrics, hot reload. */
class PdpServerTest {
    private static final String DECISION = "test/authz/decision";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Path bundleFile;
    static Pdp pdp;
    static PdpServer server;
    static WebClient http;
    static DecisionServiceBlockingStub grpc;

    @BeforeAll
    static void start() throws Exception {
        bundleFile = tmp.resolve("bundle.tar.gz");
        Files.write(bundleFile, TestBundles.compile(TestBundles.testPolicies("basic"), "v1"));
        PdpConfig cfg = PdpConfig.parse("""
                server: {port: 0, max_request_bytes: 65536}
                policy: {entrypoint: test/authz/decision}
                caches: {decisions: 0}
                """, "test").withOverrides(null, bundleFile.toString(), null, null);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        pdp = Pdp.start(cfg, registry, Clock.systemUTC());
        server = new PdpServer(pdp, registry).start();
        String base = "http://127.0.0.1:" + server.port();
        http = WebClient.of(base);
        grpc = GrpcClients.newClient(base, DecisionServiceBlockingStub.class);
    }

    @AfterAll
    static void stop() {
        server.close();
        pdp.close();
    }

    private static Struct input(String user) {
        return Struct.newBuilder().putFields("user", Value.newBuilder().setStringValue(user).build()).build();
    }

    @Test
    void grpcDecideAllowsAndDenies() {
        DecideResponse allow = grpc.decide(DecideRequest.newBuilder().setInput(input("alice")).build());
        assertThat(allow.getEffect()).isEqualTo("allow");
        assertThat(allow.getStatus()).isEqualTo(200);
        assertThat(allow.getRevision()).isEqualTo("v1");
        assertThat(allow.getDecisionId()).hasSize(36);
        assertThat(allow.getObligationHeadersMap()).containsEntry("x-user", "alice").containsEntry("x-rev", "A");

        DecideResponse deny = grpc.decide(DecideRequest.newBuilder().setInput(input("mallory")).build());
        assertThat(deny.getEffect()).isEqualTo("deny");
        assertThat(deny.getStatus()).isEqualTo(403);
        assertThat(deny.getReasons(0).getCode()).isEqualTo("USER_NOT_ALLOWED");
        assertThat(deny.getDecisionId()).isNotEqualTo(allow.getDecisionId());
    }

    @Test
    void grpcBatchKeepsOrder() {
        var res = grpc.decideBatch(DecideBatchRequest.newBuilder()
                .addRequests(DecideRequest.newBuilder().setInput(input("mallory")))
                .addRequests(DecideRequest.newBuilder().setInput(input("bob")))
                .build());
        assertThat(res.getResponsesList()).extracting(DecideResponse::getEffect).containsExactly("deny", "allow");
    }

    @Test
    void grpcRejectsBadRequestsPrecisely() {
        assertThatThrownBy(() -> grpc.decide(DecideRequest.newBuilder().setEntrypoint("no/such").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("no/such");
                });
        DecideRequest garbageCert = DecideRequest.newBuilder().setInput(input("alice"))
                .setClientCertificate(ClientCertificate.newBuilder()
                        .addChainDer(ByteString.copyFromUtf8("-----BEGIN NOT A CERT")).setVerified(true))
                .build();
        assertThatThrownBy(() -> grpc.decide(garbageCert))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("certificate #0");
                });
        DecideRequest contradiction = DecideRequest.newBuilder()
                .setClientCertificate(ClientCertificate.newBuilder().addChainDer(ByteString.copyFromUtf8("x"))
                        .setVerified(true).setVerifyCode(10))
                .build();
        assertThatThrownBy(() -> grpc.decide(contradiction))
                .hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("verify_code=10");
        DecideBatchRequest.Builder big = DecideBatchRequest.newBuilder();
        for (int i = 0; i < 101; i++) {
            big.addRequests(DecideRequest.getDefaultInstance());
        }
        assertThatThrownBy(() -> grpc.decideBatch(big.build())).hasMessageContaining("at most 100");
        DecideRequest huge = DecideRequest.newBuilder().setInput(input("x".repeat(70_000))).build();
        assertThatThrownBy(() -> grpc.decide(huge)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }

    @Test
    void malformedPolicyOutputIsADenyNeverAnAllow() {
        for (String ep : new String[] {"test/authz/malformed", "test/authz/lenient_allow", "test/authz/echo"}) {
            DecideResponse r = grpc.decide(DecideRequest.newBuilder().setEntrypoint(ep).setInput(input("alice")).build());
            assertThat(r.getEffect()).as(ep).isEqualTo("deny");
            assertThat(r.getStatus()).as(ep).isEqualTo(500);
            assertThat(r.getReasons(0).getCode()).as(ep).isEqualTo("POLICY_ERROR");
        }
    }

    @Test
    void opaRestDataApi() throws Exception {
        AggregatedHttpResponse ok = post("/v1/data/" + DECISION, "{\"input\": {\"user\": \"bob\"}}");
        assertThat(ok.status().code()).isEqualTo(200);
        JsonNode body = JSON.readTree(ok.contentUtf8());
        assertThat(body.get("result").get("effect").asText()).isEqualTo("allow");
        assertThat(body.get("decision_id").asText()).hasSize(36);

        JsonNode echoed = JSON.readTree(post("/v1/data/test/authz/echo", "{\"input\": {\"a\": [1, 2]}}").contentUtf8());
        assertThat(echoed.get("result").get("a").toString()).isEqualTo("[1,2]");
        assertThat(echoed.get("result").get("time").get("epoch_ms").isIntegralNumber()).isTrue();

        // as with OPA, a document nothing defines is undefined: 200 without a result
        AggregatedHttpResponse unknown = post("/v1/data/no/such/rule", "{\"input\": {}}");
        assertThat(unknown.status().code()).isEqualTo(200);
        assertThat(JSON.readTree(unknown.contentUtf8()).has("result")).isFalse();
        JsonNode callerTime = JSON.readTree(post("/v1/data/test/authz/echo",
                "{\"input\": {\"time\": \"2024-01-01T00:00:00Z\"}}").contentUtf8());
        assertThat(callerTime.at("/result/time").asText()).isEqualTo("2024-01-01T00:00:00Z");

        AggregatedHttpResponse malformed = post("/v1/data/" + DECISION, "{\"input\": ");
        assertThat(malformed.status().code()).isEqualTo(400);
        assertThat(malformed.contentUtf8()).contains("invalid_parameter").contains("not valid JSON");

        AggregatedHttpResponse array = post("/v1/data/" + DECISION, "[1]");
        assertThat(array.status().code()).isEqualTo(400);
        assertThat(array.contentUtf8()).contains("must be a JSON object");

        AggregatedHttpResponse huge = post("/v1/data/" + DECISION, "{\"input\": \"" + "x".repeat(70_000) + "\"}");
        assertThat(huge.status().code()).isEqualTo(413);

        assertThat(http.put("/v1/data/" + DECISION, "{}").aggregate().join().status().code()).isEqualTo(405);
    }

    @Test
    void healthStatusAndMetrics() throws Exception {
        AggregatedHttpResponse health = http.get("/health").aggregate().join();
        assertThat(health.status().code()).isEqualTo(200);
        assertThat(health.contentUtf8()).contains("\"revision\":\"v1\"");

        grpc.decide(DecideRequest.newBuilder().setInput(input("alice")).build());
        grpc.decide(DecideRequest.newBuilder().setInput(input("mallory")).build());
        JsonNode status = JSON.readTree(http.get("/v1/status").aggregate().join().contentUtf8());
        assertThat(status.at("/bundle/source").asText()).isEqualTo(bundleFile.toString());
        assertThat(status.at("/bundle/activated_at").asText()).isNotEmpty();
        assertThat(status.at("/bundle/entrypoints").toString()).contains(DECISION);

        post("/v1/data/" + DECISION, "{\"input\": {\"user\": \"alice\"}}");
        post("/v0/data/" + DECISION, "{\"user\": \"alice\"}");
        String metrics = http.get("/metrics").aggregate().join().contentUtf8();
        assertThat(metrics).contains(
                        "pdp_decisions_total{effect=\"allow\",entrypoint=\"test/authz/decision\",protocol=\"grpc\"}")
                .contains("pdp_decisions_total{effect=\"value\",entrypoint=\"test/authz/decision\",protocol=\"rest\"}")
                .contains("pdp_decision_duration_seconds_count{protocol=\"rest\"}")
                .contains("pdp_decision_duration_seconds_count{protocol=\"grpc\"}")
                .contains("pdp_bundle_active 1.0")
                .contains("cache_gets_total{cache=\"certificate_identity\"")
                .contains("pdp_decision_reasons_total{code=\"USER_NOT_ALLOWED\"}");
    }

    @Test
    void hotReloadFromFileKeepsLastGoodOnCorruptBundle() throws Exception {
        // Runs last in its own bundle file so the other tests keep seeing v1.
        Path file = tmp.resolve("reload.tar.gz");
        Files.write(file, TestBundles.compile(TestBundles.testPolicies("basic"), "r1"));
        PdpConfig cfg = PdpConfig.parse("policy: {entrypoint: test/authz/decision}", "t")
                .withOverrides(0, file.toString(), null, null);
        try (Pdp local = Pdp.start(cfg, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC())) {
            assertThat(local.bundles().status().revision()).isEqualTo("r1");
            Files.write(file, new byte[] {0x1f, (byte) 0x8b, 0, 1, 2});
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertThat(local.bundles().pollOnce()).isFalse();
            assertThat(local.bundles().status().revision()).isEqualTo("r1");
            assertThat(local.bundles().status().lastError()).contains(file.toString()).contains("rejected");
            assertThat(local.bundles().status().rejections()).isEqualTo(1);
            Files.write(file, TestBundles.compile(TestBundles.testPolicies("basic"), "r2"));
            Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 9000));
            assertThat(local.bundles().pollOnce()).isTrue();
            assertThat(local.bundles().status().revision()).isEqualTo("r2");
        }
    }

    @Test
    void withoutABundleHealthIsUnavailableAndDecisionsDeny() throws Exception {
        PdpConfig cfg = PdpConfig.parse("policy: {entrypoint: test/authz/decision}", "t")
                .withOverrides(0, tmp.resolve("missing.tar.gz").toString(), null, null);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Pdp empty = Pdp.start(cfg, registry, Clock.systemUTC());
                PdpServer s = new PdpServer(empty, registry).start()) {
            WebClient c = WebClient.of("http://127.0.0.1:" + s.port());
            AggregatedHttpResponse health = c.get("/health").aggregate().join();
            assertThat(health.status().code()).isEqualTo(503);
            assertThat(health.contentUtf8()).contains("missing.tar.gz");
            JsonNode status = JSON.readTree(c.get("/v1/status").aggregate().join().contentUtf8());
            assertThat(status.at("/bundle/last_error_reason").asText()).isEqualTo("load_failed");
            DecideResponse r = GrpcClients.newClient("http://127.0.0.1:" + s.port(), DecisionServiceBlockingStub.class)
                    .decide(DecideRequest.newBuilder().setInput(input("alice")).build());
            assertThat(r.getEffect()).isEqualTo("deny");
            assertThat(r.getStatus()).isEqualTo(503);
            assertThat(r.getReasons(0).getCode()).isEqualTo("NO_POLICY");
        }
    }

    @Test
    void anUnsignedBundleIsRejectedOnceVerificationIsConfigured() throws Exception {
        Path key = Files.writeString(tmp.resolve("ci.pem"), TestPki.pem("PUBLIC KEY",
                TestPki.generateKeyPair(TestPki.KeyType.EC_P256).getPublic().getEncoded()));
        PdpConfig cfg = PdpConfig.parse("policy: {entrypoint: test/authz/decision}\n"
                + "bundle: {verification: {keys: {ci: {algorithm: ES256, key_file: " + key + "}}}}", "t")
                .withOverrides(0, bundleFile.toString(), null, null);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Pdp verifying = Pdp.start(cfg, registry, Clock.systemUTC());
                PdpServer s = new PdpServer(verifying, registry).start()) {
            WebClient c = WebClient.of("http://127.0.0.1:" + s.port());
            AggregatedHttpResponse health = c.get("/health").aggregate().join();
            assertThat(health.status().code()).isEqualTo(503);
            assertThat(health.contentUtf8()).contains("the bundle is not signed (no /.signatures.json)");
            JsonNode status = JSON.readTree(c.get("/v1/status").aggregate().join().contentUtf8());
            assertThat(status.at("/bundle/last_error_reason").asText()).isEqualTo("signature_missing");
            assertThat(status.at("/bundle/last_error").asText()).startsWith("rejected bundle: " + bundleFile + ": ");
            assertThat(status.at("/bundle/rejections").asLong()).isEqualTo(1);
            assertThat(c.get("/metrics").aggregate().join().contentUtf8())
                    .contains("pdp_bundle_rejections_total{reason=\"signature_missing\"} 1.0")
                    .contains("pdp_bundle_rejections_total{reason=\"digest_mismatch\"} 0.0");
        }
    }

    @Test
    void theDefaultAddressIsLoopbackAndServerHostIsTheOnlyAddressServed() throws Exception {
        assertThat(server.localAddress().getAddress().isLoopbackAddress()).isTrue();
        InetAddress external = LocalAddresses.nonLoopback();
        assumeThat(external).as("this machine has a non-loopback IPv4 address").isNotNull();
        assertThat(LocalAddresses.refuses(external, server.port())).as("reachable from other hosts").isTrue();
        PdpConfig cfg = PdpConfig.parse("server: {host: " + external.getHostAddress() + ", port: 0}\n"
                + "policy: {entrypoint: test/authz/decision}", "t")
                .withOverrides(null, tmp.resolve("missing.tar.gz").toString(), null, null);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Pdp p = Pdp.start(cfg, registry, Clock.systemUTC()); PdpServer s = new PdpServer(p, registry).start()) {
            assertThat(s.localAddress().getAddress()).isEqualTo(external);
            AggregatedHttpResponse health = WebClient.of("http://" + external.getHostAddress() + ":" + s.port())
                    .get("/health").aggregate().join();
            assertThat(health.status().code()).isEqualTo(503); // answered: no bundle yet
            assertThat(LocalAddresses.refuses(InetAddress.getLoopbackAddress(), s.port())).isTrue();
        }
    }

    private static AggregatedHttpResponse post(String path, String body) {
        return http.execute(HttpRequest.of(HttpMethod.POST, path, MediaType.JSON_UTF_8, body)).aggregate().join();
    }

    @Test
    void aClientErrorIsOneLogLineWithoutHeadersOrQuery() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(RequestFailureLog.class);
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.AppenderBase<>() {
                    @Override
                    protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                        lines.add(e.getLevel() + " " + e.getFormattedMessage());
                    }
                };
        appender.start();
        logger.addAppender(appender);
        try {
            AggregatedHttpResponse r = http.execute(HttpRequest.of(com.linecorp.armeria.common.RequestHeaders.builder(
                    HttpMethod.GET, "/v1/data/" + DECISION + "?input=%7Bsecret").add("x-ssl-client-cert", "PEMDATA")
                    .build())).aggregate().join();
            assertThat(r.status().code()).isEqualTo(400);
            String line = lines.poll(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(line).startsWith("INFO GET /v1/data/" + DECISION + " -> 400 in ")
                    .doesNotContain("PEMDATA").doesNotContain("secret");
        } finally {
            logger.detachAppender(appender);
        }
    }
}
