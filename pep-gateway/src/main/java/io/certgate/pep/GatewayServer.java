package io.certgate.pep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.VirtualHostBuilder;
import com.linecorp.armeria.server.prometheus.PrometheusExpositionService;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.config.ConfigException;
import io.certgate.pdp.config.ListenAddress;
import io.certgate.pdp.server.ShutdownGrace;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.reload.FileWatcher;
import io.certgate.pep.assertion.AssertionKeys;
import io.certgate.pep.assertion.AssertionSigner;
import io.certgate.pep.audit.AccessLog;
import io.certgate.pep.config.ConfigFilesCheck;
import io.certgate.pep.config.GatewayConfig;
import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.pdp.CachingDecisionClient;
import io.certgate.pep.pdp.DecisionClient;
import io.certgate.pep.pdp.EmbeddedDecisionClient;
import io.certgate.pep.pdp.RemoteDecisionClient;
import io.certgate.pep.proxy.EnforcementChain;
import io.certgate.pep.ratelimit.Buckets;
import io.certgate.pep.ratelimit.LocalBuckets;
import io.certgate.pep.ratelimit.RateLimiter;
import io.certgate.pep.ratelimit.RedisBuckets;
import io.certgate.pep.ratelimit.StoreConfig;
import io.certgate.pep.tls.ClientVerifier;
import io.certgate.pep.tls.ServerNames;
import io.certgate.pep.tls.ServiceTls;
import io.certgate.pep.tls.TlsSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: one TLS port, one virtual host per service name (selected by SNI, each with its own
 * server certificate and client-certificate policy), each proxying to its upstream through an
 * {@link EnforcementChain}.
 */
public final class GatewayServer implements AutoCloseable {
    private final Server server;
    @Nullable
    private final Server admin;
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DecisionClient pdp;
    /** The remote PDPs behind {@link #pdp} (and its cache), for the admin {@code /health}; null when embedded. */
    @Nullable
    private final RemoteDecisionClient remote;
    @Nullable
    private final Path configFile;
    private final MeterRegistry registry;
    private final Clock clock;
    private final CertificateIdentities identities;
    private final CertificateExpiryMetrics expiry;
    @Nullable
    private final CertificateExpiryMetrics seenClients;
    private final AtomicReference<Active> current;
    private final ExecutorService decisionExecutor;
    private final AccessLog audit;
    private final Buckets rateLimitStore;
    @Nullable
    private final FileWatcher files;
    /** Keys one in-memory limiter tracks; the least recently used beyond it start afresh. */
    private static final long MAX_LOCAL_KEYS = 100_000;
    /** Embedded-PDP threads beyond the evaluators when attribute lookups may block them. */
    static final int LOOKUP_THREADS = 32;

    public GatewayServer(GatewayConfig config, MeterRegistry registry, Clock clock) throws PemBundleException {
        this(config, null, registry, clock, ShutdownGrace.NONE);
    }

    /** A gateway that can reload {@code configFile}, closed without draining. */
    public GatewayServer(GatewayConfig config, @Nullable Path configFile, MeterRegistry registry, Clock clock)
            throws PemBundleException {
        this(config, configFile, registry, clock, ShutdownGrace.NONE);
    }

