package io.certgate.pep.tls;

import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/**
 * Accepts every client certificate at the TLS layer, so the handshake never fails on a bad chain:
 * the gateway verifies the chain itself after the handshake and answers with a JSON 401 carrying the
 * OpenSSL code, or lets the request go on under a lenient CA error strategy. The service's CAs are
 * still advertised in the CertificateRequest, so clients pick the right certificate.
 */
final class AcceptAnyClientTrustManager implements X509TrustManager {
    private final X509Certificate[] advertised;

    AcceptAnyClientTrustManager(List<X509Certificate> advertised) {
        this.advertised = advertised.toArray(X509Certificate[]::new);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // verified after the handshake by ClientVerifier
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
        throw new UnsupportedOperationException("server-side trust manager");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return advertised.clone();
    }
}
