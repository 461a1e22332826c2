package io.certgate.pep.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.pdp.boundary.PathRules;
import io.certgate.pdp.cert.CrlDistributionPoints;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.ConfigNode;
import io.certgate.pdp.config.CrlDistributionPointsConfig;
import io.certgate.pdp.config.ConfigYaml;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.pip.ProvidersConfig;
import io.certgate.pep.ratelimit.ServiceLimits;
import io.certgate.pep.ratelimit.StoreConfig;
import io.certgate.pep.assertion.AssertionKeys;
import io.certgate.pep.assertion.SigningKey;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code gateway.yaml}. Relative file paths are resolved against the file's directory. Every error
 * is collected with its dotted location ({@code services[1].mtls.ca_file: file not found: …}).
 *
 * @param host address the TLS port is bound to; null = every interface (the gateway is the TLS edge)
 * @param port TLS listen port
 * @param pdp how decisions are obtained
 * @param services protected services, selected by SNI
 * @param auditEnabled one JSON access-log line per request
 * @param auditMask access-log fields replaced by "***" (e.g. subject_dn)
 * @param admin the plain-HTTP admin port (metrics, health, JWKS)
 * @param rateLimitStore where rate-limit budgets live (memory, or Redis shared by every replica)
 * @param assertions the keys that sign identity assertions ({@code assertions:}), or null without any
 * @param reload live reload of the certificate, key, CA and CRL files ({@code reload:})
 */
