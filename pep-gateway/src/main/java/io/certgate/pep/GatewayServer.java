package io.certgate.pep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.VirtualHostBuilder;
import com.linecorp.armeria.server.prometheus.PrometheusExpositionService;
import com.linecorp.armeria.common.annotation.Nullable;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.config.ListenAddress;
import io.certgate.pdp.server.ShutdownGrace;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pep.assertion.AssertionKeys;
import io.certgate.pep.assertion.AssertionSigner;
import io.certgate.pep.audit.AccessLog;
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
import io.certgate.pep.tls.TlsSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.File;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

/**
 * The gateway: one TLS port, one virtual host per service name (selected by SNI, each with its own
 * server certificate and client-certificate policy), each proxying to its upstream through an
 * {@link EnforcementChain}.
 */
public final class GatewayServer implements AutoCloseable {
    private final Server server;
    @Nullable
    private final Server admin;
    private final DecisionClient pdp;
    private final List<ClientFactory> clientFactories = new ArrayList<>();
    private final ExecutorService decisionExecutor;
    private final Buckets rateLimitStore;
    /** Keys one in-memory limiter tracks; the least recently used beyond it start afresh. */
    private static final long MAX_LOCAL_KEYS = 100_000;

    public GatewayServer(GatewayConfig config, MeterRegistry registry, Clock clock) throws PemBundleException {
        this(config, registry, clock, ShutdownGrace.NONE);
    }

