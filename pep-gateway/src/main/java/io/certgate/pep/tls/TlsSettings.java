package io.certgate.pep.tls;

import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.config.VerifyMode;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.cert.X509Certificate;
import java.util.List;

/** TLS settings shared by every service: TLS 1.2 minimum, 1.3 preferred; client auth per verify mode. */
public final class TlsSettings {
    private TlsSettings() {}

    public static void protocols(SslContextBuilder b) {
        b.protocols("TLSv1.3", "TLSv1.2");
    }

    /**
     * Requests a client certificate unless the mode is none, and accepts any at the TLS layer: the
     * verification result becomes an HTTP 401 with the OpenSSL code (or a waived code), not a
     * handshake alert the client cannot read. Only a chain larger than {@code max_chain_bytes} fails
     * the handshake, before any request on the connection is read.
     */
    public static void forService(SslContextBuilder b, ServiceConfig.Mtls mtls, List<X509Certificate> advertised) {
        protocols(b);
        if (mtls.verify() == VerifyMode.NONE) {
            b.clientAuth(ClientAuth.NONE);
            return;
        }
        b.clientAuth(ClientAuth.OPTIONAL);
        b.option(OpenSslContextOption.MAX_CERTIFICATE_LIST_BYTES, mtls.maxChainBytes());
        b.trustManager(new SingleTrustManagerFactory(new AcceptAnyClientTrustManager(advertised)));
    }

    static final class SingleTrustManagerFactory extends io.netty.handler.ssl.util.SimpleTrustManagerFactory {
        private final javax.net.ssl.TrustManager tm;

        SingleTrustManagerFactory(javax.net.ssl.TrustManager tm) {
            this.tm = tm;
        }

        @Override
        protected void engineInit(java.security.KeyStore keyStore) {
            // nothing to load: the trust manager is fixed
        }

        @Override
        protected void engineInit(javax.net.ssl.ManagerFactoryParameters params) {
            // nothing to load: the trust manager is fixed
        }

        @Override
        protected javax.net.ssl.TrustManager[] engineGetTrustManagers() {
            return new javax.net.ssl.TrustManager[] {tm};
        }
    }

}
