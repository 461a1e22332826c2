package io.certgate.pdp.cert;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import com.linecorp.armeria.common.annotation.Nullable;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * Parses client certificate chains into {@link CertificateIdentity}, caching by the chain's
 * fingerprint. A cached identity never outlives its certificate's notAfter, so an expired
 * certificate is always parsed (and judged) afresh.
 */
public final class CertificateIdentities {
    private static final HexFormat HEX = HexFormat.of();
    private static final Duration MAX_CACHE_AGE = Duration.ofHours(1);

    private final Clock clock;
    private final Cache<String, CertificateIdentity> cache;

    public CertificateIdentities(Clock clock, long maxEntries) {
        this.clock = clock;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(Expiry.<String, CertificateIdentity>creating((key, id) -> lifetime(id)))
                .recordStats()
                .build();
    }

    /** Exports size, hits, misses and evictions as {@code cache_*{cache="certificate_identity"}}. */
    public CertificateIdentities bindTo(MeterRegistry registry) {
        return bindTo(registry, "certificate_identity");
    }

    /** Exports the cache's metrics under {@code cache_*{cache="<name>"}}. */
    public CertificateIdentities bindTo(MeterRegistry registry, String name) {
        CaffeineCacheMetrics.monitor(registry, cache, name);
        return this;
    }

    private Duration lifetime(CertificateIdentity id) {
        Duration untilExpiry = Duration.between(clock.instant(), id.notAfter());
        if (untilExpiry.isNegative()) {
            return Duration.ZERO;
        }
        return untilExpiry.compareTo(MAX_CACHE_AGE) < 0 ? untilExpiry : MAX_CACHE_AGE;
    }

    /**
     * The identity of a DER chain, leaf first.
     *
     * @throws CertificateParseException if any element is not a DER X.509 certificate
     */
    public CertificateIdentity identify(List<byte[]> chainDer) throws CertificateParseException {
        if (chainDer.isEmpty()) {
            throw new CertificateParseException("the certificate chain is empty");
        }
        List<String> chainSha256 = new ArrayList<>(chainDer.size());
        for (byte[] der : chainDer) {
            chainSha256.add(HEX.formatHex(digest("SHA-256", der)));
        }
        String key = String.join(",", chainSha256);
        CertificateIdentity cached = cache.getIfPresent(key);
        // The cache expires entries by its own ticker; this check holds the notAfter promise against the
        // injected clock too (a test or "what if" clock that moves independently of System.nanoTime).
        if (cached != null && clock.instant().isBefore(cached.notAfter())) {
            return cached;
        }
        X509Certificate leaf = parse(chainDer.get(0), 0);
        for (int i = 1; i < chainDer.size(); i++) {
            parse(chainDer.get(i), i); // reject garbage anywhere in the chain, not only at the leaf
        }
        CertificateIdentity id = describe(leaf, chainDer.get(0), chainSha256);
        cache.put(key, id);
        return id;
    }

    /** Parses a DER certificate; {@code index} names its position in error messages. */
    public static X509Certificate parse(byte[] der, int index) throws CertificateParseException {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            X509Certificate cert = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der));
            if (cert == null) {
                throw new CertificateParseException("certificate #" + index + " of the chain is empty");
            }
            if (!Arrays.equals(cert.getEncoded(), der)) {
                // trailing bytes, PEM or BER: the fingerprints would not be the certificate's
                throw new CertificateParseException("certificate #" + index
                        + " of the chain is not exactly one DER X.509 certificate (trailing or non-DER bytes)");
            }
            // The JDK skips elements it does not expect (OpenSSL refuses them); the verifier reads the structure
            // strictly, so a certificate passes here only if it can be verified too.
            CertFacts.of(cert);
            return cert;
        } catch (CertificateException | RuntimeException e) {
            throw new CertificateParseException("certificate #" + index
                    + " of the chain is not a valid DER X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static CertificateIdentity describe(X509Certificate cert, byte[] der, List<String> chainSha256)
            throws CertificateParseException {
        X500Name subject = X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
        List<String> dns = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        List<String> emails = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    Object value = san.get(1);
                    if (!(value instanceof String s)) {
                        continue;
                    }
                    switch (type) {
                        case 1 -> emails.add(s);
                        case 2 -> dns.add(s.toLowerCase(Locale.ROOT));
                        case 6 -> uris.add(s);
                        case 7 -> ips.add(s);
                        default -> { /* other names and directory names are not used by policies */ }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            throw new CertificateParseException("the certificate's subjectAltName extension is malformed: "
                    + e.getMessage(), e);
        }
        String spiffe = uris.stream().filter(u -> u.startsWith("spiffe://")).findFirst().orElse(null);
        List<String> cns;
        List<String> os;
        List<String> ous;
        try {
            cns = values(subject, BCStyle.CN);
            os = values(subject, BCStyle.O);
            ous = values(subject, BCStyle.OU);
        } catch (RuntimeException e) {
            // e.g. a UTF8String that is not UTF-8: no faithful identity can be given for it
            throw new CertificateParseException("certificate #0 of the chain has a subject CN, O or OU value that"
                    + " does not decode: " + e.getMessage(), e);
        }
        return new CertificateIdentity(
                HEX.formatHex(digest("SHA-1", der)),
                chainSha256.get(0),
                cert.getSubjectX500Principal().getName(X500Principal.RFC2253),
                cert.getIssuerX500Principal().getName(X500Principal.RFC2253),
                mostSpecific(cns),
                ous,
                mostSpecific(os),
                serialHex(cert.getSerialNumber()),
                cert.getNotBefore().toInstant(),
                cert.getNotAfter().toInstant(),
                dns, uris, emails, ips, spiffe, chainSha256);
    }

    /**
     * Of several values of one attribute, the last in DER order: the one an RFC 4514 DN string shows first
     * (and Go's crypto/x509 reports), so the CN header and the DN header name the same subject.
     */
    @Nullable
    private static String mostSpecific(List<String> values) {
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /** Lowercase hex with an even number of digits, as {@code openssl x509 -serial} and nginx print it. */
    static String serialHex(BigInteger serial) {
        String hex = serial.abs().toString(16);
        if (hex.length() % 2 != 0) {
            hex = "0" + hex;
        }
        return serial.signum() < 0 ? "-" + hex : hex;
    }

    static List<String> values(X500Name name, ASN1ObjectIdentifier type) {
        List<String> out = new ArrayList<>();
        for (RDN rdn : name.getRDNs(type)) {
            for (var atv : rdn.getTypesAndValues()) {
                if (atv.getType().equals(type)) {
                    ASN1Encodable v = atv.getValue();
                    out.add(v instanceof ASN1String s ? s.getString() : IETFUtils.valueToString(v));
                }
            }
        }
        return out;
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by the JDK", e);
        }
    }
}
