package io.certgate.pep.tls;

import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.annotation.Nullable;
import io.netty.handler.ssl.util.SimpleKeyManagerFactory;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A certificate and key that can be replaced while serving: each handshake asks for the current pair, so new
 * handshakes present the new certificate while established connections keep theirs. The SslContext stays the
 * same (Netty's OpenSSL and JDK engines both ask a plain key manager at every handshake). Every generation has
 * its own alias, so a handshake that chose a pair just before a swap still gets that pair's key and chain.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private record Generation(String alias, PrivateKey key, X509Certificate[] chain) {}

    private final AtomicLong generations = new AtomicLong();
    private volatile Generation current;
    private volatile Generation previous;

    public ReloadingKeyManager(TlsKeyPair initial) {
        this.current = generation(initial);
        this.previous = current;
    }

    private Generation generation(TlsKeyPair pair) {
        return new Generation("g" + generations.incrementAndGet(), jdkKey(pair.privateKey()),
                pair.certificateChain().stream().map(ReloadingKeyManager::jdkCertificate)
                        .toArray(X509Certificate[]::new));
    }

    /**
     * The JDK's TLS engine (used where OpenSSL is unavailable, e.g. a container whose /tmp is noexec) only takes a
     * key and certificate whose algorithm names are its own ("EC", not BouncyCastle's "ECDSA"): re-read both with
     * the JDK's providers.
     */
    private static PrivateKey jdkKey(PrivateKey key) {
        String alg = key.getAlgorithm().equals("ECDSA") ? "EC" : key.getAlgorithm();
        try {
            return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
        } catch (GeneralSecurityException | RuntimeException e) {
            return key; // a type the JDK cannot read: the TLS stack decides
        }
    }

    private static X509Certificate jdkCertificate(X509Certificate c) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509", "SUN")
                    .generateCertificate(new ByteArrayInputStream(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            return c;
        }
    }

    /** New handshakes use {@code next} from now on. */
    public synchronized void swap(TlsKeyPair next) {
        Generation g = generation(next);
        previous = current;
        current = g;
    }

    /** The leaf certificate new handshakes present. */
    public X509Certificate certificate() {
        return current.chain[0];
    }

    /** A factory handing out this key manager, for {@code tls(KeyManagerFactory)}. */
    public KeyManagerFactory factory() {
        return new SingleKeyManagerFactory(this);
    }

    @Nullable
    private Generation byAlias(@Nullable String alias) {
        Generation c = current;
        if (c.alias.equals(alias)) {
            return c;
        }
        Generation p = previous;
        return p.alias.equals(alias) ? p : null;
    }

    @Nullable
    private String alias(@Nullable String keyType) {
        Generation c = current;
        return fits(c.key, keyType) ? c.alias : null;
    }

    /** Whether a key suits a requested type ({@code RSA}, {@code EC}, or TLS 1.2's {@code EC_EC}, {@code EC_RSA}). */
    private static boolean fits(PrivateKey key, @Nullable String keyType) {
        if (keyType == null) {
            return true;
        }
        String alg = key.getAlgorithm().toUpperCase(Locale.ROOT);
        String type = keyType.toUpperCase(Locale.ROOT);
        if (alg.equals("RSA") || alg.equals("EC")) {
            return type.equals(alg) || type.startsWith(alg + "_");
        }
        return true; // e.g. Ed25519: the TLS stack decides
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseClientAlias(keyTypes, issuers, null);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        if (keyTypes == null || keyTypes.length == 0) {
            return current.alias;
        }
        for (String t : keyTypes) {
            String a = alias(t);
            if (a != null) {
                return a;
            }
        }
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String a = alias(keyType);
        return a == null ? null : new String[] {a};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return getServerAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Generation g = byAlias(alias);
        return g == null ? null : g.chain.clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Generation g = byAlias(alias);
        return g == null ? null : g.key;
    }

    private static final class SingleKeyManagerFactory extends SimpleKeyManagerFactory {
        private final KeyManager km;

        SingleKeyManagerFactory(KeyManager km) {
            this.km = km;
        }

        @Override
        protected void engineInit(KeyStore keyStore, char[] password) {
            // nothing to load: the key manager is given
        }

        @Override
        protected void engineInit(ManagerFactoryParameters params) {
            // nothing to load: the key manager is given
        }

        @Override
        protected KeyManager[] engineGetKeyManagers() {
            return new KeyManager[] {km};
        }
    }
}