    /**
     * @param configFile the gateway.yaml {@code config} was read from, re-read by {@link #reload()} (SIGHUP,
     *     {@code POST /admin/reload}); null when there is none to re-read
     * @param grace how {@link #close()} drains the requests in flight on the TLS port
     */
    public GatewayServer(GatewayConfig config, @Nullable Path configFile, MeterRegistry registry, Clock clock,
            ShutdownGrace grace) throws PemBundleException {
        this.configFile = configFile;
        this.registry = registry;
        this.clock = clock;
        StoreConfig store = config.rateLimitStore();
        // one store for every service; a shared one connects first, so a wrong URL fails the start
        // before anything else is started
        this.rateLimitStore = store.shared() ? RedisBuckets.connect(store, registry) : new LocalBuckets(MAX_LOCAL_KEYS);
        this.decisionExecutor = Executors.newFixedThreadPool(embeddedThreads(config.pdp()), r -> {
            Thread t = new Thread(r, "pep-embedded-pdp");
            t.setDaemon(true);
            return t;
        });
        GatewayConfig.Pdp pdpConfig = config.pdp();
        this.remote = pdpConfig.mode() == GatewayConfig.PdpMode.REMOTE ? new RemoteDecisionClient(
                pdpConfig.addresses(), pdpConfig.timeout(), pdpConfig.entrypoint(), pdpConfig.fleet(), registry) : null;
        Pdp embedded = remote == null ? embedded(pdpConfig, registry, clock) : null;
        this.pdp = embedded == null ? cached(remote, pdpConfig.cacheSize(), registry)
                : new EmbeddedDecisionClient(embedded, decisionExecutor);
        // one cache of parsed certificates per process: an embedded PDP identifies the same chains
        this.identities = embedded != null ? embedded.certificates()
                : new CertificateIdentities(clock, pdpConfig.embedded().certificateCacheSize())
                        .bindTo(registry, "gateway_certificate_identity");
        this.audit = new AccessLog(new ObjectMapper(), new HashSet<>(config.auditMask()), config.auditEnabled(),
                AccessLog.DEFAULT_CAPACITY, registry);
        this.files = config.reload().enabled() ? FileWatcher.builder(registry).metricPrefix("gateway_tls_reload")
                .pollInterval(config.reload().pollInterval()).clock(clock).threadName("gateway-file-watcher").build()
                : null;
        this.expiry = new CertificateExpiryMetrics(registry, clock);
        // An embedded PDP reports the client certificates it is asked about into this same registry.
        this.seenClients = config.pdp().mode() == GatewayConfig.PdpMode.REMOTE ? expiry : null;

        Map<String, ServiceRuntime> table = new LinkedHashMap<>();
        for (int i = 0; i < config.services().size(); i++) {
            ServiceRuntime rt = runtime(config, i);
            watch(rt);
            table.put(rt.config().name(), rt);
        }
        ServerBuilder sb = Server.builder().gracefulShutdown(grace.toArmeria());
        if (config.host() == null) {
            sb.https(config.port());
        } else {
            sb.https(new ListenAddress(config.host(), config.port()).resolve());
        }
        configure(sb, config, table);
        this.server = sb.build();
        this.current = new AtomicReference<>(new Active(config, Map.copyOf(table), List.copyOf(table.keySet())));
        this.admin = config.admin().port() < 0 ? null : adminServer(config.admin(), registry, config.assertions());
    }

    /** One service's parts: its TLS material, client verifier, upstream client and enforcement chain. */
    private record ServiceRuntime(ServiceConfig config, ServiceTls tls, ClientVerifier verifier,
            ClientFactory upstreamFactory, HttpService enforcing, Duration deadline) {}

    /** The configuration being served and its services by name (in file order: {@code order}). */
    private record Active(GatewayConfig config, Map<String, ServiceRuntime> services, List<String> order) {}

    private ServiceRuntime runtime(GatewayConfig config, int index) throws PemBundleException {
        ServiceConfig svc = config.services().get(index);
        ClientVerifier verifier = new ClientVerifier(svc.name(), svc.mtls(), clock).bindTo(registry);
        ServiceTls tls = new ServiceTls(svc, "services[" + index + "].", verifier);
        watchConfiguredCertificates(expiry, svc);
        var factory = ClientFactory.builder();
        tls.configureUpstream(factory);
        ClientFactory cf = factory.build();
        ServiceConfig.Upstream u = svc.upstream();
        WebClient upstream = WebClient.builder(u.url()).factory(cf).responseTimeout(u.timeout())
                .maxResponseLength(0).build();
        RateLimiter limiter = new RateLimiter(svc.name(), svc.rateLimits(), rateLimitStore,
                new LocalBuckets(MAX_LOCAL_KEYS), registry);
        AssertionSigner assertions = svc.assertion() == null ? null : new AssertionSigner(config.assertions(),
                svc.name(), svc.assertion().ttl(), svc.assertion().cache(), clock);
        HttpService enforcing = EnforcementChain.of(svc, verifier, pdp, identities, seenClients, upstream,
                audit, registry, limiter, assertions);
        // Armeria's own deadline is a backstop behind the chain's: body, decision and upstream in turn.
        Duration deadline = svc.request().bodyTimeout().plus(u.timeout())
                .plus(config.pdp().timeout()).plus(Duration.ofSeconds(5));
        return new ServiceRuntime(svc, tls, verifier, cf, enforcing, deadline);
    }

    private void watch(ServiceRuntime rt) {
        if (files != null) {
            rt.tls().watch(files, expiry, clock);
        }
    }

