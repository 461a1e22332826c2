package io.certgate.pep.tls;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.OcspChecker;
import io.certgate.pdp.cert.PemBundleException;
import io.certgate.pdp.cert.VerifyResult;
import io.certgate.pdp.cert.X509VerifyCodes;
import io.certgate.pep.config.CaErrorStrategy;
import io.certgate.pep.config.ServiceConfig;
import io.certgate.pep.config.VerifyMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One service's client-certificate policy: OpenSSL-compatible chain verification against its CA
 * bundle and CRLs, then its verify mode and CA error strategy. Results are cached by the chain's
 * fingerprint, never past the earliest notAfter in the chain or a CRL's nextUpdate.
 */
public final class ClientVerifier {
    /** Longest chain a client may present; longer ones are rejected before any parsing work. */
    public static final int MAX_PRESENTED_CHAIN = 10;
    private static final Duration MAX_CACHE_AGE = Duration.ofMinutes(10);

    private final String service;
    private final ServiceConfig.Mtls mtls;
    private final ChainVerifier verifier;
    private final List<X509Certificate> trustAnchors;
    private final List<X509CRL> crls;
    private final Clock clock;
    private final Cache<String, VerifyResult> cache;
    @Nullable
    private final OcspChecker ocsp;

    public ClientVerifier(String service, ServiceConfig.Mtls mtls, Clock clock) throws PemBundleException {
        this.service = service;
        this.ocsp = mtls.ocspEnabled()
                ? OcspChecker.builder().softFail(mtls.ocspSoftFail()).clock(clock).build() : null;
        this.mtls = mtls;
        this.clock = clock;
        this.trustAnchors = mtls.caFile() == null ? List.of() : ChainVerifier.readCertificates(mtls.caFile());
        List<X509CRL> all = new ArrayList<>();
        for (Path crl : mtls.crlFiles()) {
            all.addAll(ChainVerifier.readCrls(crl));
        }
        this.crls = List.copyOf(all);
        ChainVerifier.Builder b = ChainVerifier.builder().trustAnchors(trustAnchors);
        if (!crls.isEmpty()) {
            b.crls(crls);
        }
        this.verifier = b.build();
        this.cache = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfter(Expiry.<String, VerifyResult>creating((k, r) -> lifetime(r)))
                .recordStats()
                .build();
    }

    public ClientVerifier bindTo(MeterRegistry registry) {
        CaffeineCacheMetrics.monitor(registry, cache, "client_verification_" + service);
        if (ocsp != null) {
            ocsp.bindTo(registry);
        }
        return this;
    }

    /** The CAs advertised to clients in the TLS CertificateRequest. */
    public List<X509Certificate> trustAnchors() {
        return trustAnchors;
    }

    public VerifyMode mode() {
        return mtls.verify();
    }

    /**
     * Verifies the chain, then (when the service enables OCSP and the chain verified) asks the
     * leaf's OCSP responder. OCSP is only consulted for verified chains: its URL comes from the
     * certificate, and an unverified certificate must not make the gateway call arbitrary URLs.
     */
    public CompletableFuture<ClientVerification> verifyAsync(List<X509Certificate> presented) {
        ClientVerification v = verify(presented);
        if (ocsp == null || !v.verified() || v.path().size() < 2) {
            return CompletableFuture.completedFuture(v);
        }
        return ocsp.check(v.path().get(0), v.path().get(1)).thenApply(r -> {
            if (r.verifyCode() == 0) {
                return v;
            }
            return new ClientVerification(v.chain(), v.path(), r.verifyCode(), r.verifyMessage(),
                    waived(r.verifyCode()));
        });
    }

    /** Verifies what the client presented (leaf first; empty when nothing), without OCSP. */
    public ClientVerification verify(List<X509Certificate> presented) {
        if (presented.isEmpty() || mtls.verify() == VerifyMode.NONE) {
            return ClientVerification.none(mtls.verify() != VerifyMode.REQUIRED);
        }
        if (presented.size() > MAX_PRESENTED_CHAIN) {
            return new ClientVerification(presented.subList(0, 1), List.of(), 22, "certificate chain too long",
                    waived(22));
        }
        VerifyResult r;
        String key = fingerprint(presented);
        r = key == null ? null : cache.getIfPresent(key);
        Instant now = clock.instant();
        if (r == null || !stillValid(r, presented, now)) {
            try {
                r = verifier.verify(presented, now);
            } catch (IllegalArgumentException e) {
                // decoded by the TLS stack, but not a well-formed certificate (OpenSSL would not parse it): never
                // accepted, whatever the CA error strategy
                return new ClientVerification(presented, List.of(), X509VerifyCodes.UNSPECIFIED,
                        "the client certificate cannot be decoded", false);
            }
            if (key != null) {
                cache.put(key, r);
            }
        }
        return new ClientVerification(presented, r.path(), r.code(), r.message(), r.ok() || waived(r.code()));
    }

    private boolean waived(int code) {
        return mtls.caErrorStrategy() == CaErrorStrategy.IGNORE_ALL
                || (mtls.caErrorStrategy() == CaErrorStrategy.MANUAL_IGNORE_LIST && mtls.ignoreCodes().contains(code));
    }

    private static boolean stillValid(VerifyResult r, List<X509Certificate> presented, Instant now) {
        // A cached "ok" must never outlive any certificate it vouched for (the cache ticks on its own clock).
        for (X509Certificate c : r.ok() ? r.path() : presented) {
            if (!now.isBefore(c.getNotAfter().toInstant())) {
                return false;
            }
        }
        return true;
    }

    private Duration lifetime(VerifyResult r) {
        Instant now = clock.instant();
        Instant until = now.plus(MAX_CACHE_AGE);
        for (X509Certificate c : r.path()) {
            if (c.getNotAfter().toInstant().isBefore(until)) {
                until = c.getNotAfter().toInstant();
            }
        }
        for (X509CRL crl : crls) {
            if (crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isBefore(until)) {
                until = crl.getNextUpdate().toInstant();
            }
        }
        Duration d = Duration.between(now, until);
        return d.isNegative() ? Duration.ZERO : d;
    }

    private static String fingerprint(List<X509Certificate> chain) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (X509Certificate c : chain) {
                md.update(c.getEncoded());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            return null;
        }
    }
}
