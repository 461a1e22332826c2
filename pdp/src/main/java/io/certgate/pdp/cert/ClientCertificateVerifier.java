package io.certgate.pdp.cert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.linecorp.armeria.common.annotation.Nullable;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verifies a client certificate chain the way every certgate entry point does (the gateway's services, and the
 * PDP's forward-auth and ext_authz with {@code interop.verify_ca_file}): {@link ChainVerifier} against a CA bundle
 * and, when configured, CRLs ({@code openssl verify -crl_check}); then, for a chain that verified, the CRL of the
 * leaf's distribution point when {@link CrlDistributionPoints} are configured, and the leaf's OCSP responder when
 * OCSP is enabled. A revoked certificate is 23 ({@code certificate revoked}) either way.
 *
 * <pre>{@code
 * ClientCertificateVerifier v = ClientCertificateVerifier.builder()
 *         .trustAnchors(ChainVerifier.readCertificates(caFile))
 *         .crls(ChainVerifier.readCrls(crlFile))                        // optional
 *         .crlDistributionPoints(CrlDistributionPoints.builder(settings).build()) // optional
 *         .ocsp(OcspChecker.builder().softFail(true).clock(clock).build()) // optional
 *         .clock(clock)
 *         .build()
 *         .bindTo(registry, "client_verification_partner-api");
 * v.verifyAsync(presented).thenAccept(r -> ...);                       // r.code() == 0 when verified
 * }</pre>
 *
 * <p>Chain results are cached by the chain's SHA-256, never past the earliest notAfter of the chain or a CRL's
 * nextUpdate, and at most 10 minutes; OCSP answers are cached by the {@link OcspChecker}. The chain is checked on the
 * calling thread; an OCSP exchange completes on Armeria's event loops, a first CRL fetch on the blocking task
 * executor. Instances are thread-safe.
 */
public final class ClientCertificateVerifier {
    /** Longest chain a client may present; longer ones fail with 22 before any parsing work. */
    public static final int MAX_PRESENTED_CHAIN = 10;
    private static final Duration MAX_CACHE_AGE = Duration.ofMinutes(10);

    private final ChainVerifier verifier;
    private final List<X509CRL> crls;
    @Nullable
    private final CrlDistributionPoints distributionPoints;
    @Nullable
    private final OcspChecker ocsp;
    private final Clock clock;
    /** Shared by every generation of the trust material (see {@link #reloaded}), so its metrics go on. */
    private final Cache<String, Cached> cache;
    private final AtomicLong generations;
    /** Prefixes this generation's cache keys: a verdict reached with other trust material is never served. */
    private final long generation;

    /** A verdict and how long it may be served, decided by the generation that reached it (its CRLs). */
    private record Cached(VerifyResult result, Duration lifetime) {}

    private ClientCertificateVerifier(Builder b) {
        this(b, Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfter(Expiry.<String, Cached>creating((k, c) -> c.lifetime()))
                .recordStats()
                .build(), new AtomicLong());
    }

    private ClientCertificateVerifier(Builder b, Cache<String, Cached> cache, AtomicLong generations) {
        this.crls = b.crls;
        this.distributionPoints = b.distributionPoints;
        this.ocsp = b.ocsp;
        this.clock = b.clock;
        ChainVerifier.Builder chain = ChainVerifier.builder().trustAnchors(b.trustAnchors);
        if (!crls.isEmpty()) {
            chain.crls(crls);
        }
        this.verifier = chain.build();
        this.cache = cache;
        this.generations = generations;
        this.generation = generations.incrementAndGet();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Exports the chain cache as {@code cache_*{cache="<cacheName>"}}, the OCSP cache as {@code cache="ocsp"} and
     * the distribution point CRLs as {@code certgate_crl_*{source="<cacheName>"}}.
     */
    public ClientCertificateVerifier bindTo(MeterRegistry registry, String cacheName) {
        CaffeineCacheMetrics.monitor(registry, cache, cacheName);
        if (distributionPoints != null) {
            distributionPoints.bindTo(registry, cacheName);
        }
        if (ocsp != null) {
            ocsp.bindTo(registry);
        }
        return this;
    }

    /**
     * A verifier of new trust material with this one's distribution points, OCSP checker, clock and chain cache
     * (so the cache metrics bound by {@link #bindTo} follow it). Verdicts of earlier generations are dropped, and
     * never served by the new verifier even when an earlier one stores one later.
     */
    public ClientCertificateVerifier reloaded(List<X509Certificate> trustAnchors, List<X509CRL> crls) {
        ClientCertificateVerifier next = new ClientCertificateVerifier(builder().trustAnchors(trustAnchors).crls(crls)
                .crlDistributionPoints(distributionPoints).ocsp(ocsp).clock(clock), cache, generations);
        cache.invalidateAll();
        return next;
    }

    /** The configured CA bundle, in the order given. */
    public List<X509Certificate> trustAnchors() {
        return verifier.trustAnchors();
    }

    /**
     * Verifies {@code presented} (leaf first, as sent), then, when the chain verified, checks the leaf against the
     * CRL of its distribution point (when configured) and asks its OCSP responder (when enabled). Both are only
     * consulted for verified chains: their URLs come from the certificate, and an unverified certificate must
     * not make certgate call arbitrary URLs. The future never completes exceptionally.
     *
     * @throws IllegalArgumentException if {@code presented} is empty
     */
    public CompletableFuture<VerifyResult> verifyAsync(List<X509Certificate> presented) {
        VerifyResult r = verify(presented);
        if (!r.ok() || r.path().size() < 2) {
            return CompletableFuture.completedFuture(r);
        }
        CompletableFuture<VerifyResult> crl = distributionPoints == null ? CompletableFuture.completedFuture(r)
                : distributionPoints.check(r.path())
                        .thenApply(code -> code == X509VerifyCodes.OK ? r : VerifyResult.failed(code, 0, r.path()));
        if (ocsp == null) {
            return crl;
        }
        return crl.thenCompose(c -> !c.ok() ? CompletableFuture.completedFuture(c)
                : ocsp.check(r.path().get(0), r.path().get(1))
                        .thenApply(o -> o.ok() ? r : VerifyResult.failed(o.verifyCode(), 0, r.path())));
    }

    /**
     * Verifies {@code presented} against the CA bundle and CRLs, without OCSP.
     *
     * @throws IllegalArgumentException if {@code presented} is empty
     */
    public VerifyResult verify(List<X509Certificate> presented) {
        Objects.requireNonNull(presented, "presented");
        if (presented.isEmpty()) {
            throw new IllegalArgumentException("the presented chain is empty: there is no certificate to verify");
        }
        if (presented.size() > MAX_PRESENTED_CHAIN) {
            return VerifyResult.failed(X509VerifyCodes.CERT_CHAIN_TOO_LONG, MAX_PRESENTED_CHAIN, List.of());
        }
        String sha256 = fingerprint(presented);
        String key = sha256 == null ? null : generation + "/" + sha256;
        Cached c = key == null ? null : cache.getIfPresent(key);
        VerifyResult r = c == null ? null : c.result();
        Instant now = clock.instant();
        if (r == null || !stillValid(r, presented, now)) {
            r = verifier.verify(presented, now);
            if (key != null) {
                cache.put(key, new Cached(r, lifetime(r)));
            }
        }
        return r;
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

    @Nullable
    private static String fingerprint(List<X509Certificate> chain) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (X509Certificate c : chain) {
                md.update(c.getEncoded());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            return null; // verified every time instead of cached
        }
    }

    /** Configures a {@link ClientCertificateVerifier}. */
    public static final class Builder {
        private List<X509Certificate> trustAnchors = List.of();
        private List<X509CRL> crls = List.of();
        @Nullable
        private CrlDistributionPoints distributionPoints;
        @Nullable
        private OcspChecker ocsp;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** The CA bundle ({@code -CAfile}); see {@link ChainVerifier.Builder#trustAnchors(List)}. */
        public Builder trustAnchors(List<X509Certificate> trustAnchors) {
            this.trustAnchors = List.copyOf(trustAnchors);
            return this;
        }

        /** CRLs ({@code -crl_check -CRLfile}); a non-empty list turns on revocation checking of the leaf. */
        public Builder crls(List<X509CRL> crls) {
            this.crls = List.copyOf(crls);
            return this;
        }

        /** Checks the leaves of verified chains against their distribution points' CRLs (default: not). */
        public Builder crlDistributionPoints(@Nullable CrlDistributionPoints distributionPoints) {
            this.distributionPoints = distributionPoints;
            return this;
        }

        /** Asks the leaf's OCSP responder about verified chains (default: no OCSP). */
        public Builder ocsp(@Nullable OcspChecker ocsp) {
            this.ocsp = ocsp;
            return this;
        }

        /** The clock chains are verified and cache entries aged by (default the system clock, UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ClientCertificateVerifier build() {
            return new ClientCertificateVerifier(this);
        }
    }
}
