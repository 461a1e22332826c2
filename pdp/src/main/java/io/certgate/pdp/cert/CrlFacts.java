package io.certgate.pdp.cert;

import java.math.BigInteger;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.CertificateList;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.TBSCertList;

/**
 * What OpenSSL caches about a CRL when it decodes it ({@code crl_cb} in {@code x_crl.c}): AKID, issuing
 * distribution point flags, unhandled critical extensions and the revoked entries. Immutable.
 */
final class CrlFacts {
    /** {@code CRLDP_ALL_REASONS}: every reason bit in OpenSSL's layout. */
    static final int ALL_REASONS = 0x807f;

    /** Critical CRL extensions OpenSSL handles; any other makes the CRL unusable for revocation (error 36). */
    private static final Set<ASN1ObjectIdentifier> HANDLED_CRITICAL = Set.of(
            Extension.issuingDistributionPoint, Extension.authorityKeyIdentifier, Extension.deltaCRLIndicator);

    /** One revoked certificate as {@code X509_REVOKED} holds it. */
    record Entry(BigInteger serial, int reason, List<X500Principal> certificateIssuer) {
    }

    final X509CRL crl;
    final X500Principal issuer;
    final long thisUpdate;
    final Long nextUpdate;
    final AuthorityKeyIdentifier authorityKeyId;
    /** EXFLAG_CRITICAL: an unhandled critical extension on the CRL or one of its entries. */
    final boolean unhandledCritical;
    /** IDP_INVALID: the issuing distribution point restricts to more than one kind of certificate. */
    final boolean idpInvalid;
    final boolean onlyUserCerts;
    final boolean onlyCaCerts;
    final boolean onlyAttributeCerts;
    final boolean indirect;
    /** IDP_REASONS: the issuing distribution point has onlySomeReasons. */
    final boolean someReasons;
    final int reasons;
    final boolean hasIssuingDistributionPoint;
    /** The IDP's distributionPoint with a relative name resolved against the CRL issuer; null when absent. */
    final DistPointName distributionPoint;
    final List<Entry> entries;

    private CrlFacts(X509CRL crl) throws CRLException {
        this.crl = crl;
        TBSCertList tbs = CertificateList.getInstance(crl.getEncoded()).getTBSCertList();
        issuer = crl.getIssuerX500Principal();
        thisUpdate = crl.getThisUpdate().toInstant().getEpochSecond();
        nextUpdate = crl.getNextUpdate() == null ? null : crl.getNextUpdate().toInstant().getEpochSecond();
        Extensions ext = tbs.getExtensions();
        authorityKeyId = ext == null ? null : AuthorityKeyIdentifier.fromExtensions(ext);
        IssuingDistributionPoint idp = ext == null ? null
                : IssuingDistributionPoint.getInstance(ext.getExtensionParsedValue(Extension.issuingDistributionPoint));
        hasIssuingDistributionPoint = idp != null;
        onlyUserCerts = idp != null && idp.onlyContainsUserCerts();
        onlyCaCerts = idp != null && idp.onlyContainsCACerts();
        onlyAttributeCerts = idp != null && idp.onlyContainsAttributeCerts();
        idpInvalid = (onlyUserCerts ? 1 : 0) + (onlyCaCerts ? 1 : 0) + (onlyAttributeCerts ? 1 : 0) > 1;
        indirect = idp != null && idp.isIndirectCRL();
        someReasons = idp != null && idp.getOnlySomeReasons() != null;
        reasons = someReasons ? reasonBits(idp.getOnlySomeReasons()) : ALL_REASONS;
        distributionPoint = idp == null ? null : DistPointName.of(idp.getDistributionPoint(), issuer);
        List<Entry> revoked = new ArrayList<>();
        boolean critical = hasUnhandledCritical(ext);
        List<X500Principal> entryIssuer = List.of();
        for (Enumeration<?> e = tbs.getRevokedCertificateEnumeration(); e.hasMoreElements(); ) {
            TBSCertList.CRLEntry entry = (TBSCertList.CRLEntry) e.nextElement();
            Extensions entryExt = entry.getExtensions();
            GeneralNames certIssuer = entryExt == null ? null
                    : GeneralNames.getInstance(entryExt.getExtensionParsedValue(Extension.certificateIssuer));
            if (certIssuer != null) {
                entryIssuer = directoryNames(certIssuer); // applies to this and the following entries
            }
            ASN1Enumerated reason = entryExt == null ? null
                    : ASN1Enumerated.getInstance(entryExt.getExtensionParsedValue(Extension.reasonCode));
            revoked.add(new Entry(entry.getUserCertificate().getValue(),
                    reason == null ? -1 : reason.intValueExact(), entryIssuer));
            critical |= hasUnhandledCriticalEntryExtension(entryExt);
        }
        unhandledCritical = critical;
        entries = List.copyOf(revoked);
    }