    /** Everything but the port: at start, and again (with the new service table) on a configuration reload. */
    private void configure(ServerBuilder sb, GatewayConfig config, Map<String, ServiceRuntime> table) {
        sb.meterRegistry(registry);
        ServiceRuntime first = table.get(config.services().get(0).name());
        // Unknown server names get the first service's certificate and a 421: no service is reachable by accident.
        sb.tls(first.tls().server().factory());
        sb.tlsCustomizer(TlsSettings::protocols);
        sb.defaultVirtualHost().service("prefix:/",
                (ctx, req) -> misdirected("no service is configured for this host name"));
        // A name no service can have, whichever virtual host its Host header selects.
        sb.decorator((delegate, ctx, req) -> ServerNames.readable(ctx.sslSession()) ? delegate.serve(ctx, req)
                : misdirected("the TLS server name is not a valid host name (a trailing dot is not allowed);"
                        + " connect by the service's name"));
        for (ServiceConfig svc : config.services()) {
            ServiceRuntime rt = table.get(svc.name());
            for (String host : svc.sni()) {
                VirtualHostBuilder vh = sb.virtualHost(host);
                vh.tls(rt.tls().server().factory());
                vh.tlsCustomizer(b -> TlsSettings.forService(b, svc.mtls(),
                        svc.mtls().advertiseCaNames() ? rt.verifier().trustAnchors() : List.of()));
                vh.route().pathPrefix("/").requestTimeout(rt.deadline()).build(rt.enforcing());
            }
        }
    }

    /**
     * Re-reads the gateway.yaml given at construction and applies it, all or nothing: the same checks as
     * {@code config check} (located errors), then settings only a restart can change are refused, then the new
     * and changed services are built and the virtual hosts swapped at once. New connections and requests see the
     * new services; a removed service's name answers 421. Also re-checks every watched file.
     */
    public synchronized ConfigReload reload() {
        if (files != null) {
            files.checkNow();
        }
        ConfigReload r = apply();
        if (r.applied()) {
            log.info("{}: configuration reloaded: {}", configFile, r.summary());
        } else {
            log.warn("{}: configuration reload {}", configFile, r.summary());
        }
        return r;
    }

    private ConfigReload apply() {
        if (configFile == null) {
            return ConfigReload.rejected(List.of("this gateway was not started from a configuration file"));
        }
        GatewayConfig next;
        try {
            next = GatewayConfig.load(configFile);
        } catch (ConfigException e) {
            return ConfigReload.rejected(e.errors().stream().map(err -> configFile + ": " + err).toList());
        } catch (java.io.IOException e) {
            return ConfigReload.rejected(List.of(configFile + ": cannot read: " + e.getMessage()));
        }
        List<String> errors = new ArrayList<>(ConfigFilesCheck.check(next, clock.instant()));
        Active active = current.get();
        errors.addAll(restartOnly(active.config(), next));
        if (!errors.isEmpty()) {
            return ConfigReload.rejected(errors.stream().map(err -> configFile + ": " + err).toList());
        }
        Map<String, ServiceRuntime> table = new LinkedHashMap<>();
        List<ServiceRuntime> built = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        try {
            for (int i = 0; i < next.services().size(); i++) {
                ServiceConfig svc = next.services().get(i);
                ServiceRuntime old = active.services().get(svc.name());
                if (old != null && old.config().equals(svc)) {
                    table.put(svc.name(), old);
                    continue;
                }
                ServiceRuntime rt = runtime(next, i);
                built.add(rt);
                table.put(svc.name(), rt);
                (old == null ? added : changed).add(svc.name());
            }
        } catch (PemBundleException | RuntimeException e) {
            built.forEach(rt -> rt.upstreamFactory().close());
            return ConfigReload.rejected(List.of(configFile + ": " + e.getMessage()));
        }
        List<String> removed = active.order().stream().filter(n -> !table.containsKey(n)).toList();
        server.reconfigure(sb -> configure(sb, next, table));
        current.set(new Active(next, Map.copyOf(table), List.copyOf(table.keySet())));
        List<ServiceRuntime> retired = new ArrayList<>();
        for (String name : active.order()) {
            ServiceRuntime old = active.services().get(name);
            if (table.get(name) != old) {
                retired.add(old);
                if (files != null) {
                    files.forget(name);
                }
            }
        }
        built.forEach(this::watch);
        // requests already sent upstream through a retired client finish first
        retireLater(retired);
        return new ConfigReload(true, List.of(), added, changed, removed);
    }

