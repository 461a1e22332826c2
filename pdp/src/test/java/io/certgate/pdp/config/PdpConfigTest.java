package io.certgate.pdp.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.pdp.audit.DecisionLogsConfig;
import io.certgate.pdp.audit.Reporting;
import io.certgate.pdp.cert.CrlDistributionPoints;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.remote.RemoteService;
import io.certgate.pdp.status.StatusConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PdpConfigTest {

    @Test
    void defaults() {
        PdpConfig d = PdpConfig.defaults();
        assertThat(d.host()).isEqualTo("127.0.0.1").isEqualTo(PdpConfig.DEFAULT_HOST);
        assertThat(d.port()).isEqualTo(8181).isEqualTo(PdpConfig.DEFAULT_PORT);
        assertThat(d.maxRequestBytes()).isEqualTo(1024 * 1024);
        assertThat(d.bundle()).isNull();
        assertThat(d.policies()).isNull();
        assertThat(d.pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.entrypoint()).isEqualTo("mtls/authz/decision").isEqualTo(PdpConfig.DEFAULT_ENTRYPOINT);
        assertThat(d.extraEntrypoints()).isEmpty();
        assertThat(d.engine()).isEqualTo(EngineOptions.defaults());
        assertThat(d.timezone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(d.certificateCacheSize()).isEqualTo(10_000);
        assertThat(d.decisionCacheSize()).isEqualTo(10_000);
        assertThat(d.decisionLogs()).isEqualTo(new DecisionLogsConfig(true, null, "/logs", Reporting.defaults(),
                List.of("/input/request/headers/authorization", "/input/request/headers/cookie")));
        assertThat(d.services()).isEmpty();
        assertThat(d.status().enabled()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "# only a comment", "{}", "---", "---\n...\n", "server: {}", "server:\n  port: null",
            "server:", "server:\n  # port: 1\npolicy:\n  # bundle: x\n", "server: ~"})
    void emptyDocumentsAndSectionsGiveTheDefaults(String yaml) throws Exception {
        assertThat(PdpConfig.parse(yaml, "pdp.yaml")).isEqualTo(PdpConfig.defaults());
    }

    @Test
    void fullValidYaml() throws Exception {
        PdpConfig c = PdpConfig.parse("""
                server:
                  port: 9191
                  max_request_bytes: 2048
                policy:
                  bundle: https://bundles.example.com/certgate.tar.gz
                  poll_interval_seconds: 30
                  entrypoint: custom/decision
                  entrypoints: [authzen/decision, extra/one]
                engine:
                  pool_size: 4
                  acquire_timeout_ms: 0
                  evaluation_timeout_ms: 250
                  max_memory_mb: 128
                time:
                  timezone: Europe/Berlin
                caches:
                  certificate_identities: 0
                  decisions: 500
                decision_log:
                  enabled: false
                  mask: [request.headers.x-api-key]
                """, "pdp.yaml");
        assertThat(c.port()).isEqualTo(9191);
        assertThat(c.maxRequestBytes()).isEqualTo(2048);
        assertThat(c.bundle()).isEqualTo("https://bundles.example.com/certgate.tar.gz");
        assertThat(c.policies()).isNull();
        assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.entrypoint()).isEqualTo("custom/decision");
        assertThat(c.extraEntrypoints()).containsExactly("authzen/decision", "extra/one");
        assertThat(c.engine()).isEqualTo(new EngineOptions(4, Duration.ZERO, Duration.ofMillis(250), 128 * 16));
        assertThat(c.timezone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(c.certificateCacheSize()).isZero();
        assertThat(c.decisionCacheSize()).isEqualTo(500);
        // the older decision_log section: enabled is console, dotted input paths become pointers
        assertThat(c.decisionLogs().console()).isFalse();
        assertThat(c.decisionLogs().mask()).containsExactly("/input/request/headers/x-api-key");
    }

    @Test
    void decisionLogUploadAndStatusWithOpaNames(@TempDir Path dir) throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "ca");
        Path cert = Files.writeString(dir.resolve("pdp.pem"), "cert");
        Path key = Files.writeString(dir.resolve("pdp.key"), "key");
        PdpConfig c = PdpConfig.parse("""
                services:
                  control:
                    url: https://control.example.com/v1/
                    response_header_timeout_seconds: 3
                    credentials: {bearer: {token: s3cret}}
                    tls: {client_cert: %s, client_key: %s, ca_file: %s}
                decision_logs:
                  service: control
                  resource: audit/decisions
                  console: false
                  mask: [/input/request/headers/x-api-key, /result/headers/x-token]
                  reporting: {min_delay_seconds: 2, max_delay_seconds: 4, upload_size_limit_bytes: 4096,
                              buffer_size_limit_bytes: 8192, buffer_size_limit_events: 50}
                status: {service: control, partition_name: eu-1, console: true, interval_seconds: 30}
                """.formatted(cert, key, ca), "pdp.yaml");
        assertThat(c.services()).containsOnlyKeys("control");
        assertThat(c.services().get("control")).isEqualTo(new RemoteService("control",
                URI.create("https://control.example.com/v1"), "s3cret", cert, key, ca, Duration.ofSeconds(3)));
        assertThat(c.decisionLogs()).isEqualTo(new DecisionLogsConfig(false, "control", "/audit/decisions",
                new Reporting(2, 4, 4096, 8192, 50),
                List.of("/input/request/headers/x-api-key", "/result/headers/x-token")));
        assertThat(c.status()).isEqualTo(new StatusConfig("control", "eu-1", true, Duration.ofSeconds(30)));
        assertThat(c.status().resource()).isEqualTo("/status/eu-1");
    }

    @Test
    void policiesDirectoryAndJson() throws Exception {
        PdpConfig c = PdpConfig.parse("{\"policy\": {\"policies\": \"policies/\"}, \"server\": {\"port\": 0}}", "pdp.json");
        assertThat(c.policies()).isEqualTo(Path.of("policies/"));
        assertThat(c.bundle()).isNull();
        assertThat(c.port()).isZero();
    }

    @Test
    void boundaryValuesAreAccepted() throws Exception {
        PdpConfig c = PdpConfig.parse("""
                server: {port: 65535, max_request_bytes: 1024}
                policy: {poll_interval_seconds: 86400}
                engine: {pool_size: 256, acquire_timeout_ms: 60000, evaluation_timeout_ms: 1, max_memory_mb: 4096}
                caches: {certificate_identities: 10000000, decisions: 0}
                """, "pdp.yaml");
        assertThat(c.port()).isEqualTo(65535);
        assertThat(c.engine().maxMemoryPages()).isEqualTo(65536);
        assertThat(c.engine().evaluationTimeout()).isEqualTo(Duration.ofMillis(1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // wrong types
            "'server: {port: eighty}'                     | server.port: must be an integer",
            "'server: {port: \"8181\"}'                   | server.port: must be an integer",
            "'server: {port: true}'                       | server.port: must be an integer",
            "'server: {port: 1.5}'                        | server.port: must be an integer",
            "'server: {port: [1]}'                        | server.port: must be an integer",
            "'server: 8181'                               | server: must be a mapping, got number",
            "'server: [port]'                             | server: must be a mapping, got array",
            "'policy: {entrypoint: [a, b]}'               | policy.entrypoint: must be a string, got array",
            "'policy: {bundle: {url: x}}'                 | policy.bundle: must be a string, got object",
            "'policy: {policies: true}'                   | policy.policies: must be a string, got boolean",
            "'policy: {entrypoints: authzen/decision}'    | policy.entrypoints: must be a list of strings",
            "'policy: {entrypoints: [ok, 7]}'             | policy.entrypoints[1]: must be a string",
            "'decision_log: {enabled: maybe}'             | decision_log.enabled: must be true or false",
            "'decision_log: {enabled: 1}'                 | decision_log.enabled: must be true or false",
            "'decision_log: {mask: {a: b}}'               | decision_log.mask: must be a list of strings",
            "'time: {timezone: [UTC]}'                    | time.timezone: must be a string, got array",
            // out of range
            "'server: {port: 65536}'                      | server.port: must be an integer in [0, 65535], got 65536",
            "'server: {port: -1}'                         | server.port: must be an integer in [0, 65535], got -1",
            "'server: {port: 18446744073709559797}'       | server.port: must be an integer in [0, 65535]",
            "'server: {port: 1e30}'                       | server.port: must be an integer in [0, 65535]",
            "'server: {max_request_bytes: 1023}'          | server.max_request_bytes: must be an integer in [1024, 67108864]",
            "'policy: {poll_interval_seconds: 0}'         | policy.poll_interval_seconds: must be an integer in [1, 86400]",
            "'engine: {pool_size: 0}'                     | engine.pool_size: must be an integer in [1, 256]",
            "'engine: {pool_size: 257}'                   | engine.pool_size: must be an integer in [1, 256]",
            "'engine: {acquire_timeout_ms: -1}'           | engine.acquire_timeout_ms: must be an integer in [0, 60000]",
            "'engine: {evaluation_timeout_ms: 0}'         | engine.evaluation_timeout_ms: must be an integer in [1, 60000]",
            "'engine: {max_memory_mb: 4097}'              | engine.max_memory_mb: must be an integer in [1, 4096]",
            "'caches: {decisions: -1}'                    | caches.decisions: must be an integer in [0, 10000000]",
            "'caches: {certificate_identities: 10000001}' | caches.certificate_identities: must be an integer in [0, 10000000]",
            // unknown keys
            "'sever: {port: 1}'                           | sever: unknown key",
            "'server: {prot: 1}'                          | server.prot: unknown key (known: host, max_request_bytes, port)",
            "'policy: {bundel: x}'                        | policy.bundel: unknown key",
            "'engine: {pool: 1}'                          | engine.pool: unknown key",
            "'time: {tz: UTC}'                            | time.tz: unknown key",
            "'caches: {certs: 1}'                         | caches.certs: unknown key",
            "'decision_log: {enable: true}'               | decision_log.enable: unknown key",
            "'decision_logs: {consol: true}'              | decision_logs.consol: unknown key",
            "'decision_logs: {service: nowhere}'          | decision_logs.service: 'nowhere' is not under services (known: none)",
            "'decision_logs: {mask: [input.password]}'    | decision_logs.mask[0]: is not a JSON pointer",
            "'decision_logs: {mask: [/subject/id]}'       | decision_logs.mask[0]: must be a JSON pointer below /input or /result",
            "'decision_logs: {mask: [/input]}'            | decision_logs.mask[0]: must be a JSON pointer below /input or /result",
            "'decision_logs: {reporting: {min_delay_seconds: 5, max_delay_seconds: 2}}' | decision_logs.reporting.max_delay_seconds: must be at least min_delay_seconds (5), got 2",
            "'decision_logs: {reporting: {upload_size_limit_bytes: 4096, buffer_size_limit_bytes: 2048}}' | decision_logs.reporting.buffer_size_limit_bytes: must be at least upload_size_limit_bytes (4096), got 2048",
            "'{decision_log: {enabled: false}, decision_logs: {console: false}}' | decision_log.enabled: decision_log is the older form of decision_logs",
            "'services: {c: {url: ftp://x}}'              | services.c.url: must be an http(s) URL, got 'ftp://x'",
            "'services: {c: {}}'                          | services.c.url: is required",
            "'services: {c: 1}'                           | services.c: must be a mapping, got number",
            "'services: {c: {url: \"http://x\", credentials: {bearer: {}}}}' | services.c.credentials.bearer.token: is required (or token_env)",
            "'services: {c: {url: \"http://x\", credentials: {bearer: {token_env: CERTGATE_NO_SUCH_VARIABLE}}}}' | services.c.credentials.bearer.token_env: environment variable CERTGATE_NO_SUCH_VARIABLE is not set",
            "'services: {c: {url: \"https://x\", tls: {ca_file: /nonexistent/ca.pem}}}' | services.c.tls.ca_file: cannot read /nonexistent/ca.pem",
            "'status: {service: nowhere}'                 | status.service: 'nowhere' is not under services (known: none)",
            "'status: {partition_name: a/b}'              | status.partition_name: must be one URL path segment",
            // semantic errors
            "'time: {timezone: Mars/Olympus_Mons}'        | time.timezone: 'Mars/Olympus_Mons' is not an IANA time zone",
            "'time: {timezone: \"\"}'                     | time.timezone: '' is not an IANA time zone",
            "'policy: {bundle: b.tar.gz, policies: dir/}' | policy.bundle: set either policy.bundle or policy.policies, not both",
    })
    void eachErrorNamesItsDottedKey(String yaml, String expected) {
        assertThatThrownBy(() -> PdpConfig.parse(yaml, "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().get(0)).startsWith(expected);
                    assertThat(e.getMessage()).startsWith("pdp.yaml has 1 error(s):").contains(expected);
                });
    }

    @Test
    void unknownTopLevelKeyListsTheKnownOnes() {
        assertThatThrownBy(() -> PdpConfig.parse("listen: {port: 1}", "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "listen: unknown key (known: bundle, caches, decision_log, decision_logs, engine, interop, policy,"
                                + " providers, server, services, status, time)"));
    }

    @Test
    void unknownKeyHintListsOptionalKeysThatAreAbsent() {
        // algorithms and mfa_amr are read only when given; the hint names them all the same
        assertThatThrownBy(() -> PdpConfig.parse("""
                providers:
                  mfa: {jwks_url: "https://idp.example.com/jwks.json", issuer: idp, audience: [certgate], algs: [ES256]}
                """, "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                        .asString().startsWith("providers.mfa.algs: unknown key (known: algorithms, audience,")
                        .contains(", mfa_acr, mfa_amr,"));
    }

    @Test
    void invalidYamlReportsLineAndColumn() {
        assertThatThrownBy(() -> PdpConfig.parse("server:\n  port: 8181\n policy: [\n", "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().get(0)).matches("(?s)line \\d+, column \\d+: not valid YAML: .+");
                    assertThat(e.getMessage()).startsWith("pdp.yaml has 1 error(s):");
                });
        assertThatThrownBy(() -> PdpConfig.parse("server: {port: 8181\n", "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e ->
                        assertThat(e.errors().get(0)).matches("(?s)line \\d+, column \\d+: not valid YAML: .+"));
        assertThatThrownBy(() -> PdpConfig.parse("server:\n\tport: 1\n", "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e ->
                        assertThat(e.errors().get(0)).matches("(?s)line 2, column \\d+: not valid YAML: .+"));
    }

    @Test
    void duplicateKeysAreInvalidYaml() {
        assertThatThrownBy(() -> PdpConfig.parse("server:\n  port: 8181\n  port: 80\n", "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().get(0)).matches("(?s)line 3, column \\d+: not valid YAML: .*port.*");
                });
    }

    @Test
    void parserLimitsAreReportedAsConfigErrors() {
        String hugeNumber = "server: {port: " + "9".repeat(2000) + "}";
        assertThatThrownBy(() -> PdpConfig.parse(hugeNumber, "pdp.yaml")).isInstanceOf(ConfigException.class);
    }

    @Test
    void topLevelMustBeAMapping() {
        for (String yaml : List.of("- a\n- b\n", "just a string", "42")) {
            assertThatThrownBy(() -> PdpConfig.parse(yaml, "pdp.yaml"))
                    .isInstanceOfSatisfying(ConfigException.class, e ->
                            assertThat(e.errors()).containsExactly("the top level must be a mapping"));
        }
    }

    @Test
    void allErrorsAreReportedAtOnce() {
        String yaml = """
                server:
                  port: 99999
                  prot: 1
                policy:
                  bundle: a.tar.gz
                  policies: dir/
                  entrypoints: [1]
                engine:
                  pool_size: zero
                time:
                  timezone: Nowhere/Nothing
                caches: 7
                decision_log:
                  enabled: "no"
                extra: true
                """;
        assertThatThrownBy(() -> PdpConfig.parse(yaml, "conf/pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).hasSize(9);
                    assertThat(e.errors()).anySatisfy(m -> assertThat(m).startsWith("server.port: "))
                            .anySatisfy(m -> assertThat(m).startsWith("server.prot: unknown key"))
                            .anySatisfy(m -> assertThat(m).startsWith("policy.bundle: set either"))
                            .anySatisfy(m -> assertThat(m).startsWith("policy.entrypoints[0]: "))
                            .anySatisfy(m -> assertThat(m).startsWith("engine.pool_size: "))
                            .anySatisfy(m -> assertThat(m).startsWith("time.timezone: "))
                            .anySatisfy(m -> assertThat(m).startsWith("caches: must be a mapping"))
                            .anySatisfy(m -> assertThat(m).startsWith("decision_log.enabled: "))
                            .anySatisfy(m -> assertThat(m).startsWith("extra: unknown key"));
                    assertThat(e.getMessage()).startsWith("conf/pdp.yaml has 9 error(s):\n  ");
                    for (String err : e.errors()) {
                        assertThat(e.getMessage()).contains("\n  " + err);
                    }
                });
    }

    @Test
    void loadNamesTheFile(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("pdp.yaml");
        Files.writeString(good, "server: {port: 9000}\n");
        assertThat(PdpConfig.load(good).port()).isEqualTo(9000);
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "server: {port: -5}\n");
        assertThatThrownBy(() -> PdpConfig.load(bad)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(bad + " has 1 error(s)");
    }

    @Test
    void commandLineOverrides() throws Exception {
        PdpConfig fromFile = PdpConfig.parse("policy: {policies: policies/}", "pdp.yaml");
        PdpConfig withBundle = fromFile.withOverrides(null, "b.tar.gz", null, null);
        assertThat(withBundle.bundle()).isEqualTo("b.tar.gz");
        assertThat(withBundle.policies()).isNull();
        PdpConfig withPolicies = PdpConfig.parse("policy: {bundle: b.tar.gz}", "pdp.yaml")
                .withOverrides(1234, null, Path.of("p"), "x/y");
        assertThat(withPolicies.bundle()).isNull();
        assertThat(withPolicies.policies()).isEqualTo(Path.of("p"));
        assertThat(withPolicies.port()).isEqualTo(1234);
        assertThat(withPolicies.entrypoint()).isEqualTo("x/y");
        assertThat(fromFile.withOverrides(null, null, null, null)).isEqualTo(fromFile);
    }

    @Test
    void interopSectionParsesWithDefaults() throws Exception {
        InteropConfig d = PdpConfig.defaults().interop();
        assertThat(d.trustedProxies()).isEmpty();
        assertThat(d.authzenEntrypoint()).isEqualTo("authzen/decision");
        InteropConfig i = PdpConfig.parse("""
                interop:
                  trusted_proxies: [127.0.0.1/32, "fd00::/8"]
                  request_headers: [User-Agent]
                  default_service: fallback
                  hosts: [{host: API.example.com, service: partner-api}]
                  verify_ca_file: /etc/certgate/ca.pem
                  authzen_entrypoint: my/authzen
                """, "pdp.yaml").interop();
        assertThat(i.trustedProxies()).containsExactly("127.0.0.1/32", "fd00::/8");
        assertThat(i.requestHeaders()).containsExactly("user-agent");
        assertThat(i.hostServices()).containsExactly(java.util.Map.entry("api.example.com", "partner-api"));
        assertThat(i.verifyCaFile()).hasToString("/etc/certgate/ca.pem");
        assertThat(i.withAuthzenEntrypoint("x/y").authzenEntrypoint()).isEqualTo("x/y");
    }

    @Test
    void interopErrorsNameTheirPath() {
        assertThatThrownBy(() -> PdpConfig.parse("""
                interop:
                  trusted_proxies: [10.0.0.0/33, everyone]
                  hosts: [{host: a.example}, {host: b.example, service: b}, {host: B.example, service: c}]
                  trust_all: true
                """, "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "interop.trusted_proxies[0]: '10.0.0.0/33' is not a CIDR block (e.g. 10.0.0.0/8, ::1/128)",
                        "interop.trusted_proxies[1]: 'everyone' is not a CIDR block (e.g. 10.0.0.0/8, ::1/128)",
                        "interop.hosts[0].host: each hosts entry needs host and service, e.g. "
                                + "{host: api.example.com, service: partner-api}",
                        "interop.hosts[2].host: 'B.example' is mapped twice",
                        "interop.trust_all: unknown key (known: authzen_entrypoint, crl_distribution_points, "
                                + "crl_files, default_service, hosts, obligation_headers, ocsp, request_headers, "
                                + "trusted_proxies, verify_ca_file)"));
    }

    @Test
    void interopRevocationSettingsAsTheGatewaysMtls() throws Exception {
        InteropConfig d = PdpConfig.defaults().interop();
        assertThat(d.crlFiles()).isEmpty();
        assertThat(d.ocsp()).isEqualTo(new InteropConfig.Ocsp(false, true));
        InteropConfig i = PdpConfig.parse("""
                interop:
                  verify_ca_file: /etc/certgate/ca.pem
                  crl_files: [/etc/certgate/issuing.crl.pem, /etc/certgate/root.crl.pem]
                  ocsp: {enabled: true, soft_fail: false}
                """, "pdp.yaml").interop();
        assertThat(i.crlFiles()).containsExactly(Path.of("/etc/certgate/issuing.crl.pem"),
                Path.of("/etc/certgate/root.crl.pem"));
        assertThat(i.ocsp()).isEqualTo(new InteropConfig.Ocsp(true, false));
        assertThat(i.withAuthzenEntrypoint("x/y").crlFiles()).isEqualTo(i.crlFiles());
        assertThat(PdpConfig.parse("interop: {verify_ca_file: ca.pem, ocsp: {enabled: true}}", "pdp.yaml")
                .interop().ocsp().softFail()).isTrue();
    }

    @Test
    void interopCrlDistributionPointsAsTheGatewaysMtls() throws Exception {
        assertThat(PdpConfig.defaults().interop().crlDistributionPoints()).isNull();
        InteropConfig i = PdpConfig.parse("""
                interop:
                  verify_ca_file: /etc/certgate/ca.pem
                  crl_distribution_points: {enabled: true, soft_fail: true, grace_ms: 600000}
                """, "pdp.yaml").interop();
        assertThat(i.crlDistributionPoints()).isEqualTo(new CrlDistributionPoints.Settings(Duration.ofHours(1),
                Duration.ofSeconds(5), Duration.ofMinutes(10), 10 * 1024 * 1024, true));
        assertThat(i.withAuthzenEntrypoint("x/y").crlDistributionPoints()).isEqualTo(i.crlDistributionPoints());
        assertThatThrownBy(() -> PdpConfig.parse("interop: {crl_distribution_points: {enabled: true}}",
                "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "interop.crl_distribution_points.soft_fail: required when enabled: true: without a usable"
                                + " CRL, accept the certificate as if there were no CRL (true) or reject it with 3/12"
                                + " (false)",
                        "interop.crl_distribution_points: needs interop.verify_ca_file: revocation is checked when"
                                + " the PDP verifies forwarded chains itself"));
    }

    @Test
    void interopRevocationErrorsNameTheirPath() {
        assertThatThrownBy(() -> PdpConfig.parse("""
                interop:
                  crl_files: [crl.pem]
                  ocsp: {enabled: true}
                """, "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "interop.crl_files: needs interop.verify_ca_file: revocation is checked when the PDP "
                                + "verifies forwarded chains itself",
                        "interop.ocsp.enabled: needs interop.verify_ca_file: revocation is checked when the PDP "
                                + "verifies forwarded chains itself"));
        assertThatThrownBy(() -> PdpConfig.parse("""
                interop:
                  verify_ca_file: ca.pem
                  crl_files: crl.pem
                  ocsp: {enabled: yes please, soft_fail: 1, stapling: true}
                """, "pdp.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "interop.crl_files: must be a list of strings",
                        "interop.ocsp.enabled: must be true or false, got \"yes please\"",
                        "interop.ocsp.soft_fail: must be true or false, got 1",
                        "interop.ocsp.stapling: unknown key (known: enabled, soft_fail)"));
    }

    @Test
    void serverHostIsTheBindAddressLoopbackUnlessSet() throws Exception {
        assertThat(PdpConfig.parse("server: {port: 9000}", "pdp.yaml").address())
                .isEqualTo(new ListenAddress("127.0.0.1", 9000));
        assertThat(PdpConfig.parse("server: {host: 0.0.0.0}", "pdp.yaml").address())
                .isEqualTo(new ListenAddress("0.0.0.0", 8181));
        assertThat(PdpConfig.parse("server: {host: '::'}", "pdp.yaml").host()).isEqualTo("::");
        assertThat(PdpConfig.defaults().withAddress(ListenAddress.parse("10.0.0.1:1")).address())
                .hasToString("10.0.0.1:1");
        for (String bad : new String[] {"'0.0.0.0:8181'", "'[::1]'", "'a b'", "8181"}) {
            assertThatThrownBy(() -> PdpConfig.parse("server: {host: " + bad + "}", "pdp.yaml"))
                    .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement()
                            .asString().startsWith("server.host: must be an IP address (IPv6 without brackets) or a"
                                    + " host name, got '"));
        }
    }
}