    static CrlFacts of(X509CRL crl) {
        try {
            return new CrlFacts(crl);
        } catch (CRLException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode the CRL of " + crl.getIssuerX500Principal() + ": "
                    + e.getMessage(), e);
        }
    }

    /** A delta CRL (deltaCRLIndicator present). */
    boolean isDelta() {
        return crl.getExtensionValue(Extension.deltaCRLIndicator.getId()) != null;
    }

    /**
     * {@code X509_CRL_get0_by_cert}: the entry revoking the certificate {@code serial} issued by
     * {@code certIssuer}, or null.
     */
    Entry find(BigInteger serial, X500Principal certIssuer) {
        for (Entry e : entries) {
            if (!e.serial().equals(serial)) {
                continue;
            }
            boolean issuerMatches = e.certificateIssuer().isEmpty() ? certIssuer.equals(issuer)
                    : e.certificateIssuer().contains(certIssuer);
            if (issuerMatches) {
                return e;
            }
        }
        return null;
    }

    /** Reason bits ({@code ReasonFlags}) in OpenSSL's layout: first byte | second byte << 8. */
    static int reasonBits(ASN1BitString flags) {
        byte[] b = flags.getBytes();
        int value = b.length > 0 ? b[0] & 0xff : 0;
        if (b.length > 1) {
            value |= (b[1] & 0xff) << 8;
        }
        return value & ALL_REASONS;
    }

    static List<X500Principal> directoryNames(GeneralNames names) {
        List<X500Principal> out = new ArrayList<>();
        for (GeneralName n : names.getNames()) {
            if (n.getTagNo() == GeneralName.directoryName) {
                out.add(Names.principal(n));
            }
        }
        return List.copyOf(out);
    }

    private static boolean hasUnhandledCritical(Extensions ext) {
        if (ext == null) {
            return false;
        }
        for (ASN1ObjectIdentifier oid : ext.getCriticalExtensionOIDs()) {
            if (!HANDLED_CRITICAL.contains(oid)) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasUnhandledCriticalEntryExtension(Extensions ext) {
        if (ext == null) {
            return false;
        }
        for (ASN1ObjectIdentifier oid : ext.getCriticalExtensionOIDs()) {
            if (!oid.equals(Extension.certificateIssuer)) {
                return true;
            }
        }
        return false;
    }

    /** {@link CRLReason#removeFromCRL}: the entry un-revokes a certificate that was on hold. */
    boolean removesFromCrl(Entry e) {
        return e.reason() == CRLReason.removeFromCRL;
    }

    /**
     * A distribution point name as OpenSSL's {@code DIST_POINT_set_dpname} prepares it: either a full name
     * (general names) or a name relative to the CRL issuer, resolved to a full distinguished name.
     */
    record DistPointName(GeneralNames fullName, X500Principal relativeResolved) {
        static DistPointName of(DistributionPointName name, X500Principal base) {
            if (name == null) {
                return null;
            }
            if (name.getType() == DistributionPointName.FULL_NAME) {
                return new DistPointName(GeneralNames.getInstance(name.getName()), null);
            }
            RDN[] rdns = X500Name.getInstance(base.getEncoded()).getRDNs();
            RDN[] resolved = Arrays.copyOf(rdns, rdns.length + 1);
            resolved[rdns.length] = RDN.getInstance(name.getName());
            return new DistPointName(null, Names.principal(new X500Name(resolved)));
        }
    }
}
