package io.certgate.pep.tls;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.ClientCertificateVerifier;
import io.certgate.pdp.cert.CrlDistributionPoints;
import io.certgate.pdp.cert.OcspChecker;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.cert.VerifyResult;
import io.certgate.pdp.cert.X509VerifyCodes;
import io.certgate.pdp.reload.FileWatcher;
import io.certgate.pdp.reload.TrustMaterial;
import io.certgate.pep.config.CaErrorStrategy;
import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.config.VerifyMode;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One service's client-certificate policy: the shared {@link ClientCertificateVerifier} (OpenSSL-compatible
 * chain verification against its CA bundle and CRLs, OCSP when enabled), then its verify mode and CA error
 * strategy. The CA bundle and CRLs can be replaced while serving ({@link #reload}): a new verifier is swapped in
 * that reuses no verdict reached with the old trust material (the cache, and its metrics, are shared).
 */
public final class ClientVerifier {
    private final String service;
    private final ServiceConfig.Mtls mtls;
    private final Clock clock;
    @Nullable
    private final OcspChecker ocsp;
    @Nullable
    private final CrlDistributionPoints distributionPoints;
    private final AtomicReference<ClientCertificateVerifier> verifier = new AtomicReference<>();
    /** The CA bundle and CRLs as they were before they were read; null without a CA bundle. */
    @Nullable
    private final FileWatcher.Snapshot loaded;

    public ClientVerifier(String service, ServiceConfig.Mtls mtls, Clock clock) throws PemBundleException {
        this.service = service;
        this.mtls = mtls;
        this.clock = clock;
        // one OCSP checker (and cache) for every generation of the trust material
        this.ocsp = mtls.ocspEnabled() ? OcspChecker.builder().softFail(mtls.ocspSoftFail()).clock(clock).build() : null;
        List<Path> files = new ArrayList<>();
        if (mtls.caFile() != null) {
            files.add(mtls.caFile());
        }
        files.addAll(mtls.crlFiles());
        this.loaded = mtls.caFile() == null ? null : FileWatcher.Snapshot.of(files);
        List<X509CRL> crls = new ArrayList<>();
        for (Path crl : mtls.crlFiles()) {
            crls.addAll(ChainVerifier.readCrls(crl));
        }
        List<X509Certificate> cas = mtls.caFile() == null ? List.of() : ChainVerifier.readCertificates(mtls.caFile());
        CrlDistributionPoints.Settings dp = mtls.crlDistributionPoints();
        // like OCSP, one for every generation: its fetched CRLs and metrics outlive a reload
        this.distributionPoints = dp == null ? null : CrlDistributionPoints.builder(dp).trustAnchors(cas).clock(clock).build();
        verifier.set(build(cas, crls));
    }

    private ClientCertificateVerifier build(List<X509Certificate> cas, List<X509CRL> crls) {
        return ClientCertificateVerifier.builder().trustAnchors(cas).crls(crls).crlDistributionPoints(distributionPoints)
                .ocsp(ocsp).clock(clock).build();
    }

    public ClientVerifier bindTo(MeterRegistry registry) {
        // every generation shares this chain cache (see reload)
        verifier.get().bindTo(registry, "client_verification_" + service);
        return this;
    }

    /** The CA bundle and CRL files and their content before they were loaded, for {@link FileWatcher#watch}. */
    @Nullable
    public FileWatcher.Snapshot loaded() {
        return loaded;
    }

    /** Verifies with {@code material} from now on; verdicts cached with the previous material are dropped. */
    public void reload(TrustMaterial material) {
        verifier.set(verifier.get().reloaded(material.cas(), material.crls()));
    }

    /** The CAs advertised to clients in the TLS CertificateRequest (those configured at start). */
    public List<X509Certificate> trustAnchors() {
        return verifier.get().trustAnchors();
    }

    public VerifyMode mode() {
        return mtls.verify();
    }

    /**
     * Verifies what the client presented (leaf first; empty when nothing), OCSP included when the service
     * enables it (see {@link ClientCertificateVerifier#verifyAsync}).
     */
    public CompletableFuture<ClientVerification> verifyAsync(List<X509Certificate> presented) {
        if (presented.isEmpty() || mtls.verify() == VerifyMode.NONE) {
            return CompletableFuture.completedFuture(ClientVerification.none(mtls.verify() != VerifyMode.REQUIRED));
        }
        // Longer chains are not verified at all, as OpenSSL does past its verify depth; only the leaf is described.
        if (presented.size() > mtls.maxChainDepth()) {
            int tooLong = X509VerifyCodes.CERT_CHAIN_TOO_LONG;
            return CompletableFuture.completedFuture(new ClientVerification(presented.subList(0, 1), List.of(),
                    tooLong, X509VerifyCodes.message(tooLong), waived(tooLong)));
        }
        try {
            return verifier.get().verifyAsync(presented).thenApply(r -> outcome(presented, r));
        } catch (IllegalArgumentException e) {
            // decoded by the TLS stack, but not a well-formed certificate (OpenSSL would not parse it): never
            // accepted, whatever the CA error strategy
            return CompletableFuture.completedFuture(new ClientVerification(presented, List.of(),
                    X509VerifyCodes.UNSPECIFIED, "the client certificate cannot be decoded", false));
        }
    }

    private ClientVerification outcome(List<X509Certificate> presented, VerifyResult r) {
        return new ClientVerification(presented, r.path(), r.code(), r.message(), r.ok() || waived(r.code()));
    }

    private boolean waived(int code) {
        return mtls.caErrorStrategy() == CaErrorStrategy.IGNORE_ALL
                || (mtls.caErrorStrategy() == CaErrorStrategy.MANUAL_IGNORE_LIST && mtls.ignoreCodes().contains(code));
    }
}
