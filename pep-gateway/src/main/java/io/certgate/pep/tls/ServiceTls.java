package io.certgate.pep.tls;

import com.linecorp.armeria.client.ClientFactoryBuilder;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.CertificateExpiryMetrics;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.reload.FileWatcher;
import io.certgate.pdp.reload.ReloadRejectedException;
import io.certgate.pdp.reload.TrustMaterial;
import io.certgate.pep.config.ConfigFilesCheck;
import io.certgate.pep.config.ServiceConfig;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The files one service's TLS is made of, each replaceable while serving: the server certificate and key, the
 * client CA bundle and CRLs (through its {@link ClientVerifier}), and the upstream client certificate, key and CA
 * bundle. {@link #watch} registers every group with a {@link FileWatcher}; a changed group is read and validated
 * completely before it replaces the material in use, and rejected as a whole otherwise.
 */
public final class ServiceTls {
    private final ServiceConfig svc;
    private final String at;
    private final ClientVerifier verifier;
    private final ReloadingKeyManager server;
    /** The upstream client certificate; Armeria builds (and caches) one client SslContext per pair. */
    @Nullable
    private final AtomicReference<TlsKeyPair> upstreamClient;
    @Nullable
    private final ReloadingTrustManager upstreamTrust;
    /** Each group's files as they were before being loaded, so a change landing during the load is not missed. */
    private final FileWatcher.Snapshot serverFiles;
    @Nullable
    private final FileWatcher.Snapshot upstreamClientFiles;
    @Nullable
    private final FileWatcher.Snapshot upstreamCaFiles;

    /**
     * @param at the service's location in gateway.yaml, e.g. {@code services[0].}, for messages
     */
    public ServiceTls(ServiceConfig svc, String at, ClientVerifier verifier) throws PemBundleException {
        this.svc = svc;
        this.at = at;
        this.verifier = verifier;
        this.serverFiles = FileWatcher.Snapshot.of(List.of(svc.serverCert(), svc.serverKey()));
        this.server = new ReloadingKeyManager(TlsKeyPair.of(svc.serverKey().toFile(), svc.serverCert().toFile()));
        ServiceConfig.Upstream u = svc.upstream();
        boolean https = "https".equals(u.url().getScheme());
        this.upstreamClientFiles = https && u.clientCert() != null
                ? FileWatcher.Snapshot.of(List.of(u.clientCert(), u.clientKey())) : null;
        this.upstreamClient = upstreamClientFiles != null
                ? new AtomicReference<>(TlsKeyPair.of(u.clientKey().toFile(), u.clientCert().toFile())) : null;
        this.upstreamCaFiles = https && u.caFile() != null ? FileWatcher.Snapshot.of(List.of(u.caFile())) : null;
        try {
            this.upstreamTrust = https && u.caFile() != null
                    ? new ReloadingTrustManager(ChainVerifier.readCertificates(u.caFile())) : null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(at + "upstream.ca_file: " + e.getMessage(), e);
        }
    }

    /** The server certificate and key of new handshakes. */
    public ReloadingKeyManager server() {
        return server;
    }

    /** Applies the upstream client certificate and CA bundle, when the upstream is https and has them. */
    public void configureUpstream(ClientFactoryBuilder factory) {
        Consumer<SslContextBuilder> trust = upstreamTrust == null ? b -> { }
                : b -> b.trustManager(new TlsSettings.SingleTrustManagerFactory(upstreamTrust));
        if (upstreamClient != null) {
            // asked at every new connection, so a reloaded pair is used from the next handshake on
            TlsProvider current = host -> upstreamClient.get();
            factory.tlsProvider(current, ClientTlsConfig.builder().tlsCustomizer(trust).build());
        } else if (upstreamTrust != null) {
            factory.tlsCustomizer(trust);
        }
    }

    /** Registers every file group of this service, each reload also refreshing its expiry series. */
    public void watch(FileWatcher watcher, CertificateExpiryMetrics expiry, Clock clock) {
        String name = svc.name();
        watcher.watch(name, "server_cert", serverFiles, () -> {
            TlsKeyPair pair = keyPair("server_cert", "server_key", svc.serverCert(), svc.serverKey(), clock.instant());
            server.swap(pair);
            expiry.replace("server", name, pair.certificateChain());
        });
        ServiceConfig.Mtls m = svc.mtls();
        if (verifier.loaded() != null) {
            watcher.watch(name, "mtls.ca_file", verifier.loaded(), () -> {
                TrustMaterial t = TrustMaterial.read(at + "mtls.ca_file", m.caFile(), at + "mtls.crl_files",
                        m.crlFiles(), clock.instant());
                verifier.reload(t);
                expiry.replace("ca", name, t.cas());
            });
        }
        ServiceConfig.Upstream u = svc.upstream();
        if (upstreamClient != null) {
            watcher.watch(name, "upstream.client_cert", upstreamClientFiles, () -> {
                TlsKeyPair pair = keyPair("upstream.client_cert", "upstream.client_key", u.clientCert(),
                        u.clientKey(), clock.instant());
                upstreamClient.set(pair);
                expiry.replace("upstream_client", name, pair.certificateChain());
            });
        }
        if (upstreamTrust != null) {
            watcher.watch(name, "upstream.ca_file", upstreamCaFiles, () -> {
                TrustMaterial t = TrustMaterial.read(at + "upstream.ca_file", u.caFile(), at + "upstream.crl_files",
                        List.of(), clock.instant());
                try {
                    upstreamTrust.swap(t.cas());
                } catch (GeneralSecurityException e) {
                    throw new ReloadRejectedException(at + "upstream.ca_file: " + u.caFile() + ": " + e.getMessage(), e);
                }
                expiry.replace("upstream_ca", name, t.cas());
            });
        }
    }

    /**
     * Reads a certificate chain and its key with the checks of {@code config check} (both parse, the key is the
     * leaf's, every certificate is within its validity), then checks the pair as loaded once more, so a file
     * changing between the two reads cannot slip through.
     */
    private TlsKeyPair keyPair(String certKey, String keyKey, Path cert, Path key, Instant now)
            throws ReloadRejectedException {
        List<String> errors = ConfigFilesCheck.keyPairErrors(at + certKey, at + keyKey, cert, key, now);
        if (!errors.isEmpty()) {
            throw new ReloadRejectedException(String.join("; ", errors));
        }
        TlsKeyPair pair;
        try {
            pair = TlsKeyPair.of(key.toFile(), cert.toFile());
        } catch (RuntimeException e) {
            throw new ReloadRejectedException(at + keyKey + ": " + key + ": " + e.getMessage(), e);
        }
        List<X509Certificate> chain = pair.certificateChain();
        if (chain.isEmpty() || !ConfigFilesCheck.matches(pair.privateKey(), chain.get(0))) {
            throw new ReloadRejectedException(at + keyKey + ": " + key + " does not belong to " + at + certKey
                    + " (the files changed while being read; the next change is read again)");
        }
        for (X509Certificate c : chain) {
            if (now.isAfter(c.getNotAfter().toInstant()) || now.isBefore(c.getNotBefore().toInstant())) {
                throw new ReloadRejectedException(at + certKey + ": " + cert + ": " + c.getSubjectX500Principal()
                        + " is not valid now (" + c.getNotBefore().toInstant() + " .. " + c.getNotAfter().toInstant()
                        + ")");
            }
        }
        return pair;
    }
}
