package io.certgate.pep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.support.E2e;
import io.certgate.pep.support.RecordingUpstream;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /admin/reload} (what SIGHUP does too): services added, changed and removed while serving; a bad
 * file or a restart-only change is refused with its reason and changes nothing.
 */
class ConfigReloadTest {
    @TempDir
    static Path tmp;
    static E2e e;
    static GatewayServer gateway;
    static Path yaml;
    static RecordingUpstream second;
    static String pdp;

    @BeforeAll
    static void start() throws Exception {
        e = new E2e(tmp);
        second = e.closeLater(new RecordingUpstream());
        pdp = E2e.embeddedPdp();
        yaml = Files.writeString(tmp.resolve("gateway.yaml"), config("listen: {port: 0}",
                E2e.service("alpha", "alpha.example.test", "{verify: required, ca_file: ca.pem}",
                        "{url: \"" + e.upstream.url() + "\"}", "{}"),
                E2e.service("beta", "beta.example.test", "{verify: required, ca_file: ca.pem}",
                        "{url: \"" + e.upstream.url() + "\"}", "{}")));
        gateway = e.closeLater(new GatewayServer(GatewayConfig.load(yaml), yaml,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Clock.systemUTC()).start());
        E2e.warmUp(gateway.pdp(), e.pki.partnerClient());
    }

    @AfterAll
    static void stop() {
        e.close();
    }

    private static String config(String listen, String... services) {
        return E2e.gateway(pdp, "", services).replace("listen: {port: 0}", listen);
    }

    private static JsonNode reload(String content, int status) throws Exception {
        Files.writeString(yaml, content);
        AggregatedHttpResponse r = WebClient.of("http://127.0.0.1:" + gateway.adminPort())
                .execute(com.linecorp.armeria.common.RequestHeaders.of(HttpMethod.POST, "/admin/reload"))
                .aggregate().join();
        assertThat(r.status().code()).as(r.contentUtf8()).isEqualTo(status);
        return E2e.JSON.readTree(r.contentUtf8());
    }

    private static int call(String host) {
        return E2e.get(e.client(gateway.port(), host, e.pki.partnerClient()), "/echo").status();
    }

    private static String svc(String name, RecordingUpstream upstream) {
        return E2e.service(name, name + ".example.test", "{verify: required, ca_file: ca.pem}",
                "{url: \"" + upstream.url() + "\"}", "{}");
    }

    @Test
    void servicesAddedChangedRemovedAndBadFilesRefused() throws Exception {
        assertThat(call("alpha.example.test")).isEqualTo(200);
        assertThat(call("gamma.example.test")).isEqualTo(421);

        // add gamma
        JsonNode added = reload(config("listen: {port: 0}", svc("alpha", e.upstream), svc("beta", e.upstream),
                svc("gamma", e.upstream)), 200);
        assertThat(added.get("added").toString()).isEqualTo("[\"gamma\"]");
        assertThat(added.get("changed")).isEmpty();
        assertThat(call("gamma.example.test")).isEqualTo(200);

        // beta's upstream changes: its requests reach the second upstream
        JsonNode changed = reload(config("listen: {port: 0}", svc("alpha", e.upstream), svc("beta", second),
                svc("gamma", e.upstream)), 200);
        assertThat(changed.get("changed").toString()).isEqualTo("[\"beta\"]");
        int before = second.count();
        assertThat(call("beta.example.test")).isEqualTo(200);
        assertThat(second.count()).isEqualTo(before + 1);

        // alpha removed: its name is misdirected from now on
        JsonNode removed = reload(config("listen: {port: 0}", svc("beta", second), svc("gamma", e.upstream)), 200);
        assertThat(removed.get("removed").toString()).isEqualTo("[\"alpha\"]");
        assertThat(call("alpha.example.test")).isEqualTo(421);

        // a bad file: the located error, nothing changes
        JsonNode bad = reload(config("listen: {port: 0}", svc("beta", second),
                svc("gamma", e.upstream).replace("verify: required", "verify: sometimes")), 422);
        assertThat(bad.get("status").asText()).isEqualTo("rejected");
        assertThat(bad.get("errors").get(0).asText()).contains(yaml.toString()).contains("services[1].mtls.verify");
        assertThat(call("gamma.example.test")).isEqualTo(200);
        assertThat(call("alpha.example.test")).isEqualTo(421);

        // a missing file of a new service: located like config check's, nothing changes
        JsonNode missing = reload(config("listen: {port: 0}", svc("beta", second), svc("gamma", e.upstream),
                svc("delta", e.upstream).replace("ca_file: ca.pem", "ca_file: nowhere.pem")), 422);
        assertThat(missing.get("errors").toString()).contains("services[2].mtls.ca_file");
        assertThat(call("delta.example.test")).isEqualTo(421);

        // the listen port cannot change while serving
        JsonNode restart = reload(config("listen: {port: 1}", svc("beta", second), svc("gamma", e.upstream),
                svc("alpha", e.upstream)), 422);
        assertThat(restart.get("errors").get(0).asText()).contains("listen:").contains("needs a restart");
        assertThat(call("alpha.example.test")).isEqualTo(421);
        assertThat(call("beta.example.test")).isEqualTo(200);
    }
}
