package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.pdp.EmbeddedDecisionClient;
import io.certgate.pep.support.AccessLogCapture;
import io.certgate.pep.support.Await;
import io.certgate.pep.support.BundleServer;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.FleetBundles;
import io.certgate.pep.support.ShippedQueries;
import io.certgate.pep.support.TrafficLoad;
import io.certgate.testdata.TestCollector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet of docs/operations.md, "Running a fleet",, walked through on one machine: nginx serving the signed bundle with
 * ETags, three PDP servers polling it every second and verifying its signature, two gateways in remote mode
 * over all three, one collector receiving the PDPs' decision logs and status reports, and requests running
 * through both gateways the whole time. A new signed bundle is activated everywhere without a failed request;
 * a tampered one is refused everywhere, each PDP keeping its revision and saying why; a PDP that goes away is
 * routed around; every decision a gateway got reaches the collector exactly once.
 */
class FleetTest {
    static final String BUNDLE = "fleet.tar.gz";
    static final int PDPS = 3;
    static final int GATEWAYS = 2;

    @TempDir
    static Path tmp;
    static E2e e;
    static FleetBundles bundles;
    static BundleServer bundleServer;
    static TestCollector collector;
    static AccessLogCapture accessLog;
    static final List<FleetPdp> pdps = new ArrayList<>();
    static final List<GatewayServer> gateways = new ArrayList<>();

    /** One PDP of the fleet: the library and its server. */
    record FleetPdp(Pdp pdp, PdpServer server) implements AutoCloseable {
        String address() {
            return "127.0.0.1:" + server.port();
        }

        JsonNode status() {
            return getJson("http://" + address(), "/v1/status").path("bundle");
        }

        @Override
        public void close() {
            server.close();
            pdp.close();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        bundles = new FleetBundles(tmp);
        bundleServer = e.closeLater(BundleServer.start(tmp.resolve("bundle-server")));
        bundleServer.publish(BUNDLE, bundles.revision("r1"));
        collector = e.closeLater(TestCollector.start(e.pki));
        for (int i = 0; i < PDPS; i++) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Pdp pdp = Pdp.start(PdpConfig.parse(pdpYaml(), "pdp-" + i + ".yaml"), registry, Clock.systemUTC());
            pdps.add(e.closeLater(new FleetPdp(pdp, new PdpServer(pdp, registry).start())));
            E2e.warmUp(new EmbeddedDecisionClient(pdp, Runnable::run), e.pki.partnerClient());
        }
        assertThat(pdps).allSatisfy(p -> assertThat(p.status().path("revision").asText()).isEqualTo("r1"));
        accessLog = e.closeLater(AccessLogCapture.attach(e));
        String addresses = pdps.stream().map(FleetPdp::address).collect(Collectors.joining(", "));
        for (int i = 0; i < GATEWAYS; i++) {
            gateways.add(e.start(E2e.gateway("{mode: remote, addresses: [" + addresses + "], timeout_ms: 10000,"
                    + " cache_size: 0, entrypoint: gw/authz/decision, health_check: {interval_ms: 500}}", "",
                    e.service("api", "api.example.test", "{verify: required, ca_file: ca.pem}", "{}"))));
        }
    }