    /** {@code grace}: how {@link #close()} drains the requests in flight on the TLS port. */
    public GatewayServer(GatewayConfig config, MeterRegistry registry, Clock clock, ShutdownGrace grace)
            throws PemBundleException {
        StoreConfig store = config.rateLimitStore();
        // one store for every service; a shared one connects first, so a wrong URL fails the start
        // before anything else is started
        this.rateLimitStore = store.shared() ? RedisBuckets.connect(store, registry) : new LocalBuckets(MAX_LOCAL_KEYS);
        this.decisionExecutor = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), r -> {
            Thread t = new Thread(r, "pep-embedded-pdp");
            t.setDaemon(true);
            return t;
        });
        this.pdp = decisionClient(config.pdp(), registry, clock, decisionExecutor);
        CertificateIdentities identities = new CertificateIdentities(clock, 10_000).bindTo(registry, "gateway_certificate_identity");
        AccessLog audit = new AccessLog(new ObjectMapper(), new HashSet<>(config.auditMask()), config.auditEnabled());

        ServerBuilder sb = Server.builder().meterRegistry(registry).gracefulShutdown(grace.toArmeria());
        if (config.host() == null) {
            sb.https(config.port());
        } else {
            sb.https(new ListenAddress(config.host(), config.port()).resolve());
        }
        ServiceConfig first = config.services().get(0);
        // Unknown server names get the first service's certificate and a 421: no service is reachable by accident.
        sb.tls(TlsKeyPair.of(first.serverKey().toFile(), first.serverCert().toFile()));
        sb.tlsCustomizer(TlsSettings::protocols);
        sb.defaultVirtualHost().service("prefix:/",
                (ctx, req) -> misdirected("no service is configured for this host name"));
        // A name no service can have, whichever virtual host its Host header selects.
        sb.decorator((delegate, ctx, req) -> ServerNames.readable(ctx.sslSession()) ? delegate.serve(ctx, req)
                : misdirected("the TLS server name is not a valid host name (a trailing dot is not allowed);"
                        + " connect by the service's name"));
        CertificateExpiryMetrics expiry = new CertificateExpiryMetrics(registry, clock);
        // An embedded PDP reports the client certificates it is asked about into this same registry.
        CertificateExpiryMetrics seenClients = config.pdp().mode() == GatewayConfig.PdpMode.REMOTE ? expiry : null;
        for (ServiceConfig svc : config.services()) {
            ClientVerifier verifier = new ClientVerifier(svc.name(), svc.mtls(), clock).bindTo(registry);
            WebClient upstream = upstream(svc);
            watchConfiguredCertificates(expiry, svc);
            RateLimiter limiter = new RateLimiter(svc.name(), svc.rateLimits(), rateLimitStore,
                    new LocalBuckets(MAX_LOCAL_KEYS), registry);
            AssertionSigner assertions = svc.assertion() == null ? null : new AssertionSigner(config.assertions(),
                    svc.name(), svc.assertion().ttl(), svc.assertion().cache(), clock);
            HttpService enforcing = EnforcementChain.of(svc, verifier, pdp, identities, seenClients, upstream,
                    audit, registry, limiter, assertions);
            // Armeria's own deadline is a backstop behind the chain's: body, decision and upstream in turn.
            Duration deadline = svc.request().bodyTimeout().plus(svc.upstream().timeout())
                    .plus(config.pdp().timeout()).plus(Duration.ofSeconds(5));
            for (String host : svc.sni()) {
                VirtualHostBuilder vh = sb.virtualHost(host);
                vh.tls(TlsKeyPair.of(svc.serverKey().toFile(), svc.serverCert().toFile()));
                vh.tlsCustomizer(b -> TlsSettings.forService(b, svc.mtls(),
                        svc.mtls().advertiseCaNames() ? verifier.trustAnchors() : List.of()));
                vh.route().pathPrefix("/").requestTimeout(deadline).build(enforcing);
            }
        }
        this.server = sb.build();
        this.admin = config.admin().port() < 0 ? null : adminServer(config.admin(), registry, config.assertions());
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
        var admin = Server.builder().http(new InetSocketAddress(cfg.host(), cfg.port()));
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
        admin.service("/health", (ctx, req) -> {
            boolean ready = !(pdp instanceof EmbeddedDecisionClient e) || e.pdp().engine().active() != null;
            return HttpResponse.of(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, MediaType.JSON_UTF_8,
                    "{\"status\":\"" + (ready ? "ok" : "no policy bundle active") + "\",\"pdp\":\""
                            + pdp.describe().replace("\"", "'") + "\"}");
        });
        return admin.build();
    }

    private static DecisionClient decisionClient(GatewayConfig.Pdp cfg, MeterRegistry registry, Clock clock,
            ExecutorService executor) {
        if (cfg.mode() == GatewayConfig.PdpMode.REMOTE) {
            DecisionClient remote = new RemoteDecisionClient(cfg.address(), cfg.timeout(), cfg.entrypoint());
            // Embedded PDPs cache decisions themselves; a remote one is worth caching on this side of the hop.
            return cfg.cacheSize() > 0 ? new CachingDecisionClient(remote, cfg.cacheSize(), registry) : remote;
        }
        PdpConfig base = cfg.embedded();
        EngineOptions engine = new EngineOptions(base.engine().poolSize(), base.engine().acquireTimeout(),
                cfg.evaluationTimeout(), base.engine().maxMemoryPages());
        PdpConfig pdpConfig = base.withOverrides(null, cfg.bundle(), cfg.policies(), cfg.entrypoint())
                .withEngine(engine);
        if (!cfg.providers().isEmpty()) {
            pdpConfig = pdpConfig.withProviders(cfg.providers());
        }
        return new EmbeddedDecisionClient(Pdp.start(pdpConfig, registry, clock), executor);
    }

    private WebClient upstream(ServiceConfig svc) throws PemBundleException {
        ServiceConfig.Upstream u = svc.upstream();
        var factory = ClientFactory.builder();
        if ("https".equals(u.url().getScheme())) {
            if (u.clientCert() != null) {
                factory.tls(TlsKeyPair.of(u.clientKey().toFile(), u.clientCert().toFile()));
            }
            if (u.caFile() != null) {
                List<java.security.cert.X509Certificate> cas = ChainVerifier.readCertificates(u.caFile());
                factory.tlsCustomizer(b -> b.trustManager(cas.toArray(java.security.cert.X509Certificate[]::new)));
            }
        }
        ClientFactory cf = factory.build();
        clientFactories.add(cf);
        return WebClient.builder(u.url()).factory(cf).responseTimeout(u.timeout())
                .maxResponseLength(0).build();
    }

    public GatewayServer start() {
        server.start().join();
        if (admin != null) {
            admin.start().join();
        }
        return this;
    }

    /** The admin port (metrics, health), or -1 when disabled. */
    public int adminPort() {
        return admin == null ? -1 : admin.activePort().localAddress().getPort();
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

    @Override
    public void close() {
        if (admin != null) {
            admin.stop().join();
        }
        server.stop().join();
        pdp.close();
        rateLimitStore.close();
        clientFactories.forEach(ClientFactory::close);
        decisionExecutor.shutdownNow();
    }


}
