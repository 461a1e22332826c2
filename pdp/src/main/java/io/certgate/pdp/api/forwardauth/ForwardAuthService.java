package io.certgate.pdp.api.forwardauth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceErrorHandler;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.api.TooLargeBodies;
import io.certgate.pdp.api.proxy.CertificateHeaderException;
import io.certgate.pdp.api.proxy.CertificateHeaders;
import io.certgate.pdp.api.proxy.ForwardedCertificate;
import io.certgate.pdp.api.proxy.ProxyTrust;
import io.certgate.pdp.boundary.CanonicalRequest;
import io.certgate.pdp.boundary.DenyReply;
import io.certgate.pdp.boundary.PathRules;
import io.certgate.pdp.boundary.RejectedRequestException;
import io.certgate.pdp.boundary.RequestCanonicalizer;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.decision.Protocol;
import io.certgate.pdp.decision.HeaderValues;
import io.certgate.pdp.engine.PolicyException;
import io.certgate.pdp.input.PresentedCertificate;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET|POST /forward-auth} for nginx {@code auth_request}, Caddy {@code forward_auth} and Traefik
 * ForwardAuth: the original request comes from the proxy's headers ({@code x-forwarded-method|uri|host},
 * or nginx-style {@code x-original-method|uri}), the client certificate and address only from trusted
 * proxies. Allow is 200 with the obligation headers (for the proxy to copy upstream); deny is the
 * decision's status with the gateway's JSON error body.
 */
public final class ForwardAuthService implements HttpService {
    public static final String PATH = "/forward-auth";
    /** Names the service of the request, when the proxy knows it (trusted proxies only). */
    public static final String SERVICE_HEADER = "x-certgate-service";

    private static final Logger log = LoggerFactory.getLogger(ForwardAuthService.class);

    private final DecisionService decisions;
    private final ProxyTrust trust;
    private final ObjectMapper json;
    private final RequestCanonicalizer canonicalizer = new RequestCanonicalizer(PathRules.strict());

    public ForwardAuthService(DecisionService decisions, ProxyTrust trust, ObjectMapper json) {
        this.decisions = decisions;
        this.trust = trust;
        this.json = json;
    }

    /** Answers the server's own 413 in the gateway's JSON error shape. */
    public static ServiceErrorHandler errorHandler(ObjectMapper json) {
        return TooLargeBodies.handler(headers -> AggregatedHttpResponse.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                MediaType.JSON_UTF_8, DenyReply.error(413, "BAD_REQUEST", TooLargeBodies.MESSAGE, "")));
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        // The body is not part of the decision; drain it so the proxy's request completes.
        return HttpResponse.of(req.aggregate().thenApplyAsync(agg -> decide(ctx, agg.headers()),
                ctx.blockingTaskExecutor()));
    }

    private HttpResponse decide(ServiceRequestContext ctx, RequestHeaders h) {
        InetAddress caller = ctx.remoteAddress().getAddress();
        boolean trusted = trust.trusts(caller);
        CanonicalRequest request;
        try {
            request = canonical(ctx, h);
        } catch (RejectedRequestException e) {
            return DenyReply.error(null, 400, e.code(), e.getMessage(), "").toHttpResponse();
        }

        ObjectNode input = json.createObjectNode();
        String clientIp = caller.getHostAddress();
        Optional<ForwardedCertificate> fwd = Optional.empty();
        if (trusted) {
            String real = clientIp(h);
            if (real != null) {
                clientIp = real;
            }
            try {
                fwd = CertificateHeaders.read(h);
            } catch (CertificateHeaderException e) {
                return badRequest(e.getMessage());
            }
        } else if (CertificateHeaders.present(h)) {
            log.warn("forward-auth: ignoring client certificate headers from {}, which is not in "
                    + "interop.trusted_proxies", clientIp);
        }
        input.putObject("connection").put("client_ip", clientIp);
        ObjectNode r = input.putObject("request").put("method", request.method()).put("path", request.path());
        if (request.host() != null) {
            r.put("host", request.host());
        }
        trust.copyHeaders(r.putObject("headers"), h::get);
        String service = trust.serviceFor(trusted ? h.get(SERVICE_HEADER) : null, request.host());
        if (service != null) {
            input.putObject("service").put("id", service);
        }
        PresentedCertificate cert = null;
        try {
            if (fwd.isPresent()) {
                cert = trust.certificate(fwd.get());
            } else {
                input.putObject("certificate").put("present", false);
            }
            Decision d = decisions.decide(null, input, cert, false, Protocol.FORWARD_AUTH);
            if (!d.allowed()) {
                return DenyReply.of(d).toHttpResponse();
            }
            ResponseHeadersBuilder ok = ResponseHeaders.builder(HttpStatus.OK)
                    .set("x-decision-id", d.decisionId())
                    .set("cache-control", "no-store");
            trust.headers().obligations(d.obligationHeaders(), name -> log.warn("forward-auth: dropped obligation "
                    + "header '{}' of decision {}: not in interop.obligation_headers", HeaderValues.sanitize(name),
                    d.decisionId())).forEach((name, value) -> ok.set(name, HeaderValues.sanitize(value)));
            return HttpResponse.of(ok.build());
        } catch (CertificateParseException e) {
            return badRequest("the forwarded client certificate does not parse: " + e.getMessage());
        } catch (PolicyException e) {
            return DenyReply.error(null, 500, "POLICY_ERROR", e.getMessage(), "").toHttpResponse();
        }
    }

    /**
     * The original request as the proxy describes it ({@code x-forwarded-method|uri|host}, or nginx-style
     * {@code x-original-method|uri}), canonicalized like the gateway's own requests. Each of these headers
     * must appear at most once.
     */
    private CanonicalRequest canonical(ServiceRequestContext ctx, RequestHeaders h) throws RejectedRequestException {
        String method = single(h, "x-forwarded-method", "x-original-method");
        String uri = single(h, "x-forwarded-uri", "x-original-uri");
        String host = single(h, "x-forwarded-host");
        return canonicalizer.canonicalize(method == null ? h.method().name() : method,
                uri == null ? ctx.path() : uri, host == null ? h.authority() : host, List.of());
    }

    /** {@code x-real-ip}, else the last {@code x-forwarded-for} hop (the one the trusted proxy added). */
    @Nullable
    private static String clientIp(RequestHeaders h) {
        String real = h.get("x-real-ip");
        if (real != null && !real.isBlank()) {
            return real.strip();
        }
        String xff = h.get("x-forwarded-for");
        if (xff != null && !xff.isBlank()) {
            String[] hops = xff.split(",");
            return hops[hops.length - 1].strip();
        }
        return null;
    }

    @Nullable
    private static String single(RequestHeaders h, String... names) throws RejectedRequestException {
        String found = null;
        for (String n : names) {
            List<String> values = h.getAll(n);
            if (values.size() > 1 || found != null && !values.isEmpty()) {
                throw new RejectedRequestException("BAD_REQUEST", "the request has more than one "
                        + String.join(" / ", names) + " header; the proxy must send exactly one");
            }
            if (!values.isEmpty() && !values.get(0).isEmpty()) {
                found = values.get(0);
            }
        }
        return found;
    }

    private static HttpResponse badRequest(String message) {
        return DenyReply.error(null, 400, "BAD_REQUEST", message, "").toHttpResponse();
    }
}
