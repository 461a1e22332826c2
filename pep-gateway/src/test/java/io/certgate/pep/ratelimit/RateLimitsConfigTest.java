package io.certgate.pep.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.pdp.config.ConfigException;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.support.E2e;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad rate-limit configuration is an error at start that names what and where. */
class RateLimitsConfigTest {
    @TempDir
    static Path tmp;
    static E2e e;

    @BeforeAll
    static void setUp() throws Exception {
        e = new E2e(tmp);
    }

    private static String yaml(String top, String limits) {
        return E2e.gateway(E2e.embeddedPdp(), top, e.service("svc", "svc.example.test",
                "{verify: required, ca_file: ca.pem}", "{}") + "    rate_limits: " + limits + "\n");
    }

    private static ConfigException error(String top, String limits) {
        try {
            GatewayConfig.parse(yaml(top, limits), "gateway.yaml", tmp);
        } catch (ConfigException ex) {
            return ex;
        }
        throw new AssertionError("accepted: " + limits);
    }

    @Test
    void aGoodConfigurationIsRead() throws Exception {
        GatewayConfig c = GatewayConfig.parse(yaml("rate_limits: {store: \"redis://127.0.0.1:6379\", timeout_ms: 20}",
                "{mode: report-only, on_store_unavailable: deny, limits: [{name: a, key: client_ip+route, rate: 5,"
                        + " period: 10m, burst: 7, when: {methods: [post], paths: [\"/x/**\"]}}]}"), "gateway.yaml", tmp);
        ServiceLimits l = c.services().get(0).rateLimits();
        assertThat(l.reportOnly()).isTrue();
        assertThat(l.onStoreUnavailable()).isEqualTo(ServiceLimits.Fallback.DENY);
        assertThat(l.rules().get(0).quota()).isEqualTo(new Quota(5, java.time.Duration.ofMinutes(10), 7));
        assertThat(l.rules().get(0).key().parts()).containsExactly(LimitKey.Part.CLIENT_IP, LimitKey.Part.ROUTE);
        assertThat(c.rateLimitStore().shared()).isTrue();
    }

    @Test
    void errorsNameTheLimitAndTheProblem() {
        assertThat(error("", "{limits: [{name: a, key: cert.sha1, rate: 1}]}").errors()).anySatisfy(m ->
                assertThat(m).contains("services[0].rate_limits.limits[0].key: unknown key part 'cert.sha1'",
                        "known: client_id, profile, cert.sha256"));
        assertThat(error("", "{limits: [{name: a, key: client_ip, rate: 0}]}").errors()).anySatisfy(m ->
                assertThat(m).contains("services[0].rate_limits.limits[0].rate: must be an integer in [1, "));
        assertThat(error("", "{limits: [{name: a, key: client_ip, rate: -5}]}").errors()).anySatisfy(m ->
                assertThat(m).contains("limits[0].rate: must be an integer in [1, "));
        assertThat(error("", "{limits: [{name: a, key: client_ip, rate: 1, period: 0s}]}").errors()).anySatisfy(m ->
                assertThat(m).contains("limits[0].period: period must be a positive duration"));
        assertThat(error("", "{limits: [{name: a, key: client_ip}]}").errors()).anySatisfy(m ->
                assertThat(m).contains("limits[0].rate: required"));
        assertThat(error("", "{limits: [{name: a, key: client_ip, rate: 1}, {name: a, key: service, rate: 1}]}")
                .errors()).anySatisfy(m -> assertThat(m).contains("limits[1].name: duplicate limit name 'a'"));
        assertThat(error("rate_limits: {store: \"http://x:1\"}", "{}").errors()).anySatisfy(m ->
                assertThat(m).contains("rate_limits.store: must be a redis:// or rediss:// URL"));
    }

    @Test
    void unknownKeysAreRejected() {
        assertThatThrownBy(() -> GatewayConfig.parse(yaml("", "{limit: []}"), "gateway.yaml", tmp))
                .isInstanceOf(ConfigException.class)
                .satisfies(ex -> assertThat(((ConfigException) ex).errors())
                        .anySatisfy(m -> assertThat(m).contains("rate_limits.limit: unknown key")));
    }
}
