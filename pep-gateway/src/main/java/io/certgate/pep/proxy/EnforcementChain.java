package io.certgate.pep.proxy;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.HttpService;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pep.assertion.AssertionSigner;
import io.certgate.pep.audit.AccessLog;
import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.pdp.DecisionClient;
import io.certgate.pep.ratelimit.RateLimiter;
import io.certgate.pep.tls.ClientVerifier;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The enforcement point of one service, as a chain of stages: host check → canonicalize → verify the
 * client certificate → (API key, on services that accept them) → rate limits → decide → proxy. Each stage may end
 * the request; nothing reaches the upstream
 * unless the decision (or the service's documented passive mode / fallback) says so, and every stage
 * after canonicalization sees the same canonical request.
 */
public final class EnforcementChain {
    private EnforcementChain() {}

    /** The service to bind at the service's virtual hosts. */
    public static HttpService of(ServiceConfig service, ClientVerifier verifier, DecisionClient pdp,
            CertificateIdentities identities, @Nullable CertificateExpiryMetrics seenClients, WebClient upstream,
            AccessLog audit, MeterRegistry registry, RateLimiter limiter, @Nullable AssertionSigner assertions) {
        Outcomes outcomes = new Outcomes(service.name(), service.policy().errorTemplate(), audit, registry);
        Throttle throttle = new Throttle(service, limiter, outcomes);
        HttpService chain = new UpstreamProxy(service, upstream, outcomes)
                .decorate(new Enforcement(service, pdp, outcomes, throttle, registry, assertions))
                .decorate(new RateLimitCheck(throttle));
        if (service.apiKeys() != null) {
            chain = chain.decorate(new ApiKeyCheck(service.apiKeys(), outcomes));
        }
        chain = chain
                .decorate(new ClientCertificateCheck(verifier, identities, seenClients, outcomes))
                .decorate(new Canonicalize(service.request().path(), outcomes))
                .decorate(new HostCheck(service.sni(), outcomes));
        return chain.decorate((delegate, ctx, req) -> {
            var line = audit.line();
            line.put("service", service.name());
            line.put("method", req.method().name());
            line.put("path", ctx.path());
            line.put("client_ip", ctx.remoteAddress().getAddress().getHostAddress());
            Exchange.start(ctx, line);
            return delegate.serve(ctx, req);
        });
    }
}
