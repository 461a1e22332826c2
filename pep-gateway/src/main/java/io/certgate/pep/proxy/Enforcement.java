package io.certgate.pep.proxy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.boundary.CanonicalRequest;
import io.certgate.pdp.boundary.DenyReply;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.HeaderValues;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.pep.assertion.AssertionSigner;
import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.pdp.DecisionClient;
import io.certgate.pep.ratelimit.RateLimiter.Check;
import io.certgate.pep.ratelimit.Verdict;
import io.certgate.pep.tls.ClientVerification;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fourth stage: asks the PDP about the canonical request and enforces the answer. Allow (and passive
 * mode, a documented fallback, or a request outside {@code policy.when}) goes on to the upstream with the
 * decision's obligation headers, filtered by the service's header policy; deny and challenge end here.
 */
final class Enforcement implements DecoratingHttpServiceFunction {
    private static final Logger log = LoggerFactory.getLogger(Enforcement.class);

    private final ServiceConfig service;
    private final HeaderPolicy headers;
    private final DecisionClient pdp;
    private final Outcomes outcomes;
    private final Timer decisionLatency;
    private final Throttle throttle;
    private final CredentialMetrics credentials;
    @Nullable
    private final AssertionSigner assertions;

    Enforcement(ServiceConfig service, DecisionClient pdp, Outcomes outcomes, Throttle throttle,
            MeterRegistry registry, @Nullable AssertionSigner assertions) {
        this.service = service;
        this.throttle = throttle;
        this.credentials = new CredentialMetrics(service.name(), registry);
        this.assertions = assertions;
        this.headers = service.request().headers();
        this.pdp = pdp;
        this.outcomes = outcomes;
        this.decisionLatency = Timer.builder("pep_decision_duration").tag("service", service.name())
                .description("Time to obtain a decision from the PDP").publishPercentiles(0.5, 0.99)
                .publishPercentileHistogram()
                .register(registry);
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) {
        Exchange e = Exchange.of(ctx);
        CanonicalRequest request = e.request();
        ClientVerification v = e.verification;
        if (!service.policy().when().matches(request, req.headers(), headers)) {
            e.line.put("policy", "not applicable");
            if (e.limit != null && !e.limit.allowed() && !throttle.reportOnly()) {
                return throttle.tooManyRequests(e, e.limit, "");
            }
            throttle.upstreamHeaders(e, e.limit);
            return forward(delegate, ctx, req, e, "forward");
        }
        ObjectNode input = input(ctx, req.headers(), e);
        e.line.put("credential", CredentialMetrics.of(e));
        PresentedCertificate cert = null;
        if (v != null && v.present()) {
            List<byte[]> der = e.chainDer != null ? e.chainDer : ClientCertificateCheck.der(v.chain());
            cert = new PresentedCertificate(der, v.verified(), v.code(), v.verified() ? null : v.message());
        } else {
            input.putObject("certificate").put("present", false);
        }
        long askedAt = System.nanoTime();
        CompletableFuture<Decision> decided = pdp.decide(input, cert);
        BiFunction<Decision, Throwable, HttpResponse> then = (decision, failure) -> {
            decisionLatency.record(System.nanoTime() - askedAt, TimeUnit.NANOSECONDS);
            if (failure != null) {
                return unavailable(delegate, ctx, req, e, failure);
            }
            return enforce(delegate, ctx, req, e, decision);
        };
        // A decision known at once (a cached one) is enforced right here, on this event loop.
        return HttpResponse.of(decided.isDone() ? decided.handle(then) : decided.handleAsync(then, ctx.eventLoop()));
    }

    private HttpResponse enforce(HttpService delegate, ServiceRequestContext ctx, HttpRequest req, Exchange e,
            Decision d) {
        e.line.put("decision_id", d.decisionId());
        e.line.put("revision", d.revision());
        var reasons = e.line.putArray("reasons");
        d.reasons().forEach(r -> reasons.add(r.code()));
        if (!service.policy().enforce()) {
            // Passive (report-only): record what would have happened, enforce nothing.
            e.line.put("would_be", d.effect().wireName());
            addObligations(e, d);
            return forward(delegate, ctx, req, e, "passive");
        }
        Verdict limit = e.limit;
        boolean overLimit = limit != null && !limit.allowed() && !throttle.reportOnly();
        return switch (d.effect()) {
            // The limiter is authoritative: a policy that ignores input.limits still gets its 429.
            case ALLOW -> overLimit ? throttle.tooManyRequests(e, limit, d.decisionId()) : allow(delegate, ctx, req, e, d);
            case CHALLENGE, DENY -> {
                DenyReply reply = DenyReply.of(d, outcomes.template());
                if (overLimit && reply.status() == 429) {
                    throttle.rateLimited(limit, "rejected");
                    reply = Throttle.withHeaders(reply, limit);
                }
                String code = d.reasons().isEmpty() ? "DENIED" : d.reasons().get(0).code();
                yield outcomes.finish(e, d.effect().wireName(), reply.status(), code, reply.toHttpResponse());
            }
        };
    }

    /** An allow still draws from the limits the decision resolved (client id, profile, obligations). */
    private HttpResponse allow(HttpService delegate, ServiceRequestContext ctx, HttpRequest req, Exchange e,
            Decision d) {
        addObligations(e, d);
        e.decided.put("x-decision-id", d.decisionId());
        List<Check> checks = throttle.afterAllow(ctx, e, d.obligationHeaders(), d.rateLimits());
        if (checks.isEmpty()) {
            throttle.upstreamHeaders(e, e.limit);
            return forwardAllowed(delegate, ctx, req, e, d);
        }
        return HttpResponse.of(throttle.limiter().check(checks).handleAsync((v, failure) -> {
            if (failure != null) {
                return throttle.storeUnavailable(e);
            }
            Verdict tightest = e.limit == null ? v : Verdict.tighter(e.limit, v);
            if (throttle.record(e, tightest)) {
                return throttle.tooManyRequests(e, tightest, d.decisionId());
            }
            throttle.upstreamHeaders(e, tightest);
            return forwardAllowed(delegate, ctx, req, e, d);
        }, ctx.eventLoop()));
    }

