package io.certgate.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.bundle.BundleVerification;
import io.certgate.pdp.audit.DecisionLogsConfig;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.pip.ProvidersConfig;
import io.certgate.pdp.remote.RemoteService;
import io.certgate.pdp.status.StatusConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code pdp.yaml}. Every key is optional; the defaults serve the embedded reference policy on 127.0.0.1:8181.
 *
 * @param host the address the port is bound to; loopback by default (as OPA 1.x): the decision API has no
 *     authentication of its own
 * @param port the one port for gRPC, HTTP APIs, health, metrics and docs
 * @param maxRequestBytes largest request body accepted (413 above)
 * @param bundle a bundle {@code .tar.gz} path or http(s) URL; null with policies null = the embedded reference bundle
 * @param policies a directory of Rego compiled with the pinned opa at start and on change
 * @param pollInterval how often the bundle source is checked for a new bundle
 * @param entrypoint the default decision entrypoint
 * @param extraEntrypoints entrypoints compiled in addition to the annotated ones (for {@code policies})
 * @param engine evaluator pool settings
 * @param timezone the zone of {@code input.time}
 * @param certificateCacheSize parsed client certificates kept
 * @param decisionCacheSize decisions kept for their TTL (0 disables)
 * @param decisionLogs the decision log: stdout, upload, masking ({@code decision_logs:}, OPA's names)
 * @param providers attribute providers (groups, device posture, MFA) that fill the input
 * @param interop how forward-auth, Envoy ext_authz and AuthZEN callers are trusted ({@code interop:})
 * @param verification how bundle signatures are verified ({@code bundle.verification}); null = not checked
 * @param services management servers decision logs and status reports go to ({@code services:})
 * @param status status reports ({@code status:}, OPA's names)
 */
public record PdpConfig(String host, int port, int maxRequestBytes, @Nullable String bundle, @Nullable Path policies,
        Duration pollInterval, String entrypoint, List<String> extraEntrypoints, EngineOptions engine,
        ZoneId timezone, int certificateCacheSize, int decisionCacheSize, DecisionLogsConfig decisionLogs,
        ProvidersConfig providers, InteropConfig interop, @Nullable BundleVerification verification,
        Map<String, RemoteService> services, StatusConfig status) {

    public static final String DEFAULT_ENTRYPOINT = "mtls/authz/decision";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8181;

    public PdpConfig {
        extraEntrypoints = List.copyOf(extraEntrypoints);
        services = Map.copyOf(services);
    }

    public static PdpConfig defaults() {
        return new PdpConfig(DEFAULT_HOST, DEFAULT_PORT, 1024 * 1024, null, null, Duration.ofSeconds(10),
                DEFAULT_ENTRYPOINT, List.of(), EngineOptions.defaults(), ZoneId.of("UTC"), 10_000, 10_000,
                DecisionLogsConfig.defaults(), ProvidersConfig.none(), InteropConfig.defaults(), null, Map.of(),
                StatusConfig.off());
    }

    public static PdpConfig load(Path file) throws ConfigException, IOException {
        return parse(Files.readString(file), file.toString());
    }

    /** Parses YAML (or JSON) text; {@code name} labels error messages. */
    public static PdpConfig parse(String yaml, String name) throws ConfigException {
        List<String> errors = new ArrayList<>();
        JsonNode tree = ConfigYaml.read(yaml, name);
        if (tree == null) {
            return defaults();
        }
        if (!tree.isObject()) {
            throw new ConfigException(name, List.of("the top level must be a mapping"));
        }
        PdpConfig d = defaults();
        ConfigNode root = ConfigNode.root(tree, errors);

        ConfigNode server = root.section("server");
        String host = server.host("host", d.host());
        int port = server.integer("port", d.port(), 0, 65535);
        int maxBody = server.integer("max_request_bytes", d.maxRequestBytes(), 1024, 64 * 1024 * 1024);
        server.rejectUnknownKeys();

        ConfigNode policy = root.section("policy");
        String bundle = policy.string("bundle", null);
        String policies = policy.string("policies", null);
        if (bundle != null && policies != null) {
            policy.error("bundle", "set either policy.bundle or policy.policies, not both");
        }
        int poll = policy.integer("poll_interval_seconds", (int) d.pollInterval().getSeconds(), 1, 86_400);
        String entrypoint = policy.string("entrypoint", d.entrypoint());
        List<String> extra = policy.strings("entrypoints");
        policy.rejectUnknownKeys();

        ConfigNode engine = root.section("engine");
        EngineOptions e = d.engine();
        int poolSize = engine.integer("pool_size", e.poolSize(), 1, 256);
        int acquire = engine.integer("acquire_timeout_ms", (int) e.acquireTimeout().toMillis(), 0, 60_000);
        int evalTimeout = engine.integer("evaluation_timeout_ms", (int) e.evaluationTimeout().toMillis(), 1, 60_000);
        int memoryMb = engine.integer("max_memory_mb", e.maxMemoryPages() / 16, 1, 4096);
        engine.rejectUnknownKeys();

        ConfigNode time = root.section("time");
        String tz = time.string("timezone", d.timezone().getId());
        ZoneId zone = d.timezone();
        try {
            zone = ZoneId.of(tz);
        } catch (DateTimeException ex) {
            time.error("timezone", "'" + tz + "' is not an IANA time zone (e.g. Europe/Berlin, UTC)");
        }
        time.rejectUnknownKeys();

        ConfigNode caches = root.section("caches");
        int certCache = caches.integer("certificate_identities", d.certificateCacheSize(), 0, 10_000_000);
        int decisionCache = caches.integer("decisions", d.decisionCacheSize(), 0, 10_000_000);
        caches.rejectUnknownKeys();

        Map<String, RemoteService> services = RemoteService.parse(root.section("services"));
        DecisionLogsConfig logs = DecisionLogsConfig.parse(root.section("decision_logs"), root.section("decision_log"),
                root.has("decision_log"), root.has("decision_logs"), services.keySet());
        StatusConfig status = StatusConfig.parse(root.section("status"), services.keySet());

        ProvidersConfig providers = ProvidersConfig.parse(root.section("providers"));
        InteropConfig interop = InteropConfig.parse(root.section("interop"));

        ConfigNode bundleSection = root.section("bundle");
        BundleVerification verification = VerificationConfig.parse(bundleSection.section("verification"),
                bundleSection.has("verification"), System::getenv);
        bundleSection.rejectUnknownKeys();

        root.rejectUnknownKeys();
        if (!errors.isEmpty()) {
            throw new ConfigException(name, errors);
        }
        return new PdpConfig(host, port, maxBody, bundle, policies == null ? null : Path.of(policies),
                Duration.ofSeconds(poll), entrypoint, extra,
                new EngineOptions(poolSize, Duration.ofMillis(acquire), Duration.ofMillis(evalTimeout), memoryMb * 16),
                zone, certCache, decisionCache, logs, providers, interop, verification, services, status);
    }

    /** A copy with another decision cache size (0 disables); {@code log} false turns the decision log off. */
    public PdpConfig withDecisionCache(int size, boolean log) {
        return new PdpConfig(host, port, maxRequestBytes, bundle, policies, pollInterval, entrypoint, extraEntrypoints,
                engine, timezone, certificateCacheSize, size, log ? decisionLogs : DecisionLogsConfig.off(), providers,
                interop, verification, services, status);
    }

    /** A copy with other evaluator pool settings. */
    public PdpConfig withEngine(EngineOptions options) {
        return new PdpConfig(host, port, maxRequestBytes, bundle, policies, pollInterval, entrypoint, extraEntrypoints,
                options, timezone, certificateCacheSize, decisionCacheSize, decisionLogs, providers, interop,
                verification, services, status);
    }

    /** A copy with {@code input.time} in another zone. */
    public PdpConfig withTimezone(ZoneId zone) {
        return new PdpConfig(host, port, maxRequestBytes, bundle, policies, pollInterval, entrypoint, extraEntrypoints,
                engine, zone, certificateCacheSize, decisionCacheSize, decisionLogs, providers, interop,
                verification, services, status);
    }

    /** A copy with command-line overrides applied (null = keep). */
    public PdpConfig withOverrides(@Nullable Integer port, @Nullable String bundle, @Nullable Path policies,
            @Nullable String entrypoint) {
        return new PdpConfig(host, port == null ? this.port : port, maxRequestBytes,
                policies != null ? null : (bundle != null ? bundle : this.bundle),
                bundle != null ? null : (policies != null ? policies : this.policies),
                pollInterval, entrypoint != null ? entrypoint : this.entrypoint, extraEntrypoints, engine, timezone,
                certificateCacheSize, decisionCacheSize, decisionLogs, providers, interop,
                verification, services, status);
    }

    /** A copy that verifies bundle signatures with {@code settings} (null: signatures are not checked). */
    public PdpConfig withVerification(@Nullable BundleVerification settings) {
        return new PdpConfig(host, port, maxRequestBytes, bundle, policies, pollInterval, entrypoint, extraEntrypoints,
                engine, timezone, certificateCacheSize, decisionCacheSize, decisionLogs, providers,
                interop, settings, services, status);
    }

    /** A copy listening on another address. */
    public PdpConfig withAddress(ListenAddress address) {
        return new PdpConfig(address.host(), address.port(), maxRequestBytes, bundle, policies, pollInterval,
                entrypoint, extraEntrypoints, engine, timezone, certificateCacheSize, decisionCacheSize, decisionLogs,
                providers, interop, verification, services, status);
    }

    /** The address to listen on. */
    public ListenAddress address() {
        return new ListenAddress(host, port);
    }

    /** A copy with other attribute providers. */
    public PdpConfig withProviders(ProvidersConfig other) {
        return new PdpConfig(host, port, maxRequestBytes, bundle, policies, pollInterval, entrypoint, extraEntrypoints,
                engine, timezone, certificateCacheSize, decisionCacheSize, decisionLogs, other, interop,
                verification, services, status);
    }

    /** A copy with other interop settings. */
    public PdpConfig withInterop(InteropConfig settings) {
        return new PdpConfig(host, port, maxRequestBytes, bundle, policies, pollInterval, entrypoint, extraEntrypoints,
                engine, timezone, certificateCacheSize, decisionCacheSize, decisionLogs, providers,
                settings, verification, services, status);
    }
}
