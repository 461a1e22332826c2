package io.certgate.pdp.server;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.docs.DocService;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.metric.MetricCollectingService;
import com.linecorp.armeria.server.prometheus.PrometheusExpositionService;
import io.certgate.pdp.Pdp;
import io.certgate.pdp.api.authzen.AuthzenService;
import io.certgate.pdp.api.extauthz.ExtAuthzService;
import io.certgate.pdp.api.forwardauth.ForwardAuthService;
import io.certgate.pdp.api.grpc.DecisionGrpcService;
import io.certgate.pdp.api.grpc.Offload;
import io.certgate.pdp.api.proxy.ProxyTrust;
import io.certgate.pdp.api.rest.OpaDataService;
import io.certgate.pdp.api.rest.StatusService;
import io.certgate.pdp.reload.FileWatcher;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;

/** The PDP's one Armeria port: gRPC (certgate, Envoy ext_authz), OPA REST, AuthZEN, forward-auth, status, health, metrics and docs. */
public final class PdpServer implements AutoCloseable {
    private final Server server;
    private final FileWatcher files;
    private final Offload offload;

    public PdpServer(Pdp pdp, PrometheusMeterRegistry registry) {
        this(pdp, registry, ShutdownGrace.NONE);
    }

    /** {@code grace}: how {@link #close()} drains the requests in flight. */
    public PdpServer(Pdp pdp, PrometheusMeterRegistry registry, ShutdownGrace grace) {
        this.files = FileWatcher.builder(registry).metricPrefix("pdp_tls_reload").threadName("pdp-file-watcher")
                .build();
        ProxyTrust proxies = new ProxyTrust(pdp.config().interop(), Clock.systemUTC()).bindTo(registry).watch(files);
        AuthzenService authzen = new AuthzenService(pdp.decisions(), pdp.config().interop().authzenEntrypoint(),
                pdp.json());
        this.offload = new Offload("pdp-grpc-decide", Offload.DEFAULT_MAX_THREADS);
        GrpcService grpc = GrpcService.builder()
                .addService(new DecisionGrpcService(pdp.decisions(), offload))
                .addService(new ExtAuthzService(pdp.decisions(), proxies, pdp.json(), offload))
                .addService(ProtoReflectionServiceV1.newInstance())
                // the decision services hop to their deciding threads themselves, once per call (Offload)
                .enableUnframedRequests(true)
                .maxRequestMessageLength(pdp.config().maxRequestBytes())
                .build();
        StatusService status = new StatusService(pdp.bundles(), pdp.json());
        OpaDataService data = new OpaDataService(pdp.decisions(), pdp.json());
        this.server = Server.builder()
                .http(pdp.config().address().resolve())
                .meterRegistry(registry)
                // gRPC enforces the limit per message (RESOURCE_EXHAUSTED); framing needs a little slack.
                .maxRequestLength(pdp.config().maxRequestBytes() + 16 * 1024)
                .requestTimeout(Duration.ofSeconds(10))
                .gracefulShutdown(grace.toArmeria())
                .service(grpc)
                .route().pathPrefix(OpaDataService.PREFIX).maxRequestLength(pdp.config().maxRequestBytes())
                .errorHandler(OpaDataService.errorHandler(pdp.json())).build(data)
                .route().path(OpaDataService.ROOT).maxRequestLength(pdp.config().maxRequestBytes())
                .errorHandler(OpaDataService.errorHandler(pdp.json())).build(data)
                .route().pathPrefix(OpaDataService.V0_PREFIX).maxRequestLength(pdp.config().maxRequestBytes())
                .errorHandler(OpaDataService.errorHandler(pdp.json())).build(data)
                .route().path(OpaDataService.V0_ROOT).maxRequestLength(pdp.config().maxRequestBytes())
                .errorHandler(OpaDataService.errorHandler(pdp.json())).build(data)
                .route().path(AuthzenService.EVALUATION).maxRequestLength(pdp.config().maxRequestBytes())
                .errorHandler(AuthzenService.errorHandler()).build(authzen)
                .route().path(AuthzenService.EVALUATIONS).maxRequestLength(pdp.config().maxRequestBytes())
                .errorHandler(AuthzenService.errorHandler()).build(authzen)
                .service(AuthzenService.METADATA, authzen)
                .route().path(ForwardAuthService.PATH).methods(HttpMethod.GET, HttpMethod.POST, HttpMethod.HEAD)
                .maxRequestLength(pdp.config().maxRequestBytes())
                .errorHandler(ForwardAuthService.errorHandler(pdp.json()))
                .build(new ForwardAuthService(pdp.decisions(), proxies, pdp.json()))
                .service("/v1/status", status.status())
                .service("/health", status.health())
                .service("/metrics", PrometheusExpositionService.of(registry.getPrometheusRegistry()))
                .serviceUnder("/docs", DocService.builder().build())
                .decorator(MetricCollectingService.newDecorator(
                        com.linecorp.armeria.common.metric.MeterIdPrefixFunction.ofDefault("pdp.http")))
                .decorator(new RequestFailureLog())
                .build();
    }

    public PdpServer start() {
        server.start().join();
        files.start();
        return this;
    }

    /** The bound port (useful when configured as 0). */
    public int port() {
        return localAddress().getPort();
    }

    /** The address and port actually bound. */
    public InetSocketAddress localAddress() {
        return server.activePort().localAddress();
    }

    @Override
    public void close() {
        files.close();
        server.stop().join();
        offload.close();
    }
}
