package io.certgate.pdp.api.extauthz;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.rpc.Code;
import com.google.rpc.Status;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.api.grpc.Offload;
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
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy external authorization v3 ({@code envoy.service.auth.v3.Authorization/Check}, also Istio's
 * {@code envoyExtAuthzGrpc}). The input comes from the CheckRequest: source address, the URL-encoded
 * client certificate Envoy forwards ({@code include_peer_certificate: true}), method, path, host, SNI
 * and the allow-listed headers; the service from the route's {@code context_extensions.service}, else
 * the host mapping. The source address and certificate are only believed from trusted proxies. Allow
 * is OK with the obligation headers for the upstream; deny is the decision's status, body and headers.
 */
public final class ExtAuthzService extends AuthorizationGrpc.AuthorizationImplBase {
    /** The {@code context_extensions} key naming the service of a route. */
    public static final String SERVICE_EXTENSION = "service";
    /** Headers Envoy itself sets and sanitizes for the upstream (XFF, XFCC, x-forwarded-proto). */
    private static final Set<String> ENVOY_OWNED = Set.of("x-forwarded-for", "x-forwarded-proto",
            CertificateHeaders.XFCC);

    private static final Logger log = LoggerFactory.getLogger(ExtAuthzService.class);

    private final DecisionService decisions;
    private final ProxyTrust trust;
    private final ObjectMapper json;
    private final Offload offload;
    private final RequestCanonicalizer canonicalizer = new RequestCanonicalizer(PathRules.strict());

    public ExtAuthzService(DecisionService decisions, ProxyTrust trust, ObjectMapper json, Offload offload) {
        this.decisions = decisions;
        this.trust = trust;
        this.json = json;
        this.offload = offload;
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
        InetAddress caller = ServiceRequestContext.current().remoteAddress().getAddress();
        offload.run(response, () -> {
            response.onNext(decide(request, caller));
            response.onCompleted();
        });
    }

    CheckResponse decide(CheckRequest request, InetAddress caller) {
        AttributeContext a = request.getAttributes();
        if (!a.getRequest().hasHttp() || a.getRequest().getHttp().getMethod().isEmpty()) {
            return invalid("the CheckRequest has no attributes.request.http with a method; "
                    + "only HTTP ext_authz checks are supported");
        }
        AttributeContext.HttpRequest http = a.getRequest().getHttp();
        boolean trusted = trust.trusts(caller);
        String clientIp = caller.getHostAddress();
        String peerCert = a.getSource().getCertificate();
        ForwardedCertificate fwd = null;
        if (trusted) {
            if (a.getSource().getAddress().hasSocketAddress()) {
                clientIp = a.getSource().getAddress().getSocketAddress().getAddress();
            }
            if (!peerCert.isEmpty()) {
                try {
                    // Envoy only hands over a certificate its validation context accepted.
                    fwd = new ForwardedCertificate(
                            CertificateHeaders.urlEncodedPem(peerCert, "source.certificate"), true, 0, null,
                            "source.certificate");
                } catch (CertificateHeaderException e) {
                    return invalid(e.getMessage());
                }
            }
        } else if (!peerCert.isEmpty()) {
            log.warn("ext_authz: ignoring the client certificate sent by {}, which is not in "
                    + "interop.trusted_proxies", clientIp);
        }

        CanonicalRequest target;
        try {
            target = canonicalizer.canonicalize(http.getMethod(), http.getPath().isEmpty() ? "/" : http.getPath(),
                    http.getHost().isEmpty() ? null : http.getHost(), List.of());
        } catch (RejectedRequestException e) {
            return invalid(e.code(), e.getMessage());
        }
        ObjectNode input = json.createObjectNode();
        ObjectNode conn = input.putObject("connection").put("client_ip", clientIp);
        if (!a.getTlsSession().getSni().isEmpty()) {
            conn.put("sni", a.getTlsSession().getSni());
        }
        ObjectNode r = input.putObject("request").put("method", target.method()).put("path", target.path());
        if (target.host() != null) {
            r.put("host", target.host());
        }
        Map<String, String> headers = http.getHeadersMap();
        trust.copyHeaders(r.putObject("headers"), headers::get);
        String service = trust.serviceFor(a.getContextExtensionsMap().get(SERVICE_EXTENSION), target.host());
        if (service != null) {
            input.putObject("service").put("id", service);
        }
        try {
            PresentedCertificate cert = null;
            if (fwd != null) {
                cert = trust.certificate(fwd);
            } else {
                input.putObject("certificate").put("present", false);
            }
            Decision d = decisions.decide(null, input, cert, false, Protocol.EXT_AUTHZ);
            return d.allowed() ? allow(d, headers.keySet()) : deny(DenyReply.of(d), d.status() == 401
                    ? Code.UNAUTHENTICATED : Code.PERMISSION_DENIED);
        } catch (CertificateParseException e) {
            return invalid("BAD_REQUEST", "source.certificate does not parse: " + e.getMessage());
        } catch (PolicyException e) {
            return deny(DenyReply.error(null, 500, "POLICY_ERROR", e.getMessage(), ""), Code.INTERNAL);
        }
    }

    private CheckResponse allow(Decision d, Set<String> clientHeaders) {
        OkHttpResponse.Builder ok = OkHttpResponse.newBuilder()
                .addHeaders(header("x-decision-id", d.decisionId()));
        Map<String, String> obligations = trust.headers().obligations(d.obligationHeaders(), name -> log.warn(
                "ext_authz: dropped obligation header '{}' of decision {}: not in interop.obligation_headers",
                HeaderValues.sanitize(name), d.decisionId()));
        obligations.forEach((name, value) -> ok.addHeaders(header(name, HeaderValues.sanitize(value))));
        // Trust and obligation headers a client sent itself (any spelling) must not reach the upstream as if a
        // proxy or the policy had set them; the ones Envoy sets itself are Envoy's to manage.
        Set<String> doomed = new TreeSet<>(trust.headers().toRemove(clientHeaders));
        doomed.addAll(CertificateHeaders.ALL);
        doomed.addAll(trust.headers().exactReservedNames());
        for (String name : doomed) {
            String n = name.toLowerCase(Locale.ROOT);
            if (!obligations.containsKey(n) && !n.equals("x-decision-id") && !ENVOY_OWNED.contains(n)
                    && !n.startsWith("x-envoy-")) {
                ok.addHeadersToRemove(name);
            }
        }
        return CheckResponse.newBuilder()
                .setStatus(Status.newBuilder().setCode(Code.OK_VALUE))
                .setOkResponse(ok)
                .build();
    }

    private static CheckResponse deny(DenyReply reply, Code code) {
        StatusCode status = StatusCode.forNumber(reply.status());
        DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCode(status == null ? StatusCode.Forbidden : status))
                .setBody(reply.body());
        reply.headers().forEach((name, value) -> denied.addHeaders(header(name, value)));
        return CheckResponse.newBuilder()
                .setStatus(Status.newBuilder().setCode(code.getNumber()).setMessage(abbreviate(reply.body())))
                .setDeniedResponse(denied)
                .build();
    }

    private CheckResponse invalid(String message) {
        return invalid("BAD_REQUEST", message);
    }

    private static CheckResponse invalid(String code, String message) {
        return deny(DenyReply.error(null, 400, code, message, ""), Code.INVALID_ARGUMENT);
    }

    private static HeaderValueOption header(String name, String value) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
                .setAppendAction(HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                .build();
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) : s;
    }
}
