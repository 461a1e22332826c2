package io.certgate.pep.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.client.WebClient;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.GatewayServer;
import io.certgate.pep.support.Await;
import io.certgate.pep.support.DelayingProxy;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.E2e.Resp;
import io.certgate.pep.support.TrafficLoad;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway over several real PDP servers (each a {@link PdpServer} on its own port over one in-process
 * {@link Pdp} with the end-to-end test policy): round robin and failover, a PDP stopped mid-traffic, all of
 * them stopped, and a slow one (behind a {@link DelayingProxy}) whose breaker opens, half-opens and closes.
 */
class PdpFleetTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static Pdp pdp;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        pdp = e.closeLater(Pdp.start(PdpConfig.defaults().withOverrides(0, null, E2e.e2ePolicies(),
                "gw/authz/decision"), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()));
        // The first evaluations of a fresh WASM module are slow; they are not what these tests are about.
        E2e.warmUp(new EmbeddedDecisionClient(pdp, Runnable::run), e.pki.partnerClient());
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    /** Another PDP server over the shared PDP, on its own port: an endpoint a test may stop. */
    static PdpServer server() {
        return e.closeLater(new PdpServer(pdp, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start());
    }

    static String fleet(String settings, int... ports) {
        String addresses = Arrays.stream(ports).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(", "));
        return "{mode: remote, addresses: [" + addresses + "], cache_size: 0, entrypoint: gw/authz/decision"
                + (settings.isEmpty() ? "" : ", " + settings) + "}";
    }

    static GatewayServer gateway(String pdpYaml) throws Exception {
        return e.start(E2e.gateway(pdpYaml, "",
                e.service("closed", "closed.example.test", "{verify: required, ca_file: ca.pem}", "{}"),
                e.service("open", "open.example.test", "{verify: required, ca_file: ca.pem}",
                        "{on_pdp_unavailable: allow}")));
    }

    static WebClient partner(GatewayServer gw, String service) {
        return e.client(gw.port(), service + ".example.test", e.pki.partnerClient());
    }

    static double metric(GatewayServer gw, String name, String... tags) {
        Search s = e.registry(gw.port()).find(name).tags(tags);
        Counter c = s.counter();
        if (c != null) {
            return c.count();
        }
        Gauge g = s.gauge();
        return g == null ? 0 : g.value();
    }

    static double calls(GatewayServer gw, int port) {
        return metric(gw, "gateway_pdp_calls_total", "endpoint", "127.0.0.1:" + port, "outcome", "ok")
                + metric(gw, "gateway_pdp_calls_total", "endpoint", "127.0.0.1:" + port, "outcome", "error");
    }

    static double allCalls(GatewayServer gw) {
        return e.registry(gw.port()).find("gateway_pdp_calls_total").counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    static double circuit(GatewayServer gw, int port) {
        return metric(gw, "gateway_pdp_circuit_state", "endpoint", "127.0.0.1:" + port);
    }

    static Resp admitted(WebClient c) {
        Resp r = E2e.get(c, "/invoices");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r;
    }

    // ------------------------------------------------------------------ balancing

    @Test
    void roundRobinSpreadsDecisionsOverEveryPdp() throws Exception {
        int[] ports = {server().port(), server().port(), server().port()};
        GatewayServer gw = gateway(fleet("timeout_ms: 5000", ports));
        WebClient c = partner(gw, "closed");
        for (int i = 0; i < 30; i++) {
            admitted(c);
        }
        for (int port : ports) {
            assertThat(metric(gw, "gateway_pdp_calls_total", "endpoint", "127.0.0.1:" + port, "outcome", "ok"))
                    .as("decisions by %s", port).isEqualTo(10);
        }
        assertThat(gw.pdp().describe()).startsWith("remote 127.0.0.1:").endsWith("(round_robin)");
    }

    @Test
    void failoverAsksTheFirstPdpWhileItIsUsable() throws Exception {
        int[] ports = {server().port(), server().port()};
        GatewayServer gw = gateway(fleet("timeout_ms: 5000, lb: failover", ports));
        WebClient c = partner(gw, "closed");
        for (int i = 0; i < 10; i++) {
            admitted(c);
        }
        assertThat(calls(gw, ports[0])).isEqualTo(10);
        assertThat(calls(gw, ports[1])).isZero();
    }

    // ------------------------------------------------------------------ PDPs going away

    @Test
    void aPdpStoppedMidTrafficIsRoutedAround() throws Exception {
        PdpServer doomed = server();
        int[] ports = {doomed.port(), server().port(), server().port()};
        // No health checks: what keeps requests from failing here is the retry on the next PDP alone.
        GatewayServer gw = gateway(fleet("timeout_ms: 5000, health_check: {enabled: false}", ports));
        List<WebClient> clients = List.of(partner(gw, "closed"), partner(gw, "closed"));
        try (TrafficLoad load = TrafficLoad.start(clients, "/invoices")) {
            load.awaitMore(30);
            doomed.close();
            double callsWhenStopped = calls(gw, ports[0]);
            load.awaitMore(60);
            load.close();
            // Only requests in flight while it stopped may have failed; the others went to the remaining PDPs.
            assertThat(load.notOk()).as(load.toString()).isLessThanOrEqualTo(load.inFlight());
            assertThat(calls(gw, ports[1]) + calls(gw, ports[2])).isGreaterThanOrEqualTo(60);
            // The stopped PDP was tried and refused (then passed over), or already skipped.
            assertThat(metric(gw, "gateway_pdp_retries_total")
                    + metric(gw, "gateway_pdp_skipped_total", "endpoint", "127.0.0.1:" + ports[0], "reason",
                            "circuit_open")
                    + metric(gw, "gateway_pdp_skipped_total", "endpoint", "127.0.0.1:" + ports[0], "reason",
                            "unhealthy")).isPositive();
            assertThat(calls(gw, ports[0])).isGreaterThanOrEqualTo(callsWhenStopped);
        }
    }

    @Test
    void withEveryPdpGoneTheFallbackAppliesWithoutAskingTheNetwork() throws Exception {
        PdpServer a = server();
        PdpServer b = server();
        GatewayServer gw = gateway(fleet("timeout_ms: 5000, health_check: {interval_ms: 200},"
                + " circuit_breaker: {minimum_calls: 2, window_size: 2}", a.port(), b.port()));
        WebClient closed = partner(gw, "closed");
        admitted(closed);
        a.close();
        b.close();
        // Requests after the stop find refused connections until the breakers open or the probes fail.
        Await.repeatUntil("both PDPs out of rotation", () -> E2e.get(closed, "/invoices"),
                () -> !admin(gw).path("pdp_available").asBoolean(true));
        var health = admin(gw);
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("pdp_endpoints")).hasSize(2).allSatisfy(ep ->
                assertThat(ep.path("healthy").asBoolean() && !"open".equals(ep.path("circuit").asText())).isFalse());

        double callsBefore = allCalls(gw);
        int upstreamBefore = e.upstream.count();
        Resp r = E2e.get(closed, "/invoices");
        assertThat(r.status()).as(r.toString()).isEqualTo(503);
        assertThat(r.field("error_code")).isEqualTo("PDP_UNAVAILABLE");
        Resp open = E2e.get(partner(gw, "open"), "/invoices");
        assertThat(open.status()).as(open.toString()).isEqualTo(200);
        assertThat(e.upstream.last().get("x-authz-fallback")).isEqualTo("pdp-unavailable");
        // Decided locally: no PDP was called for either request, both were passed over.
        assertThat(allCalls(gw)).isEqualTo(callsBefore);
        assertThat(e.upstream.count()).isEqualTo(upstreamBefore + 1);
        assertThat(e.registry(gw.port()).find("gateway_pdp_skipped_total").counters().stream()
                .mapToDouble(Counter::count).sum()).isGreaterThanOrEqualTo(4);
    }

    static com.fasterxml.jackson.databind.JsonNode admin(GatewayServer gw) {
        WebClient c = WebClient.of("http://127.0.0.1:" + gw.adminPort());
        try {
            return E2e.JSON.readTree(c.get("/health").aggregate().join().contentUtf8());
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    // ------------------------------------------------------------------ a slow PDP

    @Test
    void aSlowPdpTripsItsBreakerAndIsBackAfterAHalfOpenTrial() throws Exception {
        DelayingProxy slow = e.closeLater(new DelayingProxy(server().port()));
        int fast = server().port();
        // failover: every decision asks the slow PDP first, so each step below is decided by its breaker
        GatewayServer gw = gateway(fleet("timeout_ms: 1000, lb: failover, health_check: {enabled: false},"
                + " circuit_breaker: {minimum_calls: 2, window_size: 2, failure_rate_threshold: 50, open_ms: 2000,"
                + " half_open_calls: 1}", slow.port(), fast));
        WebClient c = partner(gw, "closed");
        admitted(c);
        admitted(c);
        assertThat(circuit(gw, slow.port())).isEqualTo(PdpEndpoint.CLOSED);

        slow.delay(Duration.ofSeconds(5));
        // Decisions run into the deadline (503, a slow PDP may still decide, so no retry) until the breaker opens.
        Resp timedOut = E2e.get(c, "/invoices");
        assertThat(timedOut.status()).as(timedOut.toString()).isEqualTo(503);
        Await.repeatUntil("the slow PDP's breaker opens", () -> E2e.get(c, "/invoices"),
                () -> circuit(gw, slow.port()) == PdpEndpoint.OPEN);
        double slowCalls = calls(gw, slow.port());
        // Open (for open_ms): passed over without a call, the fast PDP decides.
        admitted(c);
        assertThat(calls(gw, slow.port())).isEqualTo(slowCalls);
        assertThat(metric(gw, "gateway_pdp_skipped_total", "endpoint", "127.0.0.1:" + slow.port(), "reason",
                "circuit_open")).isEqualTo(1);

        slow.delay(Duration.ZERO);
        Await.repeatUntil("the recovered PDP's breaker closes", () -> E2e.get(c, "/invoices"),
                () -> circuit(gw, slow.port()) == PdpEndpoint.CLOSED);
        String endpoint = "127.0.0.1:" + slow.port();
        assertThat(metric(gw, "gateway_pdp_circuit_transitions_total", "endpoint", endpoint, "state", "open"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metric(gw, "gateway_pdp_circuit_transitions_total", "endpoint", endpoint, "state", "half_open"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metric(gw, "gateway_pdp_circuit_transitions_total", "endpoint", endpoint, "state", "closed"))
                .isEqualTo(1);
        assertThat(calls(gw, slow.port())).isGreaterThan(slowCalls);
        for (int i = 0; i < 4; i++) {
            admitted(c);
        }
    }
}
