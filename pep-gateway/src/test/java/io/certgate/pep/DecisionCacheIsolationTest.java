package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.Server;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.opa.OpaToolchain;
import io.certgate.pdp.server.PdpServer;
import io.certgate.pep.support.E2e;
import io.certgate.testdata.TestCert;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cached decisions stay with the client they were made for, with a policy whose every decision may be cached
 * ({@code policies/cacheable}, {@code ttl_seconds: 60}), in both PDP modes: the embedded PDP's decision cache, and
 * the gateway's own cache ({@code CachingDecisionClient}) in front of a real remote PDP server. Clients with
 * different certificates, with a certificate differing only in a field the policy reads (OU), a denied one and
 * one without a certificate never get each other's decision or obligation headers, also when their requests
 * interleave. The upstream echoes the identity headers it receives.
 */
class DecisionCacheIsolationTest {
    static final String HOST = "cache.example.test";
    static final int ROUNDS = 12;
    static final List<String> ECHOED = List.of("x-client-id", "x-client-ou", "x-client-sha256", "x-ssl-client-cn");

    @TempDir
    static Path tmp;
    static E2e e;
    static Server echo;
    static int embedded;
    static int remote;
    static List<Client> clients;

    /** A client and what it, and only it, must get. */
    record Client(String name, @Nullable TestCert cert, int status, Map<String, String> identity) {}

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        echo = Server.builder().http(0).service("prefix:/", (ctx, req) -> {
            Map<String, String> seen = new LinkedHashMap<>();
            for (String name : ECHOED) {
                seen.put(name, req.headers().get(name, "absent"));
            }
            return HttpResponse.of(MediaType.JSON, E2e.JSON.writeValueAsString(seen));
        }).build();
        echo.start().join();
        e.closeLater(echo::stop);

        TestCert partner = e.pki.partnerClient();
        TestCert device = e.pki.iotDeviceClient();
        // the partner's CN and organisation, another OU: a cache keyed by the CN would mix them up
        TestCert twin = e.pki.certificate("twin").c("DE").o("Example Partner GmbH").ou("sales")
                .cn("billing-service").clientAuth().issuedBy(e.pki.intermediateCa())
                .validity(Duration.ofDays(-1), Duration.ofDays(90)).build();
        TestCert stranger = e.pki.certificate("stranger").c("DE").o("Elsewhere Inc").cn("stranger").clientAuth()
                .issuedBy(e.pki.intermediateCa()).validity(Duration.ofDays(-1), Duration.ofDays(90)).build();
        clients = List.of(
                new Client("partner", partner, 200, identity("billing-service", "billing,partners", partner)),
                new Client("device", device, 200, identity("device-A1B2C3D4E5F6", "devices", device)),
                new Client("twin", twin, 200, identity("billing-service", "sales", twin)),
                new Client("no certificate", null, 200, identity("anonymous", "none", null)),
                new Client("stranger", stranger, 403, Map.of()));

        // one compiled bundle for both PDPs
        Path bundle = tmp.resolve("cacheable.tar.gz");
        OpaToolchain.locate(OpaToolchain.defaultToolsDir()).buildWasmBundle(policies(), bundle, "c1", List.of());
        String mtls = "{verify: optional, ca_file: ca.pem}";
        String upstream = "{url: \"http://127.0.0.1:" + echo.activeLocalPort() + "\"}";
        String service = E2e.service("cached", HOST, mtls, upstream, "{}",
                "{headers: {obligations: [x-client-*]}}");
        embedded = e.start(E2e.gateway("{mode: embedded, bundle: " + bundle + ", entrypoint: gw/authz/decision}",
                "", service)).port();

        // Without a cache of its own, the remote PDP decides every time: only the gateway's cache can mix up.
        PrometheusMeterRegistry pdpRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Pdp pdp = e.closeLater(Pdp.start(PdpConfig.defaults()
                .withOverrides(0, bundle.toString(), null, "gw/authz/decision").withDecisionCache(0, false),
                pdpRegistry, Clock.systemUTC()));
        PdpServer pdpServer = e.closeLater(new PdpServer(pdp, pdpRegistry).start());
        GatewayServer remoteGateway = e.start(E2e.gateway("{mode: remote, address: 127.0.0.1:" + pdpServer.port()
                + ", timeout_ms: 5000, entrypoint: gw/authz/decision}", "", service));
        E2e.warmUp(remoteGateway.pdp(), e.pki.partnerClient()); // as E2e does for embedded PDPs
        remote = remoteGateway.port();
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    static Path policies() {
        try {
            return Path.of(DecisionCacheIsolationTest.class.getResource("/policies/cacheable").toURI());
        } catch (URISyntaxException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static Map<String, String> identity(String id, String ou, @Nullable TestCert cert) throws Exception {
        return Map.of("x-client-id", id, "x-client-ou", ou,
                "x-client-sha256", cert == null ? "none"
                        : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.der())),
                "x-ssl-client-cn", cert == null ? "absent" : id);
    }

    @Test
    void theEmbeddedPdpsCacheKeepsDecisionsApart() throws Exception {
        assertIsolated(embedded, "decision");
    }

    @Test
    void theGatewaysCacheOfARemotePdpKeepsDecisionsApart() throws Exception {
        assertIsolated(remote, "gateway_decision");
    }

    /** Every client in turn, then all at once, round after round: each gets its own answer every time. */
    static void assertIsolated(int port, String cache) throws Exception {
        Map<Client, WebClient> web = new LinkedHashMap<>();
        for (Client c : clients) {
            web.put(c, e.client(port, HOST, c.cert()));
        }
        for (Client c : clients) {
            assertOwn(c, web.get(c).get("/orders").aggregate().join());
        }
        double hitsBefore = hits(port, cache);
        for (int round = 0; round < ROUNDS; round++) {
            List<CompletableFuture<AggregatedHttpResponse>> answers = new ArrayList<>();
            for (Client c : clients) {
                answers.add(web.get(c).get("/orders").aggregate());
            }
            for (int i = 0; i < clients.size(); i++) {
                assertOwn(clients.get(i), answers.get(i).join());
            }
        }
        assertThat(hits(port, cache)).as("the decisions were answered from the %s cache", cache)
                .isGreaterThanOrEqualTo(hitsBefore + ROUNDS * clients.size());
    }

    static void assertOwn(Client c, AggregatedHttpResponse r) throws Exception {
        assertThat(r.status().code()).as("%s: %s", c.name(), r.contentUtf8()).isEqualTo(c.status());
        JsonNode body = E2e.JSON.readTree(r.contentUtf8());
        if (c.status() != 200) {
            assertThat(body.get("error_code").asText()).as(c.name()).isEqualTo("CLIENT_UNKNOWN");
            return;
        }
        for (Map.Entry<String, String> h : c.identity().entrySet()) {
            assertThat(body.get(h.getKey()).asText()).as("%s: %s", c.name(), h.getKey()).isEqualTo(h.getValue());
        }
    }

    static double hits(int port, String cache) {
        return e.registry(port).get("cache.gets").tags("cache", cache, "result", "hit").functionCounter().count();
    }
}