    /**
     * Each PDP's pdp.yaml: the bundle from the bundle server, polled every second and verified with the test's
     * key; decision logs uploaded to the collector every second or two, status reported on every change. Three
     * PDPs and two gateways share this machine's cores, and activating a bundle compiles its WASM: the
     * deadlines (here and the gateways' timeout_ms) are generous because this test is about which answers
     * arrive, not how fast.
     */
    static String pdpYaml() throws IOException {
        return """
                server: {port: 0}
                policy: {bundle: "%s", poll_interval_seconds: 1, entrypoint: gw/authz/decision}
                %s
                caches: {decisions: 0}
                engine: {evaluation_timeout_ms: 5000}
                services:
                  collector:
                    url: %s
                    response_header_timeout_seconds: 60
                    tls: {client_cert: "%s", client_key: "%s", ca_file: "%s"}
                decision_logs:
                  console: false
                  service: collector
                  reporting: {min_delay_seconds: 1, max_delay_seconds: 2}
                status: {service: collector}
                """.formatted(bundleServer.url(BUNDLE), bundles.verificationYaml(), collector.url(),
                e.chainFile(e.pki.partnerClient()), e.keyFile(e.pki.partnerClient()), e.file("ca.pem"));
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    static JsonNode getJson(String base, String path) {
        try {
            return E2e.JSON.readTree(WebClient.of(base).get(path).aggregate().join().contentUtf8());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Test
    void aFleetTakesSignedBundlesRefusesTamperedOnesSurvivesALostPdpAndLogsEveryDecision() throws Exception {
        List<WebClient> clients = gateways.stream()
                .map(g -> e.client(g.port(), "api.example.test", e.pki.partnerClient())).toList();
        // Each gateway's first call on a new gRPC connection to each PDP can be slow on a busy machine;
        // the walk-through is about steady traffic, so it starts once every connection has answered.
        for (WebClient c : clients) {
            int[] consecutive = {0};
            Await.repeatUntil("a warm gateway", () -> consecutive[0] = E2e.get(c, "/invoices").status() == 200
                    ? consecutive[0] + 1 : 0, () -> consecutive[0] >= 2 * PDPS);
        }
        try (TrafficLoad load = TrafficLoad.start(clients, "/invoices")) {
            load.awaitMore(20);
            assertThat(load.notOk()).as(load.toString()).isZero();

            newBundleIsActivatedEverywhere(load);
            tamperedBundleIsRefusedEverywhere(load);
            aLostPdpIsRoutedAround(load);
        }
        everyDecisionReachesTheCollectorOnce();
    }

    /** The dashboard's and alert rules' gateway_pdp_* queries (GatewaySmokeTest checks the rest) are exported. */
    @Test
    void dashboardAndAlertRulesOnlyQueryExportedPdpFleetMetrics() {
        List<String> queried = ShippedQueries.metricNames().stream().filter(n -> n.startsWith("gateway_pdp_"))
                .toList();
        assertThat(queried).contains("gateway_pdp_circuit_state", "gateway_pdp_endpoint_healthy",
                "gateway_pdp_retries_total");
        for (GatewayServer g : gateways) {
            String metrics = WebClient.of("http://127.0.0.1:" + g.adminPort()).get("/metrics").aggregate().join()
                    .contentUtf8();
            for (String name : queried) {
                assertThat(metrics).as(name).containsPattern("(?m)^" + name + "[{ ]");
            }
        }
    }

    private void newBundleIsActivatedEverywhere(TrafficLoad load) throws IOException {
        bundleServer.publish(BUNDLE, bundles.revision("r2"));
        for (FleetPdp p : pdps) {
            Await.until(p.address() + " activates r2", () -> "r2".equals(p.status().path("revision").asText()));
        }
        load.awaitMore(20);
        assertThat(load.notOk()).as("failed decisions across the change: %s", load).isZero();
        assertThat(pdps).allSatisfy(p -> {
            JsonNode s = p.status();
            assertThat(s.path("activations").asInt()).isEqualTo(2);
            assertThat(s.path("rejections").asInt()).isZero();
        });
    }

    private void tamperedBundleIsRefusedEverywhere(TrafficLoad load) throws Exception {
        bundleServer.publish(BUNDLE, bundles.tampered("r3"));
        for (FleetPdp p : pdps) {
            Await.until(p.address() + " rejects the tampered bundle",
                    () -> p.status().path("rejections").asInt() > 0);
        }
        load.awaitMore(20);
        assertThat(load.notOk()).as("failed decisions after the tampered bundle: %s", load).isZero();
        assertThat(pdps).allSatisfy(p -> {
            JsonNode s = p.status();
            assertThat(s.path("revision").asText()).isEqualTo("r2");
            assertThat(s.path("last_error_reason").asText()).isEqualTo("digest_mismatch");
            assertThat(s.path("last_error").asText()).startsWith("rejected bundle: " + bundleServer.url(BUNDLE))
                    .contains("data.json");
            assertThat(getJson("http://" + p.address(), "/health").path("status").asText()).isEqualTo("ok");
        });
        // each PDP's status report says so too: still r2, with the bundle error
        Set<String> ids = pdps.stream().map(p -> p.pdp().labels().id()).collect(Collectors.toSet());
        collector.await(c -> ids.stream().allMatch(id -> c.accepted().stream().anyMatch(r -> r.path().equals("/status")
                && r.body().path("labels").path("id").asText().equals(id)
                && r.body().path("bundles").path("policy").path("code").asText().equals("bundle_error")
                && r.body().path("bundles").path("policy").path("active_revision").asText().equals("r2"))),
                "a status report of the tampered bundle from each PDP");
    }

    private void aLostPdpIsRoutedAround(TrafficLoad load) {
        FleetPdp lost = pdps.get(0);
        String address = lost.address();
        int failedBefore = load.notOk();
        lost.close();
        load.awaitMore(40);
        for (GatewayServer g : gateways) {
            Await.until("gateway " + g.port() + " takes " + address + " out of rotation", () -> {
                JsonNode first = getJson("http://127.0.0.1:" + g.adminPort(), "/health").path("pdp_endpoints").get(0);
                return first.path("address").asText().equals(address) && !first.path("healthy").asBoolean();
            });
        }
        load.awaitMore(40);
        // Only requests in flight when it went away may have failed; the rest went to the other two.
        assertThat(load.notOk() - failedBefore).as(load.toString()).isLessThanOrEqualTo(load.inFlight());
    }

    /**
     * Every decision a gateway answered with (its access log's decision_id) arrives at the collector exactly
     * once: the PDPs still running are closed gracefully, which flushes what they buffered; the lost one
     * flushed when it was closed.
     */
    private void everyDecisionReachesTheCollectorOnce() throws InterruptedException {
        List<String> answered = accessLog.entries().stream().map(l -> l.path("decision_id").asText(""))
                .filter(id -> !id.isEmpty()).toList();
        assertThat(answered).as("decisions in the gateways' access logs").hasSizeGreaterThan(100)
                .doesNotHaveDuplicates();
        pdps.forEach(FleetPdp::close);
        collector.await(c -> decisionIds(c).keySet().containsAll(answered),
                "all " + answered.size() + " decisions the gateways answered with");
        Map<String, Integer> received = decisionIds(collector);
        assertThat(answered).allSatisfy(id -> assertThat(received.get(id)).as("decision %s uploads", id).isOne());
    }

    /** How often each decision id arrived at the collector. */
    private static Map<String, Integer> decisionIds(TestCollector c) {
        Map<String, Integer> out = new HashMap<>();
        c.events("/logs").forEach(ev -> out.merge(ev.path("decision_id").asText(), 1, Integer::sum));
        return out;
    }
}
