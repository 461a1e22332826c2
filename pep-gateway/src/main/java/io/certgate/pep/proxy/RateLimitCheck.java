package io.certgate.pep.proxy;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pep.ratelimit.RateLimiter.Check;
import java.util.List;

/**
 * Stage between the client certificate and the decision: takes a token from every limit keyed by what
 * the connection shows, and leaves the verdict in the exchange for the policy ({@code input.limits}) and
 * {@link Enforcement}. Like Armeria's {@code ThrottlingService}, but the verdict goes on to the policy
 * instead of answering here, so the policy's precedence holds (an untrusted certificate is a 401, not a
 * 429). The bucket store answers asynchronously; the chain resumes on the request's event loop.
 */
final class RateLimitCheck implements DecoratingHttpServiceFunction {
    private final Throttle throttle;

    RateLimitCheck(Throttle throttle) {
        this.throttle = throttle;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        Exchange e = Exchange.of(ctx);
        List<Check> checks = throttle.beforeDecision(ctx, e);
        if (checks.isEmpty()) {
            return delegate.serve(ctx, req);
        }
        return HttpResponse.of(throttle.limiter().check(checks).handleAsync((v, failure) -> {
            if (failure != null) {
                return throttle.storeUnavailable(e);
            }
            e.limit = v;
            throttle.record(e, v);
            try {
                return delegate.serve(ctx, req);
            } catch (Exception ex) {
                return HttpResponse.ofFailure(ex);
            }
        }, ctx.eventLoop()));
    }
}
