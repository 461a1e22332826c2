package io.certgate.pep.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateIdentity;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pep.config.VerifyMode;
import io.certgate.pep.tls.ClientVerification;
import io.certgate.pep.tls.ClientVerifier;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Third stage: verifies the client's certificate chain (off the event loop on a cache miss) and turns it
 * into an identity; a missing certificate on a {@code required} service, an unparseable one, or one that
 * fails verification under the service's CA error strategy ends the request with 401.
 */
final class ClientCertificateCheck implements DecoratingHttpServiceFunction {
    private static final Logger log = LoggerFactory.getLogger(ClientCertificateCheck.class);

    private final ClientVerifier verifier;
    private final CertificateIdentities identities;
    @Nullable
    private final CertificateExpiryMetrics seenClients;
    private final Outcomes outcomes;

    ClientCertificateCheck(ClientVerifier verifier, CertificateIdentities identities,
            @Nullable CertificateExpiryMetrics seenClients, Outcomes outcomes) {
        this.verifier = verifier;
        this.identities = identities;
        this.seenClients = seenClients;
        this.outcomes = outcomes;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) {
        Exchange e = Exchange.of(ctx);
        return HttpResponse.of(verifier.verifyAsync(peerChain(ctx.sslSession())).handleAsync((v, failure) -> {
            if (failure != null) {
                log.error("service {}: client verification failed unexpectedly", outcomes.service(), failure);
                return outcomes.refuse(e, 401, "CERT_UNTRUSTED", "the client certificate could not be verified");
            }
            HttpResponse refused = check(e, v);
            if (refused != null) {
                return refused;
            }
            try {
                return delegate.serve(ctx, req);
            } catch (Exception ex) {
                return HttpResponse.ofFailure(ex);
            }
        }, ctx.eventLoop()));
    }

    @Nullable
    private HttpResponse check(Exchange e, ClientVerification v) {
        e.verification = v;
        if (v.present()) {
            e.line.put("verify_code", v.code());
            try {
                e.chainDer = der(v.chain());
                CertificateIdentity id = identities.identify(e.chainDer);
                if (seenClients != null) {
                    seenClients.seen(outcomes.service(), id);
                }
                describe(e.line, id);
                e.identity = id;
            } catch (CertificateParseException ex) {
                return outcomes.refuse(e, 401, "CERT_MALFORMED", "the client certificate cannot be parsed");
            }
        }
        outcomes.count("pep_client_verify_total", "code", v.present() ? Integer.toString(v.code()) : "none");
        if (!v.present() && verifier.mode() == VerifyMode.REQUIRED) {
            return outcomes.refuse(e, 401, "CERT_REQUIRED", "a client certificate is required for this service");
        }
        if (!v.accepted()) {
            return outcomes.refuse(e, 401, "CERT_UNTRUSTED", "the client certificate failed verification: "
                    + v.message() + " (" + v.code() + ")");
        }
        return null;
    }

    private static void describe(ObjectNode line, CertificateIdentity id) {
        line.put("subject_dn", id.subjectDn());
        line.put("issuer_dn", id.issuerDn());
        line.put("serial", id.serial());
        line.put("sha256", id.sha256());
        line.put("not_before", id.notBefore().toString());
        line.put("not_after", id.notAfter().toString());
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
        } catch (SSLPeerUnverifiedException ex) {
            return List.of();
        }
    }

    static List<byte[]> der(List<X509Certificate> chain) {
        List<byte[]> out = new ArrayList<>(chain.size());
        for (X509Certificate c : chain) {
            try {
                out.add(c.getEncoded());
            } catch (CertificateEncodingException ex) {
                throw new IllegalStateException("a parsed certificate cannot be re-encoded", ex);
            }
        }
        return out;
    }
}
