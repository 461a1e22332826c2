package io.certgate.pep.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.boundary.DenyReply;
import io.certgate.pdp.decision.RateLimitObligation;
import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.ratelimit.LimitRule;
import io.certgate.pep.ratelimit.Quota;
import io.certgate.pep.ratelimit.RateLimitHeaders;
import io.certgate.pep.ratelimit.RateLimiter;
import io.certgate.pep.ratelimit.RateLimiter.Check;
import io.certgate.pep.ratelimit.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rate limits of one service in the chain: which buckets a request draws from (before the decision:
 * limits keyed by what the connection shows; after an allow: limits keyed by what the policy resolved, and
 * the decision's own rate-limit obligations), and the 429 with {@code Retry-After} and
 * {@code RateLimit-Policy} / {@code RateLimit} when a bucket is empty.
 */
final class Throttle {
    private final ServiceConfig service;
    private final RateLimiter limiter;
    private final Outcomes outcomes;

    Throttle(ServiceConfig service, RateLimiter limiter, Outcomes outcomes) {
        this.service = service;
        this.limiter = limiter;
        this.outcomes = outcomes;
    }

    RateLimiter limiter() {
        return limiter;
    }

    boolean reportOnly() {
        return limiter.limits().reportOnly();
    }

    /** The buckets of the limits checked before the decision. */
    List<Check> beforeDecision(ServiceRequestContext ctx, Exchange e) {
        return checks(ctx, e, false, Map.of());
    }

    /** The buckets checked after an allow: client-id / profile limits and the policy's obligations. */
    List<Check> afterAllow(ServiceRequestContext ctx, Exchange e, Map<String, String> obligationHeaders,
            List<RateLimitObligation> obligations) {
        List<Check> out = checks(ctx, e, true, obligationHeaders);
        for (RateLimitObligation o : obligations) {
            out.add(new Check(o.name(), o.key(), new Quota(o.rate(), Duration.ofSeconds(o.periodSeconds()),
                    o.burst())));
        }
        return out;
    }

    private List<Check> checks(ServiceRequestContext ctx, Exchange e, boolean afterDecision,
            Map<String, String> obligationHeaders) {
        List<Check> out = new ArrayList<>();
        var request = e.request();
        for (LimitRule rule : limiter.limits().rules()) {
            if (rule.key().afterDecision() != afterDecision
                    || !rule.when().methods().isEmpty() && !rule.when().methods().contains(request.method())) {
                continue;
            }
            String glob = rule.when().matchingPath(request.path());
            if (!rule.when().paths().isEmpty() && glob == null) {
                continue;
            }
            String key = rule.key().render(part -> switch (part) {
                case CLIENT_ID -> obligationHeaders.get("x-client-id");
                case PROFILE -> obligationHeaders.getOrDefault("x-profile-id", service.policy().profile());
                case CERT_SHA256 -> e.identity == null ? null : e.identity.sha256();
                case SUBJECT -> e.identity == null ? null : e.identity.subjectDn();
                case CLIENT_IP -> ctx.remoteAddress().getAddress().getHostAddress();
                case SERVICE -> service.name();
                case ROUTE -> request.method() + ' ' + (glob == null ? request.path() : glob);
            });
            out.add(new Check(rule.name(), key, rule.quota()));
        }
        return out;
    }

    /** Logs the verdict; true when the request must be refused (over the limit and enforced). */
    boolean record(Exchange e, Verdict v) {
        ObjectNode l = e.line.putObject("rate_limit");
        l.put("name", v.name()).put("key", v.key()).put("remaining", v.remaining()).put("exceeded", !v.allowed());
        if (v.degraded()) {
            l.put("degraded", true);
        }
        if (v.allowed()) {
            return false;
        }
        if (reportOnly()) {
            rateLimited(v, "reported");
        }
        return !reportOnly();
    }

    void rateLimited(Verdict v, String outcome) {
        outcomes.count2("pep_rate_limited_total", "limit", v.name(), "outcome", outcome);
    }

    /** The 429, in the gateway's error shape (or the service's template), with the rate-limit headers. */
    HttpResponse tooManyRequests(Exchange e, Verdict v, String decisionId) {
        rateLimited(v, "rejected");
        DenyReply r = DenyReply.error(outcomes.template(), 429, "RATE_LIMITED", "rate limit '" + v.name()
                + "' exceeded; retry after " + v.retryAfterSeconds() + " s", decisionId);
        return outcomes.finish(e, "deny", 429, "RATE_LIMITED", withHeaders(r, v).toHttpResponse());
    }

    /** A policy's own 429 (it read {@code input.limits}), with the headers of the verdict behind it. */
    static DenyReply withHeaders(DenyReply r, Verdict v) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.putAll(RateLimitHeaders.of(v));
        return new DenyReply(r.status(), headers, r.body());
    }

    /** Under the limit: the budget headers for the upstream, when the service asks for them. */
    void upstreamHeaders(Exchange e, @Nullable Verdict v) {
        if (v != null && limiter.limits().upstreamHeaders()) {
            RateLimitHeaders.of(v).forEach((name, value) -> {
                if (!"retry-after".equals(name)) {
                    e.decided.put(name, value);
                }
            });
        }
    }

    /** While the shared store is down under fallback deny. */
    HttpResponse storeUnavailable(Exchange e) {
        return outcomes.refuse(e, 503, "RATE_LIMIT_UNAVAILABLE",
                "the rate-limit store is unavailable; requests are refused until it answers");
    }
}
