package io.certgate.pdp.api.forwardauth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpData;
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
import io.certgate.pdp.api.proxy.DenyReply;
import io.certgate.pdp.api.proxy.ForwardedCertificate;
import io.certgate.pdp.api.proxy.ProxyTrust;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.DecisionService;
import io.certgate.pdp.decision.HeaderValues;
import io.certgate.pdp.engine.PolicyException;
import io.certgate.pdp.input.PresentedCertificate;
import java.net.InetAddress;
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

    public ForwardAuthService(DecisionService decisions, ProxyTrust trust, ObjectMapper json) {
        this.decisions = decisions;
        this.trust = trust;
        this.json = json;
    }

    /** Answers the server's own 413 in the gateway's JSON error shape. */
    public static ServiceErrorHandler errorHandler(ObjectMapper json) {
        return TooLargeBodies.handler(headers -> AggregatedHttpResponse.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE,
                MediaType.JSON_UTF_8, DenyReply.error(json, 413, "BAD_REQUEST", TooLargeBodies.MESSAGE, "")));
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
        String method = first(h, "x-forwarded-method", "x-original-method");
        if (method == null) {
            method = h.method().name();
        } else if (!HeaderValues.isToken(method)) {
            return badRequest("x-forwarded-method is not an HTTP method: '" + HeaderValues.sanitize(method) + "'");
        }
        String uri = first(h, "x-forwarded-uri", "x-original-uri");
        if (uri == null) {
            uri = ctx.path();
        } else if (!uri.startsWith("/")) {
            return badRequest("x-forwarded-uri must be an origin-form request target starting with '/', got '"
                    + HeaderValues.sanitize(uri) + "'");
        }
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        String host = first(h, "x-forwarded-host");
        if (host == null) {
            host = h.authority();
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
        ObjectNode r = input.putObject("request").put("method", method).put("path", path);
        if (host != null) {
            r.put("host", host);
        }
        trust.copyHeaders(r.putObject("headers"), h::get);
        String service = trust.serviceFor(trusted ? h.get(SERVICE_HEADER) : null, host);
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
            Decision d = decisions.decide(null, input, cert, false);
            if (!d.allowed()) {
                return DenyReply.of(d, json).toHttpResponse();
            }
            ResponseHeadersBuilder ok = ResponseHeaders.builder(HttpStatus.OK)
                    .set("x-decision-id", d.decisionId())
                    .set("cache-control", "no-store");
            d.obligationHeaders().forEach((name, value) -> ok.set(name, HeaderValues.sanitize(value)));
            return HttpResponse.of(ok.build());
        } catch (CertificateParseException e) {
            return badRequest("the forwarded client certificate does not parse: " + e.getMessage());
        } catch (PolicyException e) {
            return HttpResponse.of(HttpStatus.INTERNAL_SERVER_ERROR, MediaType.JSON_UTF_8,
                    DenyReply.error(json, 500, "POLICY_ERROR", e.getMessage(), ""));
        }
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
    private static String first(RequestHeaders h, String... names) {
        for (String n : names) {
            String v = h.get(n);
            if (v != null && !v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    private HttpResponse badRequest(String message) {
        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.BAD_REQUEST).contentType(MediaType.JSON_UTF_8)
                .set("cache-control", "no-store").build(),
                HttpData.ofUtf8(DenyReply.error(json, 400, "BAD_REQUEST", message, "")));
    }
}
