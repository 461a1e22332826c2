package io.certgate.pep.proxy;

import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.boundary.PathRules;
import io.certgate.pdp.boundary.RejectedRequestException;
import io.certgate.pdp.boundary.RequestCanonicalizer;
import java.util.List;

/**
 * Second stage: the request target as the client sent it becomes the one canonical request the policy,
 * {@code policy.when}, the logs and the upstream all see; an ambiguous one is answered 400 here.
 */
final class Canonicalize implements DecoratingHttpServiceFunction {
    private final RequestCanonicalizer canonicalizer;
    private final Outcomes outcomes;

    Canonicalize(PathRules rules, Outcomes outcomes) {
        this.canonicalizer = new RequestCanonicalizer(rules);
        this.outcomes = outcomes;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        Exchange e = Exchange.of(ctx);
        String raw = ctx.routingContext().requestTarget().rawPath();
        String query = ctx.query();
        if (raw.indexOf('?') < 0 && query != null) {
            raw = raw + '?' + query;
        }
        try {
            e.request = canonicalizer.canonicalize(req.method().name(), raw, e.authority, List.of());
        } catch (RejectedRequestException ex) {
            return outcomes.refuse(e, 400, ex.code(), ex.getMessage());
        }
        e.line.put("path", e.request.path());
        return delegate.serve(ctx, req);
    }
}
