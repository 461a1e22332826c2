package io.certgate.pep.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.pdp.boundary.PathRules;
import io.certgate.pdp.cert.CrlDistributionPoints;
import io.certgate.pdp.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {
    @TempDir
    Path dir;

    @BeforeEach
    void files() throws Exception {
        for (String f : new String[] {"s.pem", "s.key", "ca.pem", "crl.pem"}) {
            Files.writeString(dir.resolve(f), "x");
        }
    }

    private GatewayConfig parse(String yaml) throws ConfigException {
        return GatewayConfig.parse(yaml, "gateway.yaml", dir);
    }

    @Test
    void readsAFullConfigResolvingPathsAgainstItsDirectory() throws Exception {
        GatewayConfig c = parse("""
                listen: {port: 9443}
                admin: {port: -1}
                pdp: {mode: remote, address: 10.0.0.9:8181, timeout_ms: 75, cache_size: 0}
                audit: {mask: [subject_dn]}
                services:
                  - name: api
                    sni: [API.example.com]
                    server_cert: s.pem
                    server_key: s.key
                    mtls: {verify: optional, ca_file: ca.pem, ca_error_strategy: manualIgnoreList, ignore_codes: [10, 23],
                           crl_files: [crl.pem], ocsp: {enabled: true, soft_fail: false}}
                    upstream: {url: "https://up.example.com:9000", timeout_ms: 2000}
                    policy: {mode: passive, profile: partner, on_pdp_unavailable: allow,
                             when: {paths: ["/api/**"], methods: [get], headers: [{name: x-t, prefix: a}]}}
                """);
        assertThat(c.port()).isEqualTo(9443);
        assertThat(c.admin().port()).isEqualTo(-1);
        assertThat(c.pdp().mode()).isEqualTo(GatewayConfig.PdpMode.REMOTE);
        assertThat(c.pdp().timeout()).isEqualTo(Duration.ofMillis(75));
        ServiceConfig s = c.services().get(0);
        assertThat(s.sni()).containsExactly("api.example.com");
        assertThat(s.serverCert()).isEqualTo(dir.resolve("s.pem"));
        assertThat(s.mtls().verify()).isEqualTo(VerifyMode.OPTIONAL);
        assertThat(s.mtls().caErrorStrategy()).isEqualTo(CaErrorStrategy.MANUAL_IGNORE_LIST);
        assertThat(s.mtls().ignoreCodes()).containsExactlyInAnyOrder(10, 23);
        assertThat(s.mtls().ocspEnabled()).isTrue();
        assertThat(s.mtls().ocspSoftFail()).isFalse();
        assertThat(s.policy().enforce()).isFalse();
        assertThat(s.policy().failOpen()).isTrue();
        assertThat(s.policy().when().methods()).containsExactly("GET");
    }

    @Test
    void everyErrorIsReportedWithItsLocation() {
        assertThatThrownBy(() -> parse("""
                listen: {port: 70000}
                pdp: {mode: remote}
                colour: blue
                services:
                  - name: "bad name"
                    sni: []
                    server_cert: missing.pem
                    server_key: s.key
                    mtls: {verify: sometimes, ca_error_strategy: manualIgnoreList}
                    upstream: {url: "ftp://x"}
                    policy: {mode: loud}
                """)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).contains(
                "listen.port: must be an integer in [0, 65535], got 70000",
                "pdp.address: required with mode: remote (host:port of the PDP, e.g. 127.0.0.1:8181)",
                "services[0].name: required: letters, digits, '.', '_' or '-'",
                "services[0].sni: at least one host name is required (the TLS SNI that selects this service)",
                "services[0].server_cert: file not found or not readable: " + dir.resolve("missing.pem"),
                "services[0].mtls.verify: must be one of none | optional | required, got 'sometimes'",
                "services[0].mtls.ignore_codes: manualIgnoreList needs the OpenSSL codes to ignore, e.g. [10]",
                "services[0].upstream.url: must be an http:// or https:// URL with a host, got 'ftp://x'",
                "services[0].policy.mode: must be one of active | passive, got 'loud'")
                .anyMatch(m -> m.startsWith("colour: unknown key")));
    }

    private static final String SERVICE = """
            services:
              - {name: api, sni: [api.test], server_cert: s.pem, server_key: s.key, mtls: {ca_file: ca.pem},
                 upstream: {url: "http://127.0.0.1:1"}}
            """;

    @Test
    void anEmbeddedPdpTakesItsOwnSettingsFromAPdpYaml() throws Exception {
        Files.writeString(dir.resolve("pdp.yaml"), "time: {timezone: Europe/Berlin}\ncaches: {decisions: 7}\n");
        GatewayConfig cfg = parse("pdp: {mode: embedded, config: pdp.yaml}\n" + SERVICE);
        assertThat(cfg.pdp().embedded().timezone().getId()).isEqualTo("Europe/Berlin");
        assertThat(cfg.pdp().embedded().decisionCacheSize()).isEqualTo(7);
        assertThat(parse(SERVICE).pdp().embedded()).isEqualTo(io.certgate.pdp.config.PdpConfig.defaults());
    }

    @Test
    void errorsInTheEmbeddedPdpYamlAreReportedWithBothLocations() throws Exception {
        Path pdpYaml = dir.resolve("pdp.yaml");
        Files.writeString(pdpYaml, "engine: {pool_size: 0}\n");
        assertThatThrownBy(() -> parse("pdp: {mode: embedded, config: pdp.yaml}\n" + SERVICE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "pdp.config: " + pdpYaml + ": engine.pool_size: must be an integer in [1, 256], got 0"));
        assertThatThrownBy(() -> parse("pdp: {mode: remote, address: \"pdp:8181\", config: pdp.yaml}\n" + SERVICE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).contains(
                        "pdp.config: only for mode: embedded (a remote PDP reads its own pdp.yaml)"));
        assertThatThrownBy(() -> parse("pdp: {config: nope.yaml}\n" + SERVICE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "pdp.config: file not found or not readable: " + dir.resolve("nope.yaml")));
    }

    @Test
    void aRemotePdpFleetListsItsEndpointsWithBalancingHealthChecksAndBreakers() throws Exception {
        GatewayConfig.Pdp one = parse("pdp: {mode: remote, address: \"pdp:8181\"}\n" + SERVICE).pdp();
        assertThat(one.addresses()).containsExactly("pdp:8181");
        assertThat(one.fleet()).isEqualTo(PdpFleetConfig.defaults());
        GatewayConfig.Pdp fleet = parse("""
                pdp:
                  mode: remote
                  addresses: [pdp-0.pdp:8181, pdp-1.pdp:8181, 10.0.0.7:8181]
                  lb: failover
                  health_check: {interval_ms: 500, path: /ready}
                  circuit_breaker: {failure_rate_threshold: 25, minimum_calls: 4, window_size: 8, open_ms: 900,
                                    half_open_calls: 2}
                """ + SERVICE).pdp();
        assertThat(fleet.addresses()).containsExactly("pdp-0.pdp:8181", "pdp-1.pdp:8181", "10.0.0.7:8181");
        assertThat(fleet.fleet()).isEqualTo(new PdpFleetConfig(PdpFleetConfig.LoadBalancing.FAILOVER,
                new PdpFleetConfig.HealthCheck(true, Duration.ofMillis(500), "/ready"),
                new PdpFleetConfig.CircuitBreaker(25, 4, 8, Duration.ofMillis(900), 2)));
    }

    @Test
    void aWrongFleetIsReportedPerEntry() {
        assertThatThrownBy(() -> parse("""
                pdp:
                  mode: remote
                  address: "a:1"
                  addresses: ["a:1"]
                """ + SERVICE)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                .containsExactly("pdp.addresses: set either pdp.address (one PDP) or pdp.addresses (several), not both"));
        assertThatThrownBy(() -> parse("""
                pdp:
                  mode: remote
                  addresses: ["a:1", "http://b:2", "A:1", "c:70000"]
                  lb: random
                  health_check: {interval_ms: 5, path: health}
                  circuit_breaker: {minimum_calls: 10, window_size: 5, failure_rate_threshold: 0, size: 3}
                """ + SERVICE)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                .contains("pdp.addresses[1]: must be host:port, got 'http://b:2'",
                        "pdp.addresses[2]: 'A:1' is listed twice",
                        "pdp.addresses[3]: must be host:port, got 'c:70000'",
                        "pdp.lb: must be one of round_robin | failover, got 'random'",
                        "pdp.health_check.interval_ms: must be an integer in [100, 600000], got 5",
                        "pdp.health_check.path: must be an absolute path such as /health, got 'health'",
                        "pdp.circuit_breaker.window_size: must be at least minimum_calls (10), got 5",
                        "pdp.circuit_breaker.failure_rate_threshold: must be an integer in [1, 100], got 0")
                .anyMatch(m -> m.startsWith("pdp.circuit_breaker.size: unknown key")));
        assertThatThrownBy(() -> parse("pdp: {mode: remote, addresses: []}\n" + SERVICE))
                .hasMessageContaining("pdp.addresses: at least one host:port is required");
        assertThatThrownBy(() -> parse("pdp: {mode: embedded, addresses: [\"a:1\"]}\n" + SERVICE))
                .hasMessageContaining("pdp.addresses: only for mode: remote");
    }

    @Test
    void servicesAreRequiredAndSniMustBeUnique() {
        assertThatThrownBy(() -> parse("listen: {port: 1}\n")).hasMessageContaining("at least one service");
        assertThatThrownBy(() -> parse("""
                services:
                  - {name: a, sni: [x.test], server_cert: s.pem, server_key: s.key, mtls: {verify: none}, upstream: {url: "http://u:1"}}
                  - {name: a, sni: [x.test], server_cert: s.pem, server_key: s.key, mtls: {verify: none}, upstream: {url: "http://u:1"}}
                """)).hasMessageContaining("services[1].name: duplicate service name 'a'")
                .hasMessageContaining("services[1].sni: 'x.test' is already used by another service");
        assertThatThrownBy(() -> parse("services: [\n")).hasMessageContaining("not valid YAML");
    }

    @Test
    void theRequestSectionSetsTheTrustBoundaryOfAService() throws Exception {
        GatewayConfig cfg = parse(SERVICE.replace("upstream: {url: \"http://127.0.0.1:1\"}}",
                "upstream: {url: \"http://127.0.0.1:1\"}, request: {path: {allow_encoded_slash: true, lowercase: true},"
                        + " headers: {allow_underscores: true, obligations: [X-Tenant-Id, x-user-*]}, body_timeout_ms: 2500}}"));
        ServiceConfig.Request r = cfg.services().get(0).request();
        assertThat(r.path()).isEqualTo(new PathRules(true, false, false, true));
        assertThat(r.headers().obligationAllowed("x-tenant-id")).isTrue();
        assertThat(r.headers().obligationAllowed("x-client-id")).isFalse();
        assertThat(r.headers().fromClient("x_other")).isTrue();
        assertThat(r.bodyTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(parse(SERVICE).services().get(0).request()).isEqualTo(ServiceConfig.Request.defaults());
    }

    @Test
    void obligationPatternsThatReachTrustHeadersAreLocatedErrors() {
        assertThatThrownBy(() -> parse(SERVICE.replace("upstream: {url: \"http://127.0.0.1:1\"}}",
                "upstream: {url: \"http://127.0.0.1:1\"}, request: {headers: {obligations: [\"x-*\"]}, path: {x: 1}}}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).anyMatch(m -> m.startsWith(
                        "services[0].request.headers.obligations: 'x-*' would let a policy set a header that carries"))
                        .anyMatch(m -> m.startsWith("services[0].request.path.x: unknown key")));
    }

    @Test
    void clientChainLimitsHaveDefaultsAndBounds() throws Exception {
        ServiceConfig.Mtls defaults = parse(SERVICE).services().get(0).mtls();
        assertThat(defaults.maxChainBytes()).isEqualTo(16_384);
        assertThat(defaults.maxChainDepth()).isEqualTo(10);
        ServiceConfig.Mtls set = parse(SERVICE.replace("{ca_file: ca.pem}",
                "{ca_file: ca.pem, max_chain_bytes: 30720, max_chain_depth: 3}")).services().get(0).mtls();
        assertThat(set.maxChainBytes()).isEqualTo(30_720);
        assertThat(set.maxChainDepth()).isEqualTo(3);
        assertThatThrownBy(() -> parse(SERVICE.replace("{ca_file: ca.pem}",
                "{ca_file: ca.pem, max_chain_bytes: 65536, max_chain_depth: 0}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "services[0].mtls.max_chain_bytes: must be an integer in [16384, 30720], got 65536",
                        "services[0].mtls.max_chain_depth: must be an integer in [1, 10], got 0"));
        assertThatThrownBy(() -> parse(SERVICE.replace("{ca_file: ca.pem}",
                "{ca_file: ca.pem, max_chain_bytes: 8192, max_chain_depth: 11}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "services[0].mtls.max_chain_bytes: must be an integer in [16384, 30720], got 8192",
                        "services[0].mtls.max_chain_depth: must be an integer in [1, 10], got 11"));
    }

    @Test
    void crlDistributionPointsAreOffByDefaultAndNeedAnExplicitSoftFailChoice() throws Exception {
        assertThat(parse(SERVICE).services().get(0).mtls().crlDistributionPoints()).isNull();
        assertThat(parse(SERVICE.replace("{ca_file: ca.pem}",
                "{ca_file: ca.pem, crl_distribution_points: {enabled: false}}")).services().get(0).mtls()
                .crlDistributionPoints()).isNull();
        CrlDistributionPoints.Settings set = parse(SERVICE.replace("{ca_file: ca.pem}",
                "{ca_file: ca.pem, crl_distribution_points: {enabled: true, soft_fail: false, refresh_interval_ms:"
                        + " 600000, timeout_ms: 2000, grace_ms: 3600000, max_bytes: 1048576}}"))
                .services().get(0).mtls().crlDistributionPoints();
        assertThat(set).isEqualTo(new CrlDistributionPoints.Settings(Duration.ofMinutes(10), Duration.ofSeconds(2),
                Duration.ofHours(1), 1_048_576, false));
        CrlDistributionPoints.Settings defaults = parse(SERVICE.replace("{ca_file: ca.pem}",
                "{ca_file: ca.pem, crl_distribution_points: {enabled: true, soft_fail: true}}"))
                .services().get(0).mtls().crlDistributionPoints();
        assertThat(defaults).isEqualTo(new CrlDistributionPoints.Settings(Duration.ofHours(1), Duration.ofSeconds(5),
                Duration.ZERO, 10 * 1024 * 1024, true));
        assertThatThrownBy(() -> parse(SERVICE.replace("{ca_file: ca.pem}",
                "{ca_file: ca.pem, crl_distribution_points: {enabled: true, max_bytes: 10, refresh: 5}}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "services[0].mtls.crl_distribution_points.max_bytes: must be an integer in [1024, 67108864],"
                                + " got 10",
                        "services[0].mtls.crl_distribution_points.refresh: unknown key (known: enabled, grace_ms,"
                                + " max_bytes, refresh_interval_ms, soft_fail, timeout_ms)",
                        "services[0].mtls.crl_distribution_points.soft_fail: required when enabled: true: without a"
                                + " usable CRL, accept the certificate as if there were no CRL (true) or reject it"
                                + " with 3/12 (false)"));
    }

    @Test
    void aDuplicateKeyIsAnErrorAtItsLineNotASilentOverride() {
        assertThatThrownBy(() -> parse("""
                services:
                  - name: api
                    sni: [api.test]
                    server_cert: s.pem
                    server_key: s.key
                    mtls:
                      verify: required
                      ca_file: ca.pem
                      verify: none
                    upstream: {url: "http://127.0.0.1:1"}
                """)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                .singleElement().asString().matches("line 9, column \\d+: not valid YAML: Duplicate field 'verify'.*"));
        assertThatThrownBy(() -> parse(SERVICE.replace("{ca_file: ca.pem}", "{ca_file: ca.pem, ca_file: other.pem}")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .asString().matches("line 2, column \\d+: not valid YAML: Duplicate field 'ca_file'.*"));
        assertThatThrownBy(() -> parse("listen: {port: 1}\nlisten: {port: 2}\n" + SERVICE))
                .hasMessageContaining("line 2, column 7: not valid YAML: Duplicate field 'listen'");
    }

    @Test
    void theTlsPortListensEverywhereUnlessAHostIsGivenAndAdminOnLoopback() throws Exception {
        GatewayConfig all = parse(SERVICE);
        assertThat(all.host()).isNull();
        assertThat(all.port()).isEqualTo(8443);
        assertThat(all.admin().host()).isEqualTo("127.0.0.1");
        GatewayConfig one = parse("listen: {host: 10.0.0.5, port: 443}\nadmin: {host: '::1'}\n" + SERVICE);
        assertThat(one.host()).isEqualTo("10.0.0.5");
        assertThat(one.port()).isEqualTo(443);
        assertThat(one.admin().host()).isEqualTo("::1");
        assertThatThrownBy(() -> parse("listen: {host: '0.0.0.0:443'}\nadmin: {host: 'http://x'}\n" + SERVICE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "listen.host: must be an IP address (IPv6 without brackets) or a host name, got '0.0.0.0:443'",
                        "admin.host: must be an IP address (IPv6 without brackets) or a host name, got 'http://x'"));
    }
}
