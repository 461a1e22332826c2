package io.certgate.pep.proxy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.RequestHeadersBuilder;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.decision.Decision;
import io.certgate.pdp.decision.Reason;
import io.certgate.pdp.input.PresentedCertificate;
import io.certgate.pep.audit.AccessLog;
import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.config.VerifyMode;
import io.certgate.pep.pdp.DecisionClient;
import io.certgate.pep.tls.ClientVerification;
import io.certgate.pep.tls.ClientVerifier;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enforcement point of one service: checks SNI against Host, verifies the client certificate,
 * strips spoofed identity headers, asks the PDP and enforces the answer. Nothing reaches the upstream
 * unless the decision (or the service's documented passive mode / fallback) says so.
 */
public final class EnforcingService implements HttpService {
    private static final Logger log = LoggerFactory.getLogger(EnforcingService.class);
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate");

    private final ServiceConfig service;
    private final ClientVerifier verifier;
    private final DecisionClient pdp;
    private final CertificateIdentities identities;
    @Nullable
    private final CertificateExpiryMetrics seenClients;
    private final WebClient upstream;
    private final ErrorResponses errors;
    private final AccessLog audit;
    private final MeterRegistry registry;
    private final Timer decisionLatency;

    public EnforcingService(ServiceConfig service, ClientVerifier verifier, DecisionClient pdp,
            CertificateIdentities identities, @Nullable CertificateExpiryMetrics seenClients, WebClient upstream,
            AccessLog audit, MeterRegistry registry) {
        this.service = service;
        this.verifier = verifier;
        this.pdp = pdp;
        this.identities = identities;
        this.seenClients = seenClients;
        this.upstream = upstream;
        this.errors = new ErrorResponses(service.policy().errorTemplate());
        this.audit = audit;
        this.registry = registry;
        this.decisionLatency = Timer.builder("pep_decision_duration").tag("service", service.name())
                .description("Time to obtain a decision from the PDP").publishPercentiles(0.5, 0.99)
                .publishPercentileHistogram()
                .register(registry);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        long start = System.nanoTime();
        ObjectNode line = audit.line();
        line.put("service", service.name());
        line.put("method", req.method().name());
        line.put("path", ctx.path());
        InetSocketAddress client = ctx.remoteAddress();
        line.put("client_ip", client.getAddress().getHostAddress());

        String sni = sni(ctx.sslSession());
        String host = hostOf(req.headers());
        if (sni == null || !service.sni().contains(sni) || host == null || !service.sni().contains(host)) {
            return finish(line, start, "deny", 421, "MISDIRECTED_REQUEST", errors.error(421, "MISDIRECTED_REQUEST",
                    "the Host header (" + host + ") does not belong to the TLS server name (" + sni + ")", ""));
        }
        if (hasDotSegment(ctx.path())) {
            // The upstream would resolve "/./mfa" to "/mfa"; the path condition and the policy would not.
            return finish(line, start, "deny", 400, "BAD_PATH", errors.error(400, "BAD_PATH",
                    "the request path has a '.' or '..' segment; send it normalized", ""));
        }
        return HttpResponse.of(verifier.verifyAsync(peerChain(ctx.sslSession())).handleAsync((v, failure) -> {
            if (failure != null) {
                log.error("service {}: client verification failed unexpectedly", service.name(), failure);
                return finish(line, start, "deny", 401, "CERT_UNTRUSTED", errors.error(401, "CERT_UNTRUSTED",
                        "the client certificate could not be verified", ""));
            }
            return afterVerification(ctx, req, v, line, start, sni, host);
        }, ctx.eventLoop()));
    }

    private HttpResponse afterVerification(ServiceRequestContext ctx, HttpRequest req, ClientVerification v,
            ObjectNode line, long start, String sni, String host) {
        CertificateIdentity id = null;
        if (v.present()) {
            line.put("verify_code", v.code());
            try {
                id = identities.identify(der(v.chain()));
                if (seenClients != null) {
                    seenClients.seen(service.name(), id);
                }
                describe(line, id);
            } catch (CertificateParseException e) {
                return finish(line, start, "deny", 401, "CERT_MALFORMED",
                        errors.error(401, "CERT_MALFORMED", "the client certificate cannot be parsed", ""));
            }
        }
        count("pep_client_verify_total", "code", v.present() ? Integer.toString(v.code()) : "none");
        if (!v.present() && verifier.mode() == VerifyMode.REQUIRED) {
            return finish(line, start, "deny", 401, "CERT_REQUIRED",
                    errors.error(401, "CERT_REQUIRED", "a client certificate is required for this service", ""));
        }
        if (!v.accepted()) {
            return finish(line, start, "deny", 401, "CERT_UNTRUSTED", errors.error(401, "CERT_UNTRUSTED",
                    "the client certificate failed verification: " + v.message() + " (" + v.code() + ")", ""));
        }

        RequestHeadersBuilder forwarded = req.headers().toBuilder();
        IdentityHeaders.strip(forwarded, Set.of());
        if (id != null) {
            IdentityHeaders.add(forwarded, v, id);
        }
        if (!service.policy().when().matches(req.headers(), ctx.path())) {
            line.put("policy", "not applicable");
            return finish(line, start, "forward", 0, null, forward(ctx, req, forwarded));
        }
        ObjectNode input = input(ctx, req.headers(), sni, host);
        PresentedCertificate cert = null;
        if (v.present()) {
            cert = new PresentedCertificate(der(v.chain()), v.verified(), v.code(), v.verified() ? null : v.message());
        } else {
            input.putObject("certificate").put("present", false);
        }
        long askedAt = System.nanoTime();
        return HttpResponse.of(pdp.decide(input, cert).handleAsync((decision, failure) -> {
            decisionLatency.record(System.nanoTime() - askedAt, TimeUnit.NANOSECONDS);
            if (failure != null) {
                return unavailable(ctx, req, forwarded, line, start, failure);
            }
            return enforce(ctx, req, forwarded, line, start, decision);
        }, ctx.eventLoop()));
    }

    private HttpResponse enforce(ServiceRequestContext ctx, HttpRequest req, RequestHeadersBuilder forwarded,
            ObjectNode line, long start, Decision d) {
        line.put("decision_id", d.decisionId());
        line.put("revision", d.revision());
        var reasons = line.putArray("reasons");
        d.reasons().forEach(r -> reasons.add(r.code()));
        Reason first = d.reasons().isEmpty() ? new Reason("DENIED", "access denied") : d.reasons().get(0);
        if (!service.policy().enforce()) {
            // Passive (report-only): record what would have happened, enforce nothing.
            line.put("would_be", d.effect().wireName());
            addObligations(forwarded, d);
            return finish(line, start, "passive", 0, null, forward(ctx, req, forwarded));
        }
        return switch (d.effect()) {
            case ALLOW -> {
                addObligations(forwarded, d);
                forwarded.set("x-decision-id", d.decisionId());
                yield finish(line, start, "allow", 0, null, forward(ctx, req, forwarded));
            }
            case CHALLENGE -> finish(line, start, "challenge", 401, first.code(), d.challenge() == null
                    ? errors.error(401, first.code(), first.message(), d.decisionId())
                    : errors.challenge(d.challenge(), first.code(), first.message(), d.decisionId()));
            case DENY -> finish(line, start, "deny", d.status(), first.code(),
                    errors.error(d.status(), first.code(), first.message(), d.decisionId()));
        };
    }

    private HttpResponse unavailable(ServiceRequestContext ctx, HttpRequest req, RequestHeadersBuilder forwarded,
            ObjectNode line, long start, Throwable failure) {
        log.warn("service {}: the PDP ({}) did not answer: {}", service.name(), pdp.describe(), failure.toString());
        line.put("pdp_error", failure.toString());
        count("pep_pdp_unavailable_total", "outcome", service.policy().failOpen() ? "fallback" : "deny");
        if (service.policy().failOpen()) {
            forwarded.set("x-authz-fallback", "pdp-unavailable");
            return finish(line, start, "fallback", 0, null, forward(ctx, req, forwarded));
        }
        return finish(line, start, "deny", 503, "PDP_UNAVAILABLE", errors.error(503, "PDP_UNAVAILABLE",
                "the policy decision point is unavailable; access is denied until it answers", ""));
    }

    private static void addObligations(RequestHeadersBuilder forwarded, Decision d) {
        d.obligationHeaders().forEach((name, value) -> forwarded.set(name, IdentityHeaders.safe(value)));
    }

    private HttpResponse forward(ServiceRequestContext ctx, HttpRequest req, RequestHeadersBuilder headers) {
        for (String h : HOP_BY_HOP) {
            headers.remove(h);
        }
        String clientIp = ctx.remoteAddress().getAddress().getHostAddress();
        String prior = req.headers().get("x-forwarded-for");
        headers.set("x-forwarded-for", prior == null ? clientIp : prior + ", " + clientIp);
        headers.set("x-forwarded-proto", "https");
        headers.set("x-forwarded-host", req.headers().authority() == null ? "" : req.headers().authority());
        headers.path(ctx.query() == null ? ctx.path() : ctx.path() + '?' + ctx.query());
        // The upstream is addressed by its own name (TLS SNI and certificate check follow the authority);
        // the client-facing host travels in x-forwarded-host.
        headers.authority(upstream.uri().getRawAuthority());
        RequestHeaders out = headers.build();
        return upstream.execute(req.withHeaders(out)).recover(failure -> {
            log.warn("service {}: upstream {} failed: {}", service.name(), upstream.uri(), failure.toString());
            return errors.error(502, "UPSTREAM_UNAVAILABLE", "the upstream service did not answer", "");
        });
    }

    private ObjectNode input(ServiceRequestContext ctx, RequestHeaders headers, String sni, String host) {
        ObjectNode in = JsonNodeFactory.instance.objectNode();
        ObjectNode conn = in.putObject("connection");
        conn.put("client_ip", ctx.remoteAddress().getAddress().getHostAddress());
        conn.put("sni", sni);
        SSLSession s = ctx.sslSession();
        if (s != null) {
            conn.put("tls_version", s.getProtocol());
            conn.put("cipher", s.getCipherSuite());
        }
        ObjectNode r = in.putObject("request");
        r.put("method", headers.method().name());
        r.put("path", ctx.path());
        r.put("host", host);
        ObjectNode h = r.putObject("headers");
        for (String name : service.policy().forwardHeaders()) {
            String value = headers.get(name);
            if (value != null && !IdentityHeaders.isIdentityHeader(name)) {
                h.put(name, value);
            }
        }
        // The PDP's MFA provider verifies the bearer token and removes it from the input before the policy
        // and the decision log see it (the decision log masks it otherwise).
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null) {
            h.put("authorization", authorization);
        }
        in.putObject("service").put("id", service.name()).put("profile", service.policy().profile());
        return in;
    }

    private HttpResponse finish(ObjectNode line, long start, String effect, int status, @Nullable String code,
            HttpResponse response) {
        line.put("effect", effect);
        if (status > 0) {
            line.put("status", status);
        }
        if (code != null) {
            line.put("error_code", code);
        }
        line.put("latency_us", (System.nanoTime() - start) / 1000);
        audit.write(line);
        count("pep_requests_total", "effect", effect);
        return response;
    }

    private void count(String name, String tag, String value) {
        registry.counter(name, "service", service.name(), tag, value).increment();
    }

    private static void describe(ObjectNode line, CertificateIdentity id) {
        line.put("subject_dn", id.subjectDn());
        line.put("issuer_dn", id.issuerDn());
        line.put("serial", id.serial());
        line.put("sha256", id.sha256());
        line.put("not_before", id.notBefore().toString());
        line.put("not_after", id.notAfter().toString());
    }

    static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    @Nullable
    static String sni(@Nullable SSLSession session) {
        if (session instanceof ExtendedSSLSession ext) {
            for (SNIServerName name : ext.getRequestedServerNames()) {
                if (name instanceof SNIHostName h) {
                    return h.getAsciiName().toLowerCase(Locale.ROOT);
                }
            }
        }
        return null;
    }

    @Nullable
    static String hostOf(RequestHeaders headers) {
        String authority = headers.authority();
        if (authority == null) {
            authority = headers.get(HttpHeaderNames.HOST);
        }
        if (authority == null || authority.isEmpty()) {
            return null;
        }
        String host = authority;
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(0, end + 1);
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.toLowerCase(Locale.ROOT);
    }

    private static List<X509Certificate> peerChain(@Nullable SSLSession session) {
        if (session == null) {
            return List.of();
        }
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : session.getPeerCertificates()) {
                if (c instanceof X509Certificate x) {
                    out.add(x);
                }
            }
            return out;
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    private static List<byte[]> der(List<X509Certificate> chain) {
        List<byte[]> out = new ArrayList<>(chain.size());
        for (X509Certificate c : chain) {
            try {
                out.add(c.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("a parsed certificate cannot be re-encoded", e);
            }
        }
        return out;
    }
}
