package io.certgate.pep.proxy;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpRequest;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.boundary.CanonicalRequest;
import io.certgate.pdp.boundary.DenyReply;
import io.certgate.pdp.boundary.HeaderPolicy;
import io.certgate.pdp.cert.IdentityHeaderValues;
import io.certgate.pep.config.ServiceConfig;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last stage: sends the canonical request upstream. Headers are built allow-list first: the client's
 * headers that the service's header policy lets through, then the gateway's identity headers, the
 * decision's, and {@code x-forwarded-*} describing this hop. The body is read completely (within
 * {@code request.body_timeout_ms}, else 408) before anything is sent, so a slow client never holds an
 * upstream connection.
 */
final class UpstreamProxy implements HttpService {
    private static final Logger log = LoggerFactory.getLogger(UpstreamProxy.class);

    private final String service;
    private final WebClient upstream;
    private final HeaderPolicy headers;
    /** Header names the gateway consumes or sets itself: a client's copy never passes. */
    private final Set<String> consumed = new HashSet<>();
    private final boolean apiKeys;
    private final Duration bodyTimeout;
    private final Outcomes outcomes;

    UpstreamProxy(ServiceConfig service, WebClient upstream, Outcomes outcomes) {
        this.service = service.name();
        this.upstream = upstream;
        this.headers = service.request().headers();
        this.apiKeys = service.apiKeys() != null;
        if (service.apiKeys() != null) {
            consumed.add(service.apiKeys().header());
        }
        if (service.assertion() != null) {
            consumed.add(service.assertion().header());
        }
        this.bodyTimeout = service.request().bodyTimeout();
        this.outcomes = outcomes;
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        Exchange e = Exchange.of(ctx);
        RequestHeaders out = headers(ctx, req.headers(), e);
        return HttpResponse.of(req.aggregate().orTimeout(bodyTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((body, failure) -> {
                    if (failure != null) {
                        req.abort();
                        return bodyFailed(failure);
                    }
                    return send(out, body);
                }, ctx.eventLoop()));
    }

    private HttpResponse send(RequestHeaders headers, AggregatedHttpRequest body) {
        return upstream.execute(headers, body.content()).recover(failure -> {
            log.warn("service {}: upstream {} failed: {}", service, upstream.uri(), failure.toString());
            return DenyReply.error(outcomes.template(), 502, "UPSTREAM_UNAVAILABLE",
                    "the upstream service did not answer", "").toHttpResponse();
        });
    }

    private HttpResponse bodyFailed(Throwable failure) {
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof TimeoutException) {
            outcomes.count("pep_request_body_timeouts_total", "reason", "timeout");
            return DenyReply.error(outcomes.template(), 408, "REQUEST_TIMEOUT",
                    "the request body did not arrive within " + bodyTimeout.toMillis() + " ms", "")
                    .toHttpResponse();
        }
        return HttpResponse.ofFailure(cause);
    }

    private RequestHeaders headers(ServiceRequestContext ctx, RequestHeaders in, Exchange e) {
        CanonicalRequest request = e.request();
        RequestHeadersBuilder out = RequestHeaders.builder(in.method(), request.target());
        Set<String> nominated = connectionNominated(in);
        in.forEach((name, value) -> {
            String n = name.toString();
            if (headers.fromClient(n) && !nominated.contains(n) && !consumed.contains(HeaderPolicy.canonicalName(n))
                    && !(apiKeys && name.equals(HttpHeaderNames.AUTHORIZATION)
                            && ApiKeyCheck.isApiKeyAuthorization(value))) {
                out.add(name, value);
            }
        });
        if (e.verification != null && e.identity != null) {
            IdentityHeaderValues.of(e.verification.code(), e.identity).forEach(out::set);
        }
        e.decided.forEach(out::set);
        // This gateway is the edge: the client address is the peer's, never what the client claims.
        out.set("x-forwarded-for", ctx.remoteAddress().getAddress().getHostAddress());
        out.set("x-forwarded-proto", "https");
        out.set("x-forwarded-host", e.authority == null ? "" : e.authority);
        // The upstream is addressed by its own name (TLS SNI and certificate check follow the authority).
        out.authority(upstream.uri().getRawAuthority());
        return out.build();
    }

    /** Header names listed in {@code Connection}, which are hop-by-hop too (RFC 9110 section 7.6.1). */
    private static Set<String> connectionNominated(RequestHeaders in) {
        Set<String> names = new HashSet<>();
        for (String v : in.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : v.split(",")) {
                names.add(token.strip().toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }
}
