package io.certgate.pdp.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.support.TestBundles;
import io.certgate.testdata.TestCollector;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Status reports reach a real collector at start and after each bundle change, as OPA's status API. */
class StatusReporterTest {
    @TempDir
    static Path tmp;
    static TestPki pki;
    static TestCollector collector;

    @BeforeAll
    static void startCollector() {
        pki = TestPki.create(Instant.now());
        collector = TestCollector.start(pki);
    }

    @AfterAll
    static void stopCollector() {
        collector.close();
    }

    static List<JsonNode> reports(String path) {
        return collector.accepted().stream().filter(r -> r.path().equals(path)).map(TestCollector.Received::body)
                .toList();
    }

    static boolean reported(String path, String revision) {
        return reports(path).stream()
                .anyMatch(r -> revision.equals(r.path("bundles").path("policy").path("active_revision").asText()));
    }

    @Test
    void reportsTheActiveRevisionAndEachBundleChange() throws Exception {
        Path bundle = tmp.resolve("bundle.tar.gz");
        Files.write(bundle, TestBundles.compile(TestBundles.testPolicies("basic"), "rev-one"));
        Path ca = Files.writeString(tmp.resolve("ca.pem"), pki.rootCa().pem());
        Path cert = Files.writeString(tmp.resolve("pdp.pem"), pki.partnerClient().chainPem());
        Path key = Files.writeString(tmp.resolve("pdp.key"), pki.partnerClient().keyPem());
        PdpConfig cfg = PdpConfig.parse("""
                policy: {bundle: %s, entrypoint: test/authz/decision, poll_interval_seconds: 86400}
                services:
                  control:
                    url: %s
                    credentials: {bearer: {token: status-token}}
                    tls: {client_cert: %s, client_key: %s, ca_file: %s}
                decision_logs: {console: false}
                status: {service: control, partition_name: eu-1, interval_seconds: 86400}
                """.formatted(bundle, collector.url(), cert, key, ca), "test");
        String path = "/status/eu-1";
        try (Pdp pdp = Pdp.start(cfg, new SimpleMeterRegistry(), Clock.systemUTC())) {
            collector.await(c -> reported(path, "rev-one"), "a status report with rev-one");
            JsonNode first = reports(path).get(0);
            assertThat(first.path("labels").path("id").asText()).isEqualTo(pdp.labels().id());
            assertThat(first.path("labels").path("version").asText()).isNotEmpty();
            JsonNode b = first.path("bundles").path("policy");
            assertThat(b.path("name").asText()).isEqualTo("policy");
            assertThat(Instant.parse(b.path("last_successful_activation").asText())).isNotNull();
            assertThat(Instant.parse(b.path("last_successful_download").asText())).isNotNull();
            assertThat(Instant.parse(b.path("last_request").asText())).isNotNull();
            assertThat(b.has("code")).isFalse();
            assertThat(first.path("plugins").path("bundle").path("state").asText()).isEqualTo("OK");
            assertThat(first.path("plugins").path("decision_logs").path("state").asText()).isEqualTo("DISABLED");
            assertThat(first.path("metrics").path("prometheus").path("pdp_bundle_activations_total")
                    .path("metric").get(0).path("value").path("count").asDouble()).isEqualTo(1.0);
            TestCollector.Received request = collector.accepted().stream().filter(r -> r.path().equals(path))
                    .findFirst().orElseThrow();
            assertThat(request.headers().get("authorization")).isEqualTo("Bearer status-token");
            assertThat(request.peer()).isEqualTo(pki.partnerClient().certificate().getSubjectX500Principal().getName());

            // a new bundle: reported without waiting for the interval
            Files.write(bundle, TestBundles.compile(TestBundles.testPolicies("basic"), "rev-two"));
            Files.setLastModifiedTime(bundle, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
            assertThat(pdp.bundles().pollOnce()).isTrue();
            collector.await(c -> reported(path, "rev-two"), "a status report with rev-two");

            // a rejected bundle: the error is reported, the active revision stays
            Files.writeString(bundle, "not a bundle");
            Files.setLastModifiedTime(bundle, FileTime.fromMillis(System.currentTimeMillis() + 20_000));
            assertThat(pdp.bundles().pollOnce()).isFalse();
            collector.await(c -> reports(path).stream().anyMatch(r -> r.path("bundles").path("policy").has("code")),
                    "a status report with the bundle error");
            JsonNode failed = reports(path).stream().filter(r -> r.path("bundles").path("policy").has("code"))
                    .findFirst().orElseThrow();
            JsonNode fb = failed.path("bundles").path("policy");
            assertThat(fb.path("active_revision").asText()).isEqualTo("rev-two");
            assertThat(fb.path("code").asText()).isEqualTo("bundle_error");
            assertThat(fb.path("message").asText()).contains("rejected bundle");
            assertThat(failed.path("plugins").path("bundle").path("state").asText()).isEqualTo("WARN");
        }
    }
}