    private static List<String> restartOnly(GatewayConfig now, GatewayConfig next) {
        List<String> errors = new ArrayList<>();
        if (!Objects.equals(now.host(), next.host()) || now.port() != next.port()) {
            errors.add("listen: changing the listen address (" + listen(now) + " -> " + listen(next)
                    + ") needs a restart");
        }
        GatewayConfig.Pdp a = now.pdp();
        GatewayConfig.Pdp b = next.pdp();
        if (a.mode() != b.mode() || !Objects.equals(a.addresses(), b.addresses()) || !Objects.equals(a.fleet(), b.fleet())
                || !Objects.equals(a.policies(), b.policies()) || !Objects.equals(a.bundle(), b.bundle())
                || !a.entrypoint().equals(b.entrypoint()) || !a.timeout().equals(b.timeout())
                || a.cacheSize() != b.cacheSize() || !a.evaluationTimeout().equals(b.evaluationTimeout())) {
            errors.add("pdp: changing the PDP settings (mode, addresses, fleet settings, policies, bundle, entrypoint, timeouts,"
                    + " cache_size) needs a restart");
        }
        if (!now.admin().equals(next.admin())) {
            errors.add("admin: changing the admin port or address needs a restart");
        }
        if (!now.rateLimitStore().equals(next.rateLimitStore())) {
            errors.add("rate_limits.store: changing the rate-limit store needs a restart");
        }
        if ((now.assertions() == null) != (next.assertions() == null)
                || now.assertions() != null && !now.assertions().equals(next.assertions())) {
            errors.add("assertions: changing the assertion signing keys needs a restart");
        }
        if (now.auditEnabled() != next.auditEnabled() || !now.auditMask().equals(next.auditMask())) {
            errors.add("audit: changing the access log settings needs a restart");
        }
        if (!now.reload().equals(next.reload())) {
            errors.add("reload: changing the reload settings needs a restart");
        }
        return errors;
    }

    private static String listen(GatewayConfig c) {
        return (c.host() == null ? "*" : c.host()) + ":" + c.port();
    }

