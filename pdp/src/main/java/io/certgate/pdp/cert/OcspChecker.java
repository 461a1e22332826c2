package io.certgate.pdp.cert;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ResponseTimeoutException;
import com.linecorp.armeria.client.ResponseTimeoutMode;
import com.linecorp.armeria.client.UnprocessedRequestException;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.annotation.Nullable;
import com.linecorp.armeria.common.util.Exceptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.io.IOException;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.ocsp.ResponderID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * Non-blocking OCSP revocation checking of client certificates (RFC 6960), for {@code ocsp: {enabled, soft_fail}}
 * of the gateway.
 *
 * <pre>{@code
 * OcspChecker ocsp = OcspChecker.builder().clientFactory(factory).timeout(Duration.ofSeconds(2))
 *         .softFail(true).build().bindTo(meterRegistry);
 * ocsp.check(leaf, issuer).thenAccept(r -> {      // r.verifyCode(): 0, 23, 74 or 75
 *     if (r.softFailed()) log.warn("OCSP soft-failed: {}", r.message());
 * });
 * }</pre>
 *
 * <p>{@link #check} POSTs an {@code application/ocsp-request} with a fresh 32-byte nonce (RFC 8954) to the first
 * http(s) id-ad-ocsp URL of the leaf's authorityInfoAccess extension. The CertID uses SHA-1, as RFC 5019 responders
 * require. A response counts only if all of these hold, otherwise the result is {@link OcspResult.Status#ERROR}
 * (never GOOD):
 * <ul>
 *   <li>HTTP 200 and a DER OCSPResponse with status successful and a basic response;</li>
 *   <li>the signer is named by the responderID (by name or by key hash) and is either the issuer itself or a
 *       delegated responder certificate included in the response that the issuer signed, whose
 *       extendedKeyUsage contains id-kp-OCSPSigning and that is valid now; the response signature verifies with
 *       the signer's key. (A delegated responder's own revocation status is not checked, as id-pkix-ocsp-nocheck
 *       allows and as OpenSSL does.);</li>
 *   <li>the nonce is echoed unchanged when the response carries one (responders that pre-sign answers carry
 *       none, which is accepted);</li>
 *   <li>a SingleResponse covers the leaf: its CertID has the leaf's serial and the issuer's name and key hashes
 *       (whatever hash algorithm the responder used);</li>
 *   <li>thisUpdate is not after now + {@link Builder#clockSkew(Duration) clockSkew}, nextUpdate (when present)
 *       is not before thisUpdate and not before now - clockSkew, like OpenSSL's {@code OCSP_check_validity}.</li>
 * </ul>
 *
 * <p>Caching, keyed by the issuer's key hash and the leaf's serial (Caffeine {@link AsyncCache}, so concurrent
 * checks of the same certificate share one request and its result):
 * <ul>
 *   <li>GOOD and REVOKED are kept until the response's nextUpdate, but at most {@link Builder#maxCacheTime}
 *       (default 1 h, also the lifetime when the response has no nextUpdate) — never past nextUpdate;</li>
 *   <li>UNKNOWN and ERROR are kept for {@link Builder#errorCacheTime} only: by default not at all (only callers
 *       waiting for the same in-flight request share it). Setting a few seconds avoids hammering a dead or
 *       slow responder, at the price of reporting a recovered one a little later.</li>
 * </ul>
 * Freshness is judged against the configured {@link Clock} (and Caffeine's own ticker), so a cached answer never
 * outlives its nextUpdate even when the clock is moved by a test or a "what if" replay.
 *
 * <p>Only check certificates whose chain has verified, with the issuer from the verified path: the responder URL
 * comes from the certificate, so checking an unverified certificate would let anybody make the gateway POST to
 * a URL of their choice.
 *
 * <p>Instances are thread-safe.
 */
public final class OcspChecker {
    /** The default {@link Builder#timeout(Duration)}: the whole exchange, connecting included. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** The default {@link Builder#maxCacheTime(Duration)}. */
    public static final Duration DEFAULT_MAX_CACHE_TIME = Duration.ofHours(1);
    /** The default {@link Builder#clockSkew(Duration)}: OpenSSL's default OCSP validity slack. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMinutes(5);
    /** The longest {@link Builder#errorCacheTime(Duration)} allowed. */
    public static final Duration MAX_ERROR_CACHE_TIME = Duration.ofSeconds(60);
    /** The default {@link Builder#cacheSize(long)}. */
    public static final long DEFAULT_CACHE_SIZE = 10_000;
    /** Responses larger than this are rejected (real ones are a few KiB, with certificates). */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024;

    static final MediaType OCSP_REQUEST = MediaType.create("application", "ocsp-request");
    static final MediaType OCSP_RESPONSE = MediaType.create("application", "ocsp-response");
    private static final String OCSP_SIGNING = KeyPurposeId.id_kp_OCSPSigning.getId();
    private static final int NONCE_BYTES = 32;
    private static final HexFormat HEX = HexFormat.of();
    static final String NO_RESPONDER = "no OCSP responder in the certificate's AIA extension";

    private final WebClient client;
    private final Duration timeout;
    private final boolean softFail;
    private final Clock clock;
    private final Duration maxCacheTime;
    private final Duration errorCacheTime;
    private final Duration clockSkew;
    private final AsyncCache<Key, Cached> cache;
    private final DigestCalculatorProvider digests;
    private final SecureRandom random = new SecureRandom();

    /** The cache key: the issuer's key hash (SHA-1 of its public key, as in the CertID) and the leaf's serial. */
    private record Key(String issuerKeyHash, BigInteger serial) {
    }

    /** A result and, by the injected clock, when it stops being usable. */
    private record Cached(OcspResult result, Instant expiresAt) {
    }

    /** A response that must not be believed; the message says why. */
    private static final class Rejected extends Exception {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    private OcspChecker(Builder b) {
        this.timeout = b.timeout;
        this.softFail = b.softFail;
        this.clock = b.clock;
        this.maxCacheTime = b.maxCacheTime;
        this.errorCacheTime = b.errorCacheTime;
        this.clockSkew = b.clockSkew;
        this.client = WebClient.builder()
                .factory(b.clientFactory)
                .responseTimeout(b.timeout)
                .responseTimeoutMode(ResponseTimeoutMode.FROM_START) // connecting counts against the timeout too
                .maxResponseLength(MAX_RESPONSE_BYTES)
                .build();
        this.cache = Caffeine.newBuilder()
                .maximumSize(b.cacheSize)
                .expireAfter(new Expiry<Key, Cached>() {
                    @Override
                    public long expireAfterCreate(Key key, Cached value, long currentTime) {
                        return remainingNanos(value);
                    }

                    @Override
                    public long expireAfterUpdate(Key key, Cached value, long currentTime, long currentDuration) {
                        return remainingNanos(value);
                    }

                    @Override
                    public long expireAfterRead(Key key, Cached value, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .recordStats()
                .buildAsync();
        try {
            this.digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("SHA-1 digests are required by the JDK", e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Exports size, hits, misses and evictions as {@code cache_*{cache="ocsp"}}. */
    public OcspChecker bindTo(MeterRegistry registry) {
        CaffeineCacheMetrics.monitor(registry, cache, "ocsp");
        return this;
    }

    /** Whether UNKNOWN and ERROR are reported as 0 (with {@link OcspResult#softFailed()}). */
    public boolean softFail() {
        return softFail;
    }

    /** The number of cached answers (approximate, includes in-flight requests). */
    public long cachedEntries() {
        return cache.synchronous().estimatedSize();
    }

    /**
     * The revocation status of {@code leaf}, issued by {@code issuer}. The future never completes exceptionally:
     * every failure is an {@link OcspResult.Status#ERROR} result, whose {@link OcspResult#verifyCode()} follows the
     * soft-fail setting.
     *
     * @throws IllegalArgumentException if {@code issuer}'s subject is not {@code leaf}'s issuer name
     */
    public CompletableFuture<OcspResult> check(X509Certificate leaf, X509Certificate issuer) {
        Objects.requireNonNull(leaf, "leaf");
        Objects.requireNonNull(issuer, "issuer");
        if (!leaf.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            throw new IllegalArgumentException("the given issuer " + issuer.getSubjectX500Principal()
                    + " is not the issuer " + leaf.getIssuerX500Principal() + " named by certificate serial "
                    + CertificateIdentities.serialHex(leaf.getSerialNumber()));
        }
        CertificateID certId;
        X509CertificateHolder issuerHolder;
        try {
            issuerHolder = new JcaX509CertificateHolder(issuer);
            certId = new CertificateID(digests.get(CertificateID.HASH_SHA1), issuerHolder, leaf.getSerialNumber());
        } catch (CertificateException | OCSPException | OperatorCreationException e) {
            return CompletableFuture.completedFuture(OcspResult.error("cannot build the OCSP CertID of certificate "
                    + "serial " + CertificateIdentities.serialHex(leaf.getSerialNumber()) + ": " + e.getMessage(),
                    null, softFail));
        }
        Key key = new Key(HEX.formatHex(certId.getIssuerKeyHash()), leaf.getSerialNumber());

        // Caffeine expires by its own ticker; this holds the nextUpdate promise against the injected clock too.
        CompletableFuture<Cached> present = cache.asMap().get(key); // a Map read: not counted as hit or miss
        if (present != null && present.isDone() && !present.isCompletedExceptionally()
                && !clock.instant().isBefore(present.join().expiresAt())) {
            cache.asMap().remove(key, present);
        }
        return cache.get(key, (k, executor) -> fetch(leaf, issuer, issuerHolder, certId))
                .thenApply(Cached::result);
    }

    // ------------------------------------------------------------------ the exchange

    private CompletableFuture<Cached> fetch(X509Certificate leaf, X509Certificate issuer,
            X509CertificateHolder issuerHolder, CertificateID certId) {
        String serial = CertificateIdentities.serialHex(leaf.getSerialNumber());
        String url;
        try {
            url = responderUrl(leaf);
        } catch (Rejected e) {
            return CompletableFuture.completedFuture(cached(OcspResult.error(e.getMessage(), null, softFail)));
        }
        if (url == null) {
            return CompletableFuture.completedFuture(cached(OcspResult.error(NO_RESPONDER, null, softFail)));
        }
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            // RFC 8954: the extnValue holds an OCTET STRING with the nonce
            Extension nonceExtension = new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
                    new DEROctetString(nonce).getEncoded());
            byte[] request = new OCSPReqBuilder().addRequest(certId)
                    .setRequestExtensions(new Extensions(nonceExtension)).build().getEncoded();
            return client.prepare().post(url)
                    .header(HttpHeaderNames.ACCEPT, OCSP_RESPONSE.toString())
                    .content(OCSP_REQUEST, request)
                    .execute()
                    .aggregate()
                    .handle((response, failure) -> {
                        OcspResult r;
                        if (failure != null) {
                            r = OcspResult.error(describe(failure, url), url, softFail);
                        } else {
                            r = evaluate(response, url, serial, issuer, issuerHolder, certId, nonceExtension);
                        }
                        return cached(r);
                    });
        } catch (IOException | OCSPException | RuntimeException e) { // e.g. a URL Armeria cannot parse
            return CompletableFuture.completedFuture(cached(OcspResult.error("cannot send an OCSP request to "
                    + url + ": " + e.getMessage(), url, softFail)));
        }
    }

    private OcspResult evaluate(AggregatedHttpResponse response, String url, String serial, X509Certificate issuer,
            X509CertificateHolder issuerHolder, CertificateID certId, Extension nonce) {
        try {
            if (!response.status().equals(HttpStatus.OK)) {
                throw new Rejected("OCSP responder " + url + " answered HTTP " + response.status().code());
            }
            BasicOCSPResp basic = parse(response.content().array(), url);
            Instant now = clock.instant();
            verifySigner(basic, issuer, url, now);
            Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
            if (echoed != null && !echoed.getExtnValue().equals(nonce.getExtnValue())) {
                throw new Rejected("the response of OCSP responder " + url + " carries a nonce other than the "
                        + "request's (a replayed or misrouted response)");
            }
            SingleResp single = find(basic, certId, issuerHolder, url, serial);
            Instant thisUpdate = single.getThisUpdate().toInstant();
            Instant nextUpdate = single.getNextUpdate() == null ? null : single.getNextUpdate().toInstant();
            if (thisUpdate.isAfter(now.plus(clockSkew))) {
                throw new Rejected("the response of OCSP responder " + url + " for serial " + serial
                        + " is not yet valid: thisUpdate " + thisUpdate + " is after now " + now);
            }
            if (nextUpdate != null && nextUpdate.isBefore(thisUpdate)) {
                throw new Rejected("the response of OCSP responder " + url + " for serial " + serial
                        + " has nextUpdate " + nextUpdate + " before thisUpdate " + thisUpdate);
            }
            if (nextUpdate != null && nextUpdate.isBefore(now.minus(clockSkew))) {
                throw new Rejected("the response of OCSP responder " + url + " for serial " + serial
                        + " has expired: nextUpdate " + nextUpdate + " is before now " + now);
            }
            CertificateStatus status = single.getCertStatus();
            if (status == CertificateStatus.GOOD) {
                return OcspResult.good(thisUpdate, nextUpdate, url);
            }
            if (status instanceof RevokedStatus revoked) {
                Integer reason = revoked.hasRevocationReason() ? revoked.getRevocationReason() : null;
                return OcspResult.revoked(revoked.getRevocationTime().toInstant(), reason, thisUpdate, nextUpdate,
                        url, serial);
            }
            if (status instanceof UnknownStatus) {
                return OcspResult.unknown(thisUpdate, nextUpdate, url, serial, softFail);
            }
            throw new Rejected("OCSP responder " + url + " sent an unrecognised certificate status for serial "
                    + serial);
        } catch (Rejected e) {
            return OcspResult.error(e.getMessage(), url, softFail);
        } catch (RuntimeException e) { // malformed ASN.1 deep inside a structure that parsed on the surface
            return OcspResult.error("OCSP responder " + url + " sent a malformed response: " + e, url, softFail);
        }
    }

    private static BasicOCSPResp parse(byte[] body, String url) throws Rejected {
        OCSPResp resp;
        try {
            resp = new OCSPResp(body);
        } catch (IOException | RuntimeException e) {
            throw new Rejected("OCSP responder " + url + " sent a malformed response (" + body.length + " bytes): "
                    + e.getMessage());
        }
        if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
            throw new Rejected("OCSP responder " + url + " refused the request: " + responseStatus(resp.getStatus()));
        }
        try {
            if (resp.getResponseObject() instanceof BasicOCSPResp basic) {
                return basic;
            }
        } catch (OCSPException | RuntimeException e) {
            throw new Rejected("OCSP responder " + url + " sent a malformed basic response: " + e.getMessage());
        }
        throw new Rejected("OCSP responder " + url + " sent no basic OCSP response (id-pkix-ocsp-basic)");
    }

    /** Finds the signer named by the responderID, checks that it may speak for the issuer and the signature. */
    private static void verifySigner(BasicOCSPResp basic, X509Certificate issuer, String url, Instant now)
            throws Rejected {
        ResponderID responderId = basic.getResponderId().toASN1Primitive();
        X509Certificate signer = null;
        if (names(responderId, issuer)) {
            signer = issuer;
        } else {
            for (X509CertificateHolder holder : basic.getCerts()) {
                X509Certificate candidate;
                try {
                    candidate = new JcaX509CertificateConverter().getCertificate(holder);
                } catch (CertificateException | RuntimeException e) {
                    continue; // an undecodable extra certificate cannot be the signer
                }
                if (names(responderId, candidate)) {
                    signer = candidate;
                    break;
                }
            }
            if (signer == null) {
                throw new Rejected("the response of OCSP responder " + url + " is signed by " + describe(responderId)
                        + ", which is neither the issuer " + issuer.getSubjectX500Principal()
                        + " nor a certificate included in the response");
            }
            checkDelegate(signer, issuer, url, now);
        }
        if (!signatureValid(basic, signer.getPublicKey())) {
            throw new Rejected("the signature of the response of OCSP responder " + url + " does not verify with "
                    + "the key of " + (signer == issuer ? "the issuer " : "the responder certificate ")
                    + signer.getSubjectX500Principal());
        }
    }

    /** RFC 6960 4.2.2.2: a delegated responder is issued directly by the CA and has id-kp-OCSPSigning. */
    private static void checkDelegate(X509Certificate responder, X509Certificate issuer, String url, Instant now)
            throws Rejected {
        String what = "the responder certificate " + responder.getSubjectX500Principal() + " of OCSP responder " + url;
        if (!responder.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            throw new Rejected(what + " is issued by " + responder.getIssuerX500Principal() + ", not by the "
                    + "certificate's issuer " + issuer.getSubjectX500Principal());
        }
        try {
            responder.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Rejected(what + " is not signed by the issuer " + issuer.getSubjectX500Principal());
        }
        List<String> eku;
        try {
            eku = responder.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new Rejected(what + " has a malformed extendedKeyUsage extension");
        }
        if (eku == null || !eku.contains(OCSP_SIGNING)) {
            throw new Rejected(what + " lacks extendedKeyUsage id-kp-OCSPSigning");
        }
        Date at = Date.from(now);
        if (at.before(responder.getNotBefore()) || at.after(responder.getNotAfter())) {
            throw new Rejected(what + " is not valid now (" + now + "): notBefore "
                    + responder.getNotBefore().toInstant() + ", notAfter " + responder.getNotAfter().toInstant());
        }
    }

    private static boolean signatureValid(BasicOCSPResp basic, PublicKey key) {
        try {
            return basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (OCSPException | OperatorCreationException | RuntimeException e) {
            return false; // unknown algorithm or a key that cannot check this signature
        }
    }

    /** Does {@code id} name {@code cert}: its subject (compared like X.500 names) or the SHA-1 of its key bits? */
    private static boolean names(ResponderID id, X509Certificate cert) {
        if (id.getName() != null) {
            try {
                return new X500Principal(id.getName().getEncoded()).equals(cert.getSubjectX500Principal());
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        byte[] keyHash = id.getKeyHash();
        return keyHash != null && Arrays.equals(keyHash, keyHash(cert.getPublicKey()));
    }

    private static byte[] keyHash(PublicKey key) {
        try {
            byte[] bits = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getPublicKeyData().getBytes();
            return MessageDigest.getInstance("SHA-1").digest(bits);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-1 is required by the JDK", e);
        }
    }

    private static String describe(ResponderID id) {
        X500Name name = id.getName();
        if (name != null) {
            return "responder name " + name;
        }
        return "responder key hash " + (id.getKeyHash() == null ? "(none)" : HEX.formatHex(id.getKeyHash()));
    }

    /** The SingleResponse about the leaf: same serial, and the issuer's name and key hashes in the CertID. */
    private SingleResp find(BasicOCSPResp basic, CertificateID certId, X509CertificateHolder issuerHolder,
            String url, String serial) throws Rejected {
        for (SingleResp single : basic.getResponses()) {
            CertificateID id = single.getCertID();
            if (!id.getSerialNumber().equals(certId.getSerialNumber())) {
                continue;
            }
            try {
                if (id.matchesIssuer(issuerHolder, digests)) {
                    return single;
                }
            } catch (OCSPException | RuntimeException e) {
                // a hash algorithm we cannot compute: not a match
            }
        }
        throw new Rejected("the response of OCSP responder " + url + " does not cover certificate serial " + serial
                + " of issuer " + issuerHolder.getSubject());
    }

    /** The first http(s) id-ad-ocsp URL of the authorityInfoAccess extension, null when there is none. */
    @Nullable
    static String responderUrl(X509Certificate leaf) throws Rejected {
        byte[] value = leaf.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (value == null) {
            return null;
        }
        AccessDescription[] descriptions;
        try {
            ASN1Primitive parsed = JcaX509ExtensionUtils.parseExtensionValue(value);
            descriptions = AuthorityInformationAccess.getInstance(parsed).getAccessDescriptions();
        } catch (IOException | RuntimeException e) {
            throw new Rejected("the certificate's AIA extension is malformed: " + e.getMessage());
        }
        for (AccessDescription d : descriptions) {
            GeneralName location = d.getAccessLocation();
            if (!AccessDescription.id_ad_ocsp.equals(d.getAccessMethod())
                    || location.getTagNo() != GeneralName.uniformResourceIdentifier) {
                continue;
            }
            String url = location.getName().toString();
            try {
                URI uri = new URI(url);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                    return url;
                }
            } catch (java.net.URISyntaxException e) {
                // skip: another access description may name a usable responder
            }
        }
        return null;
    }

    private String describe(Throwable failure, String url) {
        Throwable cause = Exceptions.peel(failure);
        if (cause instanceof UnprocessedRequestException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ResponseTimeoutException || cause instanceof TimeoutException
                || cause instanceof com.linecorp.armeria.common.TimeoutException) {
            return "OCSP responder " + url + " did not answer within " + timeout.toMillis() + " ms";
        }
        if (cause instanceof ContentTooLargeException) {
            return "OCSP responder " + url + " sent a response larger than " + MAX_RESPONSE_BYTES + " bytes";
        }
        if (cause instanceof ConnectException) {
            return "cannot connect to OCSP responder " + url + ": " + cause.getMessage();
        }
        return "OCSP request to " + url + " failed: " + cause;
    }

    private static String responseStatus(int status) {
        return switch (status) {
            case OCSPResp.MALFORMED_REQUEST -> "malformedRequest (1)";
            case OCSPResp.INTERNAL_ERROR -> "internalError (2)";
            case OCSPResp.TRY_LATER -> "tryLater (3)";
            case OCSPResp.SIG_REQUIRED -> "sigRequired (5)";
            case OCSPResp.UNAUTHORIZED -> "unauthorized (6)";
            default -> "status " + status;
        };
    }

    // ------------------------------------------------------------------ cache lifetimes

    /** When {@code r} stops being usable, by the injected clock. */
    private Cached cached(OcspResult r) {
        Instant now = clock.instant();
        Instant expiresAt;
        if (r.status() == OcspResult.Status.GOOD || r.status() == OcspResult.Status.REVOKED) {
            expiresAt = now.plus(maxCacheTime);
        } else {
            expiresAt = now.plus(errorCacheTime);
        }
        if (r.nextUpdate() != null && r.nextUpdate().isBefore(expiresAt)) {
            expiresAt = r.nextUpdate(); // never past nextUpdate
        }
        return new Cached(r, expiresAt);
    }

    private long remainingNanos(Cached value) {
        Duration left = Duration.between(clock.instant(), value.expiresAt());
        return left.isNegative() ? 0 : left.toNanos();
    }

    /** Configures an {@link OcspChecker}. */
    public static final class Builder {
        private ClientFactory clientFactory = ClientFactory.ofDefault();
        private Duration timeout = DEFAULT_TIMEOUT;
        private boolean softFail = true;
        private long cacheSize = DEFAULT_CACHE_SIZE;
        private Clock clock = Clock.systemUTC();
        private Duration maxCacheTime = DEFAULT_MAX_CACHE_TIME;
        private Duration errorCacheTime = Duration.ZERO;
        private Duration clockSkew = DEFAULT_CLOCK_SKEW;

        private Builder() {
        }

        /** The Armeria client factory to reach responders with (default {@link ClientFactory#ofDefault()}). */
        public Builder clientFactory(ClientFactory clientFactory) {
            this.clientFactory = Objects.requireNonNull(clientFactory, "clientFactory");
            return this;
        }

        /**
         * How long one OCSP exchange may take, connecting included (default 2 s); a slower responder is an
         * ERROR.
         */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * {@code ocsp.soft_fail} (default {@code true}): UNKNOWN and ERROR are reported as 0 with
         * {@link OcspResult#softFailed()}; when {@code false} as 75 and 74.
         */
        public Builder softFail(boolean softFail) {
            this.softFail = softFail;
            return this;
        }

        /** The most certificates whose status is cached (default 10 000); 0 turns caching off. */
        public Builder cacheSize(long cacheSize) {
            if (cacheSize < 0) {
                throw new IllegalArgumentException("cacheSize must be >= 0: " + cacheSize);
            }
            this.cacheSize = cacheSize;
            return this;
        }

        /** The clock responses are judged and cache entries aged by (default the system clock, UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The longest a GOOD or REVOKED answer is cached (default 1 h): until the response's nextUpdate but not
         * longer than this, and this long when the response has no nextUpdate.
         */
        public Builder maxCacheTime(Duration maxCacheTime) {
            if (maxCacheTime.isNegative()) {
                throw new IllegalArgumentException("maxCacheTime must be >= 0: " + maxCacheTime);
            }
            this.maxCacheTime = maxCacheTime;
            return this;
        }

        /**
         * How long UNKNOWN and ERROR answers are cached (default 0: not cached, only shared by the callers
         * waiting for the same request; at most {@link OcspChecker#MAX_ERROR_CACHE_TIME}, 60 s), to spare a dead
         * responder the full request rate. Never past an UNKNOWN answer's nextUpdate.
         */
        public Builder errorCacheTime(Duration errorCacheTime) {
            if (errorCacheTime.isNegative() || errorCacheTime.compareTo(MAX_ERROR_CACHE_TIME) > 0) {
                throw new IllegalArgumentException("errorCacheTime must be between 0 and "
                        + MAX_ERROR_CACHE_TIME.getSeconds() + " s: " + errorCacheTime);
            }
            this.errorCacheTime = errorCacheTime;
            return this;
        }

        /**
         * Tolerated clock difference with the responder (default 5 min): thisUpdate may be this far in the future
         * and nextUpdate this far in the past.
         */
        public Builder clockSkew(Duration clockSkew) {
            if (clockSkew.isNegative()) {
                throw new IllegalArgumentException("clockSkew must be >= 0: " + clockSkew);
            }
            this.clockSkew = clockSkew;
            return this;
        }

        public OcspChecker build() {
            return new OcspChecker(this);
        }
    }
}
