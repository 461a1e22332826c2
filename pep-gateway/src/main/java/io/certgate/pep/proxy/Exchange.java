package io.certgate.pep.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.boundary.CanonicalRequest;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pep.ratelimit.Verdict;
import io.certgate.pep.tls.ClientVerification;
import io.netty.util.AttributeKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the stages of one service's chain learn about a request, in order: the canonical request
 * ({@link Canonicalize}), the client's certificate ({@link ClientCertificateCheck}) and the headers the
 * decision adds ({@link Enforcement}); {@link UpstreamProxy} forwards from it. Confined to the request's
 * event loop, like the context it is attached to.
 */
final class Exchange {
    private static final AttributeKey<Exchange> KEY = AttributeKey.valueOf(Exchange.class, "exchange");

    final long startNanos = System.nanoTime();
    final ObjectNode line;
    @Nullable
    String sni;
    @Nullable
    String authority;
    @Nullable
    CanonicalRequest request;
    @Nullable
    ClientVerification verification;
    @Nullable
    CertificateIdentity identity;
    /** The presented chain's DER encodings, taken once per request (encoding a certificate copies it). */
    @Nullable
    List<byte[]> chainDer;
    /** The tightest rate-limit verdict before the decision (null: no limit applied). */
    @Nullable
    Verdict limit;
    /** SHA-256 (hex) of the API key the request presents ({@link ApiKeyCheck}); the key itself is not kept. */
    @Nullable
    String apiKeyDigest;
    /** Headers for the upstream set by the decision (obligations, x-decision-id, fallback marker). */
    final Map<String, String> decided = new LinkedHashMap<>();

    private Exchange(ObjectNode line) {
        this.line = line;
    }

    static Exchange start(ServiceRequestContext ctx, ObjectNode line) {
        Exchange e = new Exchange(line);
        ctx.setAttr(KEY, e);
        return e;
    }

    static Exchange of(ServiceRequestContext ctx) {
        Exchange e = ctx.attr(KEY);
        if (e == null) {
            throw new IllegalStateException("a gateway stage ran outside EnforcementChain");
        }
        return e;
    }

    CanonicalRequest request() {
        if (request == null) {
            throw new IllegalStateException("the request was not canonicalized");
        }
        return request;
    }
}