public record GatewayConfig(@Nullable String host, int port, Pdp pdp, List<ServiceConfig> services,
        boolean auditEnabled, List<String> auditMask, Admin admin, StoreConfig rateLimitStore,
        @Nullable AssertionKeys assertions, Reload reload) {

    public GatewayConfig {
        services = List.copyOf(services);
        auditMask = List.copyOf(auditMask);
    }

    /** Embedded (in-process, the default) or remote (gRPC) PDP. */
    public enum PdpMode { EMBEDDED, REMOTE }

    /**
     * @param port admin port (-1 = off); {@code /metrics} and {@code /health}
     * @param host address it binds to (loopback by default: metrics are not for the internet)
     */
    public record Admin(int port, String host) {}

    /**
     * @param enabled whether changed files are reloaded while serving
     * @param pollInterval how often file content is compared, besides change events (Kubernetes Secret
     *     volumes swap a {@code ..data} symlink, which change events may miss)
     */
    public record Reload(boolean enabled, Duration pollInterval) {}

    /**
     * @param policies embedded: a Rego directory compiled with the pinned opa
     * @param bundle embedded: a bundle file or URL (neither = the reference policy in the jar)
     * @param addresses remote: host:port of each PDP ({@code address:} for one, {@code addresses:} for several)
     * @param timeout remote: deadline of one decision, retries on another PDP included
     * @param evaluationTimeout embedded: deadline of one policy evaluation
     * @param embedded embedded: the PDP's own settings (a pdp.yaml named by {@code config}: attribute
     *     providers, caches, decision log, time zone), under the policy keys above
     * @param providers embedded: attribute providers (as {@code providers:} of pdp.yaml; replace those of
     *     {@code config} when given)
     * @param fleet remote: load balancing, health checks and circuit breakers over {@code addresses}
     */
    public record Pdp(PdpMode mode, @Nullable Path policies, @Nullable String bundle, List<String> addresses,
            Duration timeout, String entrypoint, int cacheSize, Duration evaluationTimeout, PdpConfig embedded,
            ProvidersConfig providers, PdpFleetConfig fleet) {

        public Pdp {
            addresses = List.copyOf(addresses);
        }
    }

    public static GatewayConfig load(Path file) throws ConfigException, IOException {
        return parse(Files.readString(file), file.toString(), file.toAbsolutePath().getParent());
    }

    public static GatewayConfig parse(String yaml, String name, Path baseDir) throws ConfigException {
        JsonNode tree = ConfigYaml.read(yaml, name);
        if (tree == null || !tree.isObject()) {
            throw new ConfigException(name, List.of("the top level must be a mapping with listen, pdp and services"));
        }
        List<String> errors = new ArrayList<>();
        ConfigNode root = ConfigNode.root(tree, errors);
        ConfigNode listen = root.section("listen");
        String host = listen.host("host", null);
        int port = listen.integer("port", 8443, 0, 65535);
        listen.rejectUnknownKeys();

        Pdp pdp = pdp(root.section("pdp"), baseDir);

        List<ServiceConfig> services = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> snis = new HashSet<>();
        List<ConfigNode> list = root.sections("services");
        if (list.isEmpty() && !errors.stream().anyMatch(e -> e.startsWith("services"))) {
            errors.add("services: at least one service is required");
        }
        for (ConfigNode s : list) {
            ServiceConfig svc = service(s, baseDir);
            if (svc == null) {
                continue;
            }
            if (!names.add(svc.name())) {
                s.error("name", "duplicate service name '" + svc.name() + "'");
            }
            for (String sni : svc.sni()) {
                if (!snis.add(sni)) {
                    s.error("sni", "'" + sni + "' is already used by another service");
                }
            }
            services.add(svc);
        }
        ConfigNode adminNode = root.section("admin");
        Admin admin = new Admin(adminNode.integer("port", 9443, -1, 65535), adminNode.host("host", "127.0.0.1"));
        adminNode.rejectUnknownKeys();
        ConfigNode audit = root.section("audit");
        boolean auditEnabled = audit.bool("enabled", true);
        List<String> mask = audit.strings("mask");
        audit.rejectUnknownKeys();
        StoreConfig store = RateLimitsConfig.store(root.section("rate_limits"), baseDir);
        ConfigNode reloadNode = root.section("reload");
        Reload reload = new Reload(reloadNode.bool("enabled", true),
                Duration.ofMillis(reloadNode.integer("poll_interval_ms", 10_000, 100, 3_600_000)));
        reloadNode.rejectUnknownKeys();
        AssertionKeys assertions = root.has("assertions") ? assertionKeys(root.section("assertions"), baseDir) : null;
        for (int i = 0; i < services.size(); i++) {
            if (services.get(i).assertion() != null && assertions == null && !root.has("assertions")) {
                errors.add("services[" + i + "].assertion: needs the signing keys in the top-level assertions.keys");
            }
        }
        root.rejectUnknownKeys();
        if (!errors.isEmpty()) {
            throw new ConfigException(name, errors);
        }
        return new GatewayConfig(host, port, pdp, services, auditEnabled, mask, admin, store, assertions, reload);
    }

    private static Pdp pdp(ConfigNode n, Path baseDir) {
        String mode = n.oneOf("mode", "embedded", List.of("embedded", "remote"));
        String policies = n.string("policies", null);
        String bundle = n.string("bundle", null);
        String address = n.string("address", null);
        boolean several = n.has("addresses");
        List<String> addresses = several ? n.strings("addresses") : address == null ? List.of() : List.of(address);
        PdpFleetConfig fleet = PdpFleetConfig.parse(n);
        int timeoutMs = n.integer("timeout_ms", 50, 1, 60_000);
        String entrypoint = n.string("entrypoint", PdpConfig.DEFAULT_ENTRYPOINT);
        int cacheSize = n.integer("cache_size", 10_000, 0, 10_000_000);
        int evaluationMs = n.integer("evaluation_timeout_ms",
                (int) io.certgate.pdp.engine.EngineOptions.defaults().evaluationTimeout().toMillis(), 1, 60_000);
        Path embeddedFile = file(n, "config", baseDir, false);
        ProvidersConfig providers = ProvidersConfig.parse(n.section("providers"));
        n.rejectUnknownKeys();
        if ("remote".equals(mode) && !providers.isEmpty()) {
            n.error("providers", "applies to an embedded PDP only; configure a remote PDP's providers in its pdp.yaml");
        }
        PdpConfig embedded = PdpConfig.defaults();
        if (embeddedFile != null && Files.isReadable(embeddedFile)) {
            if ("remote".equals(mode)) {
                n.error("config", "only for mode: embedded (a remote PDP reads its own pdp.yaml)");
            }
            try {
                embedded = PdpConfig.load(embeddedFile);
            } catch (ConfigException e) {
                e.errors().forEach(err -> n.error("config", embeddedFile + ": " + err));
            } catch (IOException e) {
                n.error("config", "cannot read " + embeddedFile + ": " + e.getMessage());
            }
        }
        if ("remote".equals(mode)) {
            remoteAddresses(n, address, several, addresses);
        } else if (address != null || several) {
            n.error(several ? "addresses" : "address", "only for mode: remote (an embedded PDP runs in the gateway)");
        } else if (policies != null && bundle != null) {
            n.error("bundle", "set either pdp.policies or pdp.bundle, not both");
        }
        Path policiesDir = policies == null ? null : baseDir.resolve(policies).normalize();
        if (policiesDir != null && !Files.isDirectory(policiesDir)) {
            n.error("policies", "directory not found: " + policiesDir);
        }
        String bundleRef = bundle;
        if (bundle != null && !bundle.startsWith("http://") && !bundle.startsWith("https://")) {
            bundleRef = baseDir.resolve(bundle).normalize().toString();
        }
        return new Pdp("remote".equals(mode) ? PdpMode.REMOTE : PdpMode.EMBEDDED, policiesDir, bundleRef,
                addresses, Duration.ofMillis(timeoutMs), entrypoint, cacheSize, Duration.ofMillis(evaluationMs),
                embedded, providers, fleet);
    }

    private static void remoteAddresses(ConfigNode n, @Nullable String address, boolean several,
            List<String> addresses) {
        if (address != null && several) {
            n.error("addresses", "set either pdp.address (one PDP) or pdp.addresses (several), not both");
            return;
        }
        String key = several ? "addresses" : "address";
        if (addresses.isEmpty()) {
            n.error(key, several ? "at least one host:port is required, e.g. [pdp-0:8181, pdp-1:8181]"
                    : "required with mode: remote (host:port of the PDP, e.g. 127.0.0.1:8181)");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < addresses.size(); i++) {
            String a = addresses.get(i);
            String where = several ? key + "[" + i + "]" : key;
            if (!a.matches("[^\\s:/]+:\\d{1,5}") || Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)) > 65535) {
                n.error(where, "must be host:port, got '" + a + "'");
            } else if (!seen.add(a.toLowerCase(Locale.ROOT))) {
                n.error(where, "'" + a + "' is listed twice");
            }
        }
    }

    @Nullable
    private static ServiceConfig service(ConfigNode s, Path baseDir) {
        String name = s.string("name", null);
        if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
            s.error("name", "required: letters, digits, '.', '_' or '-'");
        }
        List<String> sni = s.strings("sni").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        if (sni.isEmpty()) {
            s.error("sni", "at least one host name is required (the TLS SNI that selects this service)");
        }
        Path cert = file(s, "server_cert", baseDir, true);
        Path key = file(s, "server_key", baseDir, true);

        ConfigNode m = s.section("mtls");
        VerifyMode verify = VerifyMode.valueOf(m.oneOf("verify", "required", List.of("none", "optional", "required"))
                .toUpperCase(Locale.ROOT));
        Path ca = file(m, "ca_file", baseDir, verify != VerifyMode.NONE);
        String strategyName = m.oneOf("ca_error_strategy", "strict", List.of("strict", "ignoreAll", "manualIgnoreList"));
        CaErrorStrategy strategy = switch (strategyName) {
            case "ignoreAll" -> CaErrorStrategy.IGNORE_ALL;
            case "manualIgnoreList" -> CaErrorStrategy.MANUAL_IGNORE_LIST;
            default -> CaErrorStrategy.STRICT;
        };
        Set<Integer> ignore = new LinkedHashSet<>(m.integers("ignore_codes", 1, 200));
        if (strategy == CaErrorStrategy.MANUAL_IGNORE_LIST && ignore.isEmpty()) {
            m.error("ignore_codes", "manualIgnoreList needs the OpenSSL codes to ignore, e.g. [10]");
        }
        List<Path> crls = new ArrayList<>();
        for (String crl : m.strings("crl_files")) {
            Path p = baseDir.resolve(crl).normalize();
            if (!Files.isReadable(p)) {
                m.error("crl_files", "file not found: " + p);
            }
            crls.add(p);
        }
        boolean advertise = m.bool("advertise_ca_names", false);
        int maxChainBytes = m.integer("max_chain_bytes", ServiceConfig.Mtls.MIN_CHAIN_BYTES,
                ServiceConfig.Mtls.MIN_CHAIN_BYTES, ServiceConfig.Mtls.MAX_CHAIN_BYTES);
        int maxChainDepth = m.integer("max_chain_depth", ServiceConfig.Mtls.MAX_CHAIN_DEPTH, 1,
                ServiceConfig.Mtls.MAX_CHAIN_DEPTH);
        ConfigNode ocsp = m.section("ocsp");
        boolean ocspEnabled = ocsp.bool("enabled", false);
        boolean softFail = ocsp.bool("soft_fail", true);
        ocsp.rejectUnknownKeys();
        CrlDistributionPoints.Settings crlDp = CrlDistributionPointsConfig.parse(m.section("crl_distribution_points"));
        if (crlDp != null && verify == VerifyMode.NONE) {
            m.error("crl_distribution_points", "needs verify: optional or required (no certificate is verified)");
        }
        m.rejectUnknownKeys();

        ConfigNode u = s.section("upstream");
        String url = u.string("url", null);
        URI upstream = null;
        if (url == null) {
            u.error("url", "required, e.g. http://127.0.0.1:9000");
        } else {
            try {
                upstream = URI.create(url);
                if (!"http".equals(upstream.getScheme()) && !"https".equals(upstream.getScheme())
                        || upstream.getHost() == null) {
                    u.error("url", "must be an http:// or https:// URL with a host, got '" + url + "'");
                }
            } catch (IllegalArgumentException e) {
                u.error("url", "not a URL: " + e.getMessage());
            }
        }
        Path clientCert = file(u, "client_cert", baseDir, false);
        Path clientKey = file(u, "client_key", baseDir, false);
        if ((clientCert == null) != (clientKey == null)) {
            u.error("client_cert", "client_cert and client_key go together");
        }
        Path upstreamCa = file(u, "ca_file", baseDir, false);
        int upstreamTimeout = u.integer("timeout_ms", 10_000, 1, 600_000);
        u.rejectUnknownKeys();

        ConfigNode p = s.section("policy");
        boolean enforce = "active".equals(p.oneOf("mode", "active", List.of("active", "passive")));
        String profile = p.string("profile", name);
        ConfigNode when = p.section("when");
        List<HeaderMatch> headerMatches = new ArrayList<>();
        for (ConfigNode h : when.sections("headers")) {
            String hn = h.string("name", null);
            String eq = h.string("equals", null);
            String prefix = h.string("prefix", null);
            if (hn == null || (eq == null) == (prefix == null)) {
                h.error("name", "a header condition needs name and exactly one of equals / prefix");
            }
            h.rejectUnknownKeys();
            headerMatches.add(new HeaderMatch(hn == null ? "" : hn, eq, prefix));
        }
        RequestCondition condition = new RequestCondition(when.strings("paths"),
                new HashSet<>(when.strings("methods").stream().map(x -> x.toUpperCase(Locale.ROOT)).toList()),
                headerMatches);
        when.rejectUnknownKeys();
        boolean failOpen = "allow".equals(p.oneOf("on_pdp_unavailable", "deny", List.of("deny", "allow")));
        String template = p.string("error_template", null);
        List<String> forward = p.strings("forward_headers").stream().map(x -> x.toLowerCase(Locale.ROOT)).toList();
        p.rejectUnknownKeys();
        ServiceConfig.Request request = request(s.section("request"));
        ServiceLimits limits = RateLimitsConfig.service(s.section("rate_limits"));
        ServiceConfig.ApiKeys apiKeys = apiKeys(s, verify);
        ServiceConfig.Assertion assertion = assertion(s);
        s.rejectUnknownKeys();
        if (name == null || cert == null || key == null || upstream == null) {
            return null;
        }
        return new ServiceConfig(name, sni, cert, key,
                new ServiceConfig.Mtls(verify, ca, strategy, ignore, crls, ocspEnabled, softFail, advertise,
                        maxChainBytes, maxChainDepth, crlDp),
                new ServiceConfig.Upstream(upstream, clientCert, clientKey, upstreamCa, Duration.ofMillis(upstreamTimeout)),
                new ServiceConfig.Policy(enforce, profile == null ? "" : profile, condition, failOpen, template, forward),
                request, limits, apiKeys, assertion);
    }

    @Nullable
    private static AssertionKeys assertionKeys(ConfigNode a, Path baseDir) {
        String issuer = a.string("issuer", "certgate");
        List<SigningKey> keys = new ArrayList<>();
        Set<String> kids = new HashSet<>();
        List<ConfigNode> list = a.sections("keys");
        if (list.isEmpty()) {
            a.error("keys", "at least one {kid, key_file} is required; the first signs, all are published");
        }
        for (ConfigNode k : list) {
            String kid = k.string("kid", null);
            Path file = file(k, "key_file", baseDir, true);
            k.rejectUnknownKeys();
            if (kid == null || !kid.matches("[A-Za-z0-9._-]{1,64}")) {
                k.error("kid", "required: 1 to 64 letters, digits, '.', '_' or '-'");
                continue;
            }
            if (!kids.add(kid)) {
                k.error("kid", "duplicate key id '" + kid + "'");
            }
            if (file != null && Files.isReadable(file)) {
                try {
                    keys.add(SigningKey.load(kid, file));
                } catch (IOException | IllegalArgumentException e) {
                    k.error("key_file", file + ": " + e.getMessage());
                }
            }
        }
        a.rejectUnknownKeys();
        return keys.isEmpty() ? null : new AssertionKeys(issuer, keys);
    }

    @Nullable
    private static ServiceConfig.ApiKeys apiKeys(ConfigNode s, VerifyMode verify) {
        if (!s.has("api_keys")) {
            return null;
        }
        ConfigNode k = s.section("api_keys");
        String header = headerName(k, "header", ServiceConfig.ApiKeys.DEFAULT_HEADER);
        k.rejectUnknownKeys();
        if (verify != VerifyMode.OPTIONAL) {
            s.error("api_keys", "only for mtls.verify: optional (a partner migrating to certificates); this service"
                    + " has verify: " + verify.name().toLowerCase(Locale.ROOT));
        }
        return new ServiceConfig.ApiKeys(header);
    }

    @Nullable
    private static ServiceConfig.Assertion assertion(ConfigNode s) {
        if (!s.has("assertion")) {
            return null;
        }
        ConfigNode a = s.section("assertion");
        String header = headerName(a, "header", ServiceConfig.Assertion.DEFAULT_HEADER);
        int ttl = a.integer("ttl_seconds", 60, 5, 3600);
        boolean cache = a.bool("cache", true);
        a.rejectUnknownKeys();
        return new ServiceConfig.Assertion(header, Duration.ofSeconds(ttl), cache);
    }

    private static String headerName(ConfigNode n, String key, String fallback) {
        String v = n.string(key, fallback).toLowerCase(Locale.ROOT);
        if (!v.matches("[a-z0-9][a-z0-9-]*") || v.equals("host") || v.equals("authorization")) {
            n.error(key, "must be a header name of letters, digits and '-' (not host or authorization), got '"
                    + v + "'");
        }
        return v;
    }

    private static ServiceConfig.Request request(ConfigNode r) {
        ServiceConfig.Request d = ServiceConfig.Request.defaults();
        ConfigNode path = r.section("path");
        PathRules rules = new PathRules(path.bool("allow_encoded_slash", false), path.bool("allow_backslash", false),
                path.bool("allow_semicolon", false), path.bool("lowercase", false));
        path.rejectUnknownKeys();
        ConfigNode h = r.section("headers");
        boolean underscores = h.bool("allow_underscores", false);
        boolean obligationsGiven = h.has("obligations");
        List<String> given = h.strings("obligations").stream().map(x -> x.toLowerCase(Locale.ROOT)).toList();
        List<String> obligations = obligationsGiven ? given : HeaderPolicy.DEFAULT_OBLIGATIONS;
        HeaderPolicy headers = d.headers();
        try {
            headers = HeaderPolicy.of(underscores, obligations);
        } catch (IllegalArgumentException e) {
            h.error("obligations", e.getMessage());
        }
        h.rejectUnknownKeys();
        int bodyTimeoutMs = r.integer("body_timeout_ms", (int) d.bodyTimeout().toMillis(), 1, 600_000);
        r.rejectUnknownKeys();
        return new ServiceConfig.Request(rules, headers, Duration.ofMillis(bodyTimeoutMs));
    }

    @Nullable
    private static Path file(ConfigNode n, String key, Path baseDir, boolean required) {
        String v = n.string(key, null);
        if (v == null) {
            if (required) {
                n.error(key, "required");
            }
            return null;
        }
        Path p = baseDir.resolve(v).normalize();
        if (!Files.isReadable(p)) {
            n.error(key, "file not found or not readable: " + p);
        }
        return p;
    }
}