    /** Forwards an allowed request, counting its credential and attaching the identity assertion. */
    private HttpResponse forwardAllowed(HttpService delegate, ServiceRequestContext ctx, HttpRequest req, Exchange e,
            Decision d) {
        String client = d.obligationHeaders().get("x-client-id");
        credentials.allowed(client == null ? null : HeaderValues.sanitize(client), CredentialMetrics.of(e));
        if (assertions != null) {
            e.decided.put(service.assertion().header(), assertions.assertion(identity(e, d), d.decisionId()));
        }
        return forward(delegate, ctx, req, e, "allow");
    }

    private HttpResponse unavailable(HttpService delegate, ServiceRequestContext ctx, HttpRequest req, Exchange e,
            Throwable failure) {
        log.warn("service {}: the PDP ({}) did not answer: {}", service.name(), pdp.describe(), failure.toString());
        e.line.put("pdp_error", failure.toString());
        outcomes.count("pep_pdp_unavailable_total", "outcome", service.policy().failOpen() ? "fallback" : "deny");
        if (service.policy().failOpen()) {
            e.decided.put("x-authz-fallback", "pdp-unavailable");
            return forward(delegate, ctx, req, e, "fallback");
        }
        return outcomes.refuse(e, 503, "PDP_UNAVAILABLE",
                "the policy decision point is unavailable; access is denied until it answers");
    }

    /** Who the decision let through, from the reference policy's identity obligations and the certificate. */
    private AssertionSigner.Identity identity(Exchange e, Decision d) {
        Map<String, String> h = d.obligationHeaders();
        String client = clean(h.get("x-client-id"));
        String user = clean(h.get("x-authenticated-userid"));
        String subject = user != null ? user : client != null ? client
                : e.identity != null ? e.identity.subjectDn() : "anonymous";
        String profile = clean(h.get("x-profile-id"));
        List<String> roles = new ArrayList<>();
        String r = clean(h.get("x-roles"));
        if (r != null) {
            for (String role : r.split(",")) {
                if (!role.isBlank()) {
                    roles.add(role.strip());
                }
            }
        }
        return new AssertionSigner.Identity(subject, client, profile == null ? service.policy().profile() : profile,
                roles, e.identity == null ? null : e.identity.sha256());
    }

    @Nullable
    private static String clean(@Nullable String value) {
        return value == null || value.isEmpty() ? null : HeaderValues.sanitize(value);
    }

    private void addObligations(Exchange e, Decision d) {
        headers.obligations(d.obligationHeaders(), name -> {
            log.warn("service {}: dropped obligation header '{}' of decision {}: not in the service's "
                    + "request.headers.obligations", service.name(), HeaderValues.sanitize(name), d.decisionId());
            outcomes.count("pep_obligations_refused_total", "header", "refused");
        }).forEach((name, value) -> e.decided.put(name, HeaderValues.sanitize(value)));
    }

    private HttpResponse forward(HttpService delegate, ServiceRequestContext ctx, HttpRequest req, Exchange e,
            String effect) {
        try {
            return outcomes.finish(e, effect, 0, null, delegate.serve(ctx, req));
        } catch (Exception ex) {
            return HttpResponse.ofFailure(ex);
        }
    }

    private ObjectNode input(ServiceRequestContext ctx, RequestHeaders h, Exchange e) {
        CanonicalRequest request = e.request();
        ObjectNode in = JsonNodeFactory.instance.objectNode();
        ObjectNode conn = in.putObject("connection");
        conn.put("client_ip", ctx.remoteAddress().getAddress().getHostAddress());
        conn.put("sni", e.sni);
        SSLSession s = ctx.sslSession();
        if (s != null) {
            conn.put("tls_version", s.getProtocol());
            conn.put("cipher", s.getCipherSuite());
        }
        ObjectNode r = in.putObject("request");
        r.put("method", request.method());
        r.put("path", request.path());
        r.put("host", request.host());
        ObjectNode copied = r.putObject("headers");
        ServiceConfig.ApiKeys apiKeys = service.apiKeys();
        for (String name : service.policy().forwardHeaders()) {
            String value = h.get(name);
            if (value != null && headers.fromClient(name) && (apiKeys == null || !name.equals(apiKeys.header()))) {
                copied.put(name, value);
            }
        }
        // The PDP's MFA provider verifies the bearer token and removes it from the input before the policy
        // and the decision log see it (the decision log masks it otherwise). An API key never goes: only
        // its digest, which the PDP replaces by the key's id.
        String authorization = h.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && !(apiKeys != null && ApiKeyCheck.isApiKeyAuthorization(authorization))) {
            copied.put("authorization", authorization);
        }
        if (apiKeys != null) {
            ObjectNode key = in.putObject("api_key").put("present", e.apiKeyDigest != null);
            if (e.apiKeyDigest != null) {
                key.put("sha256", e.apiKeyDigest);
            }
        }
        in.putObject("service").put("id", service.name()).put("profile", service.policy().profile());
        Verdict limit = e.limit;
        if (limit != null) {
            // report-only limits never make the policy refuse
            in.putObject("limits").put("exceeded", !limit.allowed() && !throttle.reportOnly())
                    .put("name", limit.name()).put("remaining", limit.remaining());
        }
        return in;
    }
}
