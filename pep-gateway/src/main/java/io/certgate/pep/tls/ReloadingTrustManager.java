package io.certgate.pep.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CAs an upstream's server certificate must chain to, replaceable while connections are open: each new
 * handshake is checked by the JDK's PKIX trust manager of the current bundle (host name checks included, as the
 * engine asks for them); pooled connections keep the verdict of their handshake.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private volatile X509ExtendedTrustManager delegate;

    public ReloadingTrustManager(List<X509Certificate> cas) throws GeneralSecurityException {
        this.delegate = pkix(cas);
    }

    /** New handshakes are checked against {@code cas} from now on. */
    public void swap(List<X509Certificate> cas) throws GeneralSecurityException {
        this.delegate = pkix(cas);
    }

    private static X509ExtendedTrustManager pkix(List<X509Certificate> cas) throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        for (int i = 0; i < cas.size(); i++) {
            ks.setCertificateEntry("ca" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK offers no X509ExtendedTrustManager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("an upstream trust manager checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("an upstream trust manager checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("an upstream trust manager checks servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