    private void retireLater(List<ServiceRuntime> retired) {
        if (retired.isEmpty()) {
            return;
        }
        Duration grace = retired.stream().map(ServiceRuntime::deadline).max(Duration::compareTo).orElseThrow();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(grace.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            retired.forEach(rt -> rt.upstreamFactory().close());
        }, "gateway-retire-upstreams");
        t.setDaemon(true);
        t.start();
    }

    private static HttpResponse misdirected(String message) {
        return HttpResponse.of(HttpStatus.MISDIRECTED_REQUEST, MediaType.JSON_UTF_8,
                "{\"status\":421,\"error_code\":\"MISDIRECTED_REQUEST\",\"message\":\"" + message
                        + "\",\"decision_id\":\"\"}");
    }

    private static void watchConfiguredCertificates(CertificateExpiryMetrics expiry, ServiceConfig svc)
            throws PemBundleException {
        expiry.watch("server", svc.name(), ChainVerifier.readCertificates(svc.serverCert()));
        if (svc.mtls().caFile() != null) {
            expiry.watch("ca", svc.name(), ChainVerifier.readCertificates(svc.mtls().caFile()));
        }
        ServiceConfig.Upstream u = svc.upstream();
        if (u.clientCert() != null) {
            expiry.watch("upstream_client", svc.name(), ChainVerifier.readCertificates(u.clientCert()));
        }
        if (u.caFile() != null) {
            expiry.watch("upstream_ca", svc.name(), ChainVerifier.readCertificates(u.caFile()));
        }
    }

    private Server adminServer(GatewayConfig.Admin cfg, MeterRegistry registry, @Nullable AssertionKeys keys) {
        // A registry of its own rather than Armeria's global one: every server registers the shared blocking
        // executor's meters, and a second registration in one registry logs a WARN.
        var admin = Server.builder().http(new InetSocketAddress(cfg.host(), cfg.port()))
                .meterRegistry(new CompositeMeterRegistry());
        if (keys != null) {
            // Upstreams verify assertions with these; the previous key stays listed during a rotation.
            String jwks = keys.jwks();
            admin.service("/.well-known/jwks.json", (ctx, req) -> HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK)
                    .contentType(MediaType.parse("application/jwk-set+json"))
                    .set(HttpHeaderNames.CACHE_CONTROL, "max-age=300").build(), HttpData.ofUtf8(jwks)));
        }
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            admin.service("/metrics", PrometheusExpositionService.of(prometheus.getPrometheusRegistry()));
        }
        // Re-reads gateway.yaml (file I/O, certificate checks): off the event loop.
        admin.route().post("/admin/reload").build((ctx, req) -> HttpResponse.of(CompletableFuture
                .supplyAsync(this::reload, ctx.blockingTaskExecutor()).thenApply(GatewayServer::reloadResponse)));
        admin.service("/health", (ctx, req) -> health());
        return admin.build();
    }

    /** 200 unless an embedded PDP has no bundle; a remote PDP's endpoints are listed with their state. */
    private HttpResponse health() {
        boolean ready = !(pdp instanceof EmbeddedDecisionClient e) || e.pdp().engine().active() != null;
        ObjectNode body = JSON.createObjectNode().put("status", ready ? "ok" : "no policy bundle active")
                .put("pdp", pdp.describe());
        if (remote != null) {
            // The gateway stays ready without a usable PDP: services may fall back (on_pdp_unavailable: allow).
            List<RemoteDecisionClient.EndpointState> states = remote.endpoints();
            body.put("pdp_available", states.stream().anyMatch(RemoteDecisionClient.EndpointState::usable));
            ArrayNode list = body.putArray("pdp_endpoints");
            states.forEach(s -> list.addObject().put("address", s.address()).put("healthy", s.healthy())
                    .put("circuit", s.circuit()));
        }
        return HttpResponse.of(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, MediaType.JSON_UTF_8,
                body.toString());
    }

    private static HttpResponse reloadResponse(ConfigReload r) {
        ObjectNode body = JSON.createObjectNode();
        body.put("status", r.applied() ? "reloaded" : "rejected");
        if (r.applied()) {
            r.added().forEach(body.putArray("added")::add);
            r.changed().forEach(body.putArray("changed")::add);
            r.removed().forEach(body.putArray("removed")::add);
        } else {
            r.errors().forEach(body.putArray("errors")::add);
        }
        return HttpResponse.of(r.applied() ? HttpStatus.OK : HttpStatus.UNPROCESSABLE_ENTITY, MediaType.JSON_UTF_8,
                body.toString());
    }

    private static DecisionClient cached(DecisionClient remote, int cacheSize, MeterRegistry registry) {
        // Embedded PDPs cache decisions themselves; a remote one is worth caching on this side of the hop.
        return cacheSize > 0 ? new CachingDecisionClient(remote, cacheSize, registry) : remote;
    }

    /**
     * Threads deciding for the embedded PDP. Evaluation is bounded by the engine's evaluator pool (a thread
     * beyond it waits for an evaluator, at most the acquire timeout), so without attribute providers more
     * threads than evaluators add nothing. Lookups run before evaluation and block without holding an
     * evaluator: with providers, a pool of evaluators would cap throughput at pool / lookup latency (2
     * threads, 20 ms LDAP: 100 decisions/s on idle cores), so lookups get threads of their own.
     */
    static int embeddedThreads(GatewayConfig.Pdp cfg) {
        int evaluators = cfg.embedded().engine().poolSize();
        boolean lookups = !cfg.providers().isEmpty() || !cfg.embedded().providers().isEmpty();
        return lookups ? evaluators + LOOKUP_THREADS : evaluators;
    }

    private static Pdp embedded(GatewayConfig.Pdp cfg, MeterRegistry registry, Clock clock) {
        PdpConfig base = cfg.embedded();
        EngineOptions engine = new EngineOptions(base.engine().poolSize(), base.engine().acquireTimeout(),
                cfg.evaluationTimeout(), base.engine().maxMemoryPages());
        PdpConfig pdpConfig = base.withOverrides(null, cfg.bundle(), cfg.policies(), cfg.entrypoint())
                .withEngine(engine);
        if (!cfg.providers().isEmpty()) {
            pdpConfig = pdpConfig.withProviders(cfg.providers());
        }
        return Pdp.start(pdpConfig, registry, clock);
    }

    public GatewayServer start() {
        server.start().join();
        if (files != null) {
            files.start();
        }
        if (admin != null) {
            admin.start().join();
        }
        return this;
    }

    /** The admin port (metrics, health), or -1 when disabled. */
    public int adminPort() {
        return admin == null ? -1 : admin.activePort().localAddress().getPort();
    }

    /** The audit trail (tests flush it before reading the log). */
    public AccessLog accessLog() {
        return audit;
    }

    public int port() {
        return localAddress().getPort();
    }

    /** The address and port the TLS port actually bound. */
    public InetSocketAddress localAddress() {
        return server.activePort().localAddress();
    }

    public DecisionClient pdp() {
        return pdp;
    }

    /** The watcher of the certificate, key, CA and CRL files (null when {@code reload.enabled} is false). */
    @Nullable
    public FileWatcher files() {
        return files;
    }

    @Override
    public void close() {
        if (files != null) {
            files.close();
        }
        if (admin != null) {
            admin.stop().join();
        }
        server.stop().join();
        pdp.close();
        audit.close();
        rateLimitStore.close();
        current.get().services().values().forEach(rt -> rt.upstreamFactory().close());
        decisionExecutor.shutdownNow();
    }


}
