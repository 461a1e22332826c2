package io.certgate.pdp.cert;

import com.linecorp.armeria.common.annotation.Nullable;
import java.math.BigInteger;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.TBSCertificate;

/**
 * What OpenSSL's {@code ossl_x509v3_cache_extensions} derives from one certificate ({@code ex_flags},
 * {@code ex_kusage}, {@code skid}, {@code akid}, ...), computed once so that the chain logic can ask the same
 * questions OpenSSL asks. Immutable.
 */
final class CertFacts {
    // keyUsage bits in OpenSSL's layout (first byte | second byte << 8), as x509v3.h KU_*.
    static final int KU_DIGITAL_SIGNATURE = 0x0080;
    static final int KU_KEY_ENCIPHERMENT = 0x0020;
    static final int KU_KEY_AGREEMENT = 0x0008;
    static final int KU_KEY_CERT_SIGN = 0x0004;
    static final int KU_CRL_SIGN = 0x0002;
    // Netscape certificate type bits, as x509v3.h NS_*.
    static final int NS_SSL_CLIENT = 0x80;
    static final int NS_SSL_SERVER = 0x40;
    static final int NS_SSL_CA = 0x04;
    static final int NS_ANY_CA = 0x07;

    static final String OID_RSA = "1.2.840.113549.1.1.1";
    static final String OID_RSA_PSS = "1.2.840.113549.1.1.10";
    static final String OID_EC = "1.2.840.10045.2.1";
    static final String OID_DSA = "1.2.840.10040.4.1";
    static final String OID_ED25519 = "1.3.101.112";
    static final String OID_ED448 = "1.3.101.113";

    private static final ASN1ObjectIdentifier NETSCAPE_CERT_TYPE = new ASN1ObjectIdentifier("2.16.840.1.113730.1.1");
    private static final ASN1ObjectIdentifier NETSCAPE_SGC = new ASN1ObjectIdentifier("2.16.840.1.113730.4.1");
    private static final ASN1ObjectIdentifier MICROSOFT_SGC = new ASN1ObjectIdentifier("1.3.6.1.4.1.311.10.3.3");
    private static final ASN1ObjectIdentifier PROXY_CERT_INFO = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.14");

    /**
     * The critical extensions OpenSSL 3.0 handles ({@code X509_supported_extension}); any other critical
     * extension, even a well-known one such as a critical authorityKeyIdentifier, is "unhandled" (error 34).
     */
    private static final Set<String> SUPPORTED_CRITICAL = Set.of(
            "2.16.840.1.113730.1.1", // netscape-cert-type
            "2.5.29.15", // keyUsage
            "2.5.29.17", // subjectAltName
            "2.5.29.19", // basicConstraints
            "2.5.29.32", // certificatePolicies
            "2.5.29.31", // cRLDistributionPoints
            "2.5.29.37", // extendedKeyUsage
            "1.3.6.1.5.5.7.1.7", // sbgp-ipAddrBlock
            "1.3.6.1.5.5.7.1.8", // sbgp-autonomousSysNum
            "1.3.6.1.5.5.7.48.1.5", // id-pkix-OCSP-noCheck
            "2.5.29.36", // policyConstraints
            "1.3.6.1.5.5.7.1.14", // proxyCertInfo
            "2.5.29.30", // nameConstraints
            "2.5.29.33", // policyMappings
            "2.5.29.54"); // inhibitAnyPolicy

    /** Signature algorithm → the public key algorithm(s) that can verify it ({@code check_sig_alg_match}). */
    private static final Map<String, Set<String>> SIGNATURE_KEY_TYPES = signatureKeyTypes();

    final X509Certificate certificate;
    private final byte[] der;
    final X500Principal subject;
    final X500Principal issuer;
    final BigInteger serial;
    final long notBefore;
    final long notAfter;
    final boolean v1;
    /** OpenSSL's EXFLAG_INVALID: an extension it caches does not parse or is inconsistent. */
    final boolean invalid;
    final boolean hasBasicConstraints;
    final boolean ca;
    /** basicConstraints pathLenConstraint, -1 when absent. */
    final long pathLen;
    /** keyUsage in OpenSSL's bit layout, {@code null} when the extension is absent. */
    final Integer keyUsage;
    final boolean hasExtendedKeyUsage;
    final boolean clientAuthUsage;
    /** serverAuth, or one of the server gated crypto purposes OpenSSL accepts for it (XKU_SSL_SERVER | XKU_SGC). */
    final boolean serverAuthUsage;
    final Integer nsCertType;
    final byte[] subjectKeyId;
    final AuthorityKeyIdentifier authorityKeyId;
    final List<DistributionPoint> crlDistributionPoints;
    final X500Name subjectName;
    final GeneralNames subjectAltNames;
    final NameConstraints nameConstraints;
    final boolean unhandledCriticalExtension;
    final boolean proxy;
    final boolean explicitEcParameters;
    final String keyAlgorithm;
    final AlgorithmIdentifier tbsSignatureAlgorithm;
    final AlgorithmIdentifier signatureAlgorithm;
    /** EXFLAG_SI: subject and issuer names are equal. */
    final boolean selfIssued;
    /** EXFLAG_SS: self-issued, its AKID matches itself and its key fits its signature algorithm (unverified). */
    final boolean selfSigned;

    private CertFacts(X509Certificate certificate) throws CertificateEncodingException {
        this.certificate = certificate;
        this.der = certificate.getEncoded();
        Certificate bc = Certificate.getInstance(der);
        TBSCertificate tbs = bc.getTBSCertificate();
        subject = certificate.getSubjectX500Principal();
        issuer = certificate.getIssuerX500Principal();
        serial = certificate.getSerialNumber();
        notBefore = certificate.getNotBefore().toInstant().getEpochSecond();
        notAfter = certificate.getNotAfter().toInstant().getEpochSecond();
        v1 = tbs.getVersionNumber() == 1;
        keyAlgorithm = tbs.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().getId();
        ASN1Encodable keyParameters = tbs.getSubjectPublicKeyInfo().getAlgorithm().getParameters();
        explicitEcParameters = OID_EC.equals(keyAlgorithm) && keyParameters instanceof ASN1Sequence;
        tbsSignatureAlgorithm = tbs.getSignature();
        signatureAlgorithm = bc.getSignatureAlgorithm();

        ExtensionReader ext = new ExtensionReader(tbs.getExtensions());
        BasicConstraints constraints = ext.parse(Extension.basicConstraints, BasicConstraints::getInstance);
        hasBasicConstraints = constraints != null;
        ca = constraints != null && constraints.isCA();
        BigInteger plen = constraints == null ? null : constraints.getPathLenConstraint();
        if (plen != null && plen.signum() < 0) {
            ext.invalid = true; // X509V3_R_NEGATIVE_PATHLEN
        }
        pathLen = plen == null || plen.signum() < 0 ? -1 : plen.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
        keyUsage = ext.bits(Extension.keyUsage);
        if (keyUsage != null && keyUsage == 0) {
            ext.invalid = true; // an empty keyUsage, RFC 5280 section 4.2.1.3
        }
        ExtendedKeyUsage eku = ext.parse(Extension.extendedKeyUsage, ExtendedKeyUsage::getInstance);
        hasExtendedKeyUsage = eku != null;
        clientAuthUsage = eku != null && eku.hasKeyPurposeId(KeyPurposeId.id_kp_clientAuth);
        serverAuthUsage = eku != null && (eku.hasKeyPurposeId(KeyPurposeId.id_kp_serverAuth)
                || eku.hasKeyPurposeId(KeyPurposeId.getInstance(NETSCAPE_SGC))
                || eku.hasKeyPurposeId(KeyPurposeId.getInstance(MICROSOFT_SGC)));
        nsCertType = ext.bits(NETSCAPE_CERT_TYPE);
        ASN1OctetString skid = ext.parse(Extension.subjectKeyIdentifier, ASN1OctetString::getInstance);
        subjectKeyId = skid == null ? null : skid.getOctets();
        authorityKeyId = ext.withDecodableNames(
                ext.parse(Extension.authorityKeyIdentifier, AuthorityKeyIdentifier::getInstance),
                akid -> directoryNames(akid.getAuthorityCertIssuer()));
        CRLDistPoint dps = ext.withDecodableNames(ext.parse(Extension.cRLDistributionPoints, CRLDistPoint::getInstance),
                CertFacts::directoryNames);
        crlDistributionPoints = dps == null ? List.of() : List.of(dps.getDistributionPoints());
        for (DistributionPoint dp : crlDistributionPoints) {
            if (dp.getDistributionPoint() == null && (dp.getCRLIssuer() == null
                    || dp.getCRLIssuer().getNames().length == 0)) {
                ext.invalid = true; // X509_R_INVALID_DISTPOINT
            }
        }
        subjectAltNames = ext.withDecodableNames(
                ext.parse(Extension.subjectAlternativeName, GeneralNames::getInstance), CertFacts::directoryNames);
        nameConstraints = ext.withDecodableNames(ext.parse(Extension.nameConstraints, NameConstraints::getInstance),
                CertFacts::directoryNames);
        subjectName = X500Name.getInstance(tbs.getSubject());
        proxy = ext.present(PROXY_CERT_INFO);
        if (proxy && (ca || ext.present(Extension.subjectAlternativeName)
                || ext.present(Extension.issuerAlternativeName))) {
            ext.invalid = true;
        }
        unhandledCriticalExtension = ext.hasUnhandledCritical();
        invalid = ext.invalid;

        selfIssued = subject.equals(issuer);
        selfSigned = selfIssued && checkAkid(this, authorityKeyId) == X509VerifyCodes.OK
                && signatureKeyMatch(keyAlgorithm, tbsSignatureAlgorithm) == X509VerifyCodes.OK;
    }

    static CertFacts of(X509Certificate certificate) {
        try {
            return new CertFacts(certificate);
        } catch (CertificateEncodingException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode certificate " + certificate.getSubjectX500Principal()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The same certificate, byte for byte ({@code X509_cmp}). */
    boolean sameAs(CertFacts other) {
        return this == other || Arrays.equals(der, other.der);
    }

    /**
     * {@code X509_check_ca}: 0 not a CA; 1 a CA; 3 a v1 self-signed root; 4 keyCertSign without
     * basicConstraints; 5 a Netscape CA type.
     */
    int caStatus() {
        if (invalid || (keyUsage != null && (keyUsage & KU_KEY_CERT_SIGN) == 0)) {
            return 0;
        }
        if (hasBasicConstraints) {
            return ca ? 1 : 0;
        }
        if (v1 && selfSigned) {
            return 3;
        }
        if (keyUsage != null) {
            return 4;
        }
        if (nsCertType != null && (nsCertType & NS_ANY_CA) != 0) {
            return 5;
        }
        return 0;
    }

    /**
     * OpenSSL's {@code check_purpose_ssl_client}: may this certificate be a TLS client (or, with
     * {@code asCa}, issue for one)? An extendedKeyUsage without clientAuth excludes CAs too; anyExtendedKeyUsage
     * does not count as clientAuth.
     */
    boolean allowsSslClient(boolean asCa) {
        if (invalid) {
            return true; // X509_check_purpose() fails with -1, which is only an error with -x509_strict
        }
        if (hasExtendedKeyUsage && !clientAuthUsage) {
            return false;
        }
        if (asCa) {
            int caStatus = caStatus();
            return caStatus != 0 && (caStatus != 5 || (nsCertType & NS_SSL_CA) != 0);
        }
        if (keyUsage != null && (keyUsage & (KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT)) == 0) {
            return false;
        }
        return nsCertType == null || (nsCertType & NS_SSL_CLIENT) != 0;
    }

    /**
     * OpenSSL's {@code check_purpose_ssl_server}: may this certificate be a TLS server (or, with {@code asCa},
     * issue for one)? keyUsage needs digitalSignature, keyEncipherment or keyAgreement.
     */
    boolean allowsSslServer(boolean asCa) {
        if (invalid) {
            return true;
        }
        if (hasExtendedKeyUsage && !serverAuthUsage) {
            return false;
        }
        if (asCa) {
            int caStatus = caStatus();
            return caStatus != 0 && (caStatus != 5 || (nsCertType & NS_SSL_CA) != 0);
        }
        if (nsCertType != null && (nsCertType & NS_SSL_SERVER) == 0) {
            return false;
        }
        return keyUsage == null
                || (keyUsage & (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) != 0;
    }

    /** {@code ossl_x509_signing_allowed}: a keyUsage, when present, must include keyCertSign. */
    boolean mayIssueCertificates() {
        return keyUsage == null || (keyUsage & KU_KEY_CERT_SIGN) != 0;
    }

    /**
     * {@code ossl_x509_likely_issued(issuer, subject)}: the names chain, the subject's AKID matches the issuer
     * and the issuer's key type fits the subject's signature algorithm. The signature itself is not checked:
     * OpenSSL builds paths on this and verifies signatures only afterwards.
     */
    static boolean likelyIssued(CertFacts issuer, CertFacts subject) {
        return issuer.subject.equals(subject.issuer)
                && !issuer.invalid && !subject.invalid
                && checkAkid(issuer, subject.authorityKeyId) == X509VerifyCodes.OK
                && signatureKeyMatch(issuer.keyAlgorithm, subject.tbsSignatureAlgorithm) == X509VerifyCodes.OK;
    }

    /** {@code X509_check_akid}: does {@code akid} (of a certificate or CRL) point at {@code issuer}? */
    static int checkAkid(CertFacts issuer, AuthorityKeyIdentifier akid) {
        if (akid == null) {
            return X509VerifyCodes.OK;
        }
        byte[] keyId = akid.getKeyIdentifierOctets();
        if (keyId != null && issuer.subjectKeyId != null && !Arrays.equals(keyId, issuer.subjectKeyId)) {
            return X509VerifyCodes.AKID_SKID_MISMATCH;
        }
        BigInteger serial = akid.getAuthorityCertSerialNumber();
        if (serial != null && !serial.equals(issuer.serial)) {
            return X509VerifyCodes.AKID_ISSUER_SERIAL_MISMATCH;
        }
        GeneralNames names = akid.getAuthorityCertIssuer();
        if (names != null) {
            // like OpenSSL, only the first directoryName counts
            for (GeneralName name : names.getNames()) {
                if (name.getTagNo() == GeneralName.directoryName) {
                    if (!Names.principal(name).equals(issuer.issuer)) {
                        return X509VerifyCodes.AKID_ISSUER_SERIAL_MISMATCH;
                    }
                    break;
                }
            }
        }
        return X509VerifyCodes.OK;
    }

    /** {@code check_sig_alg_match}: can a key of {@code keyAlgorithm} have made a signature of {@code signature}? */
    static int signatureKeyMatch(String keyAlgorithm, AlgorithmIdentifier signature) {
        Set<String> keyTypes = SIGNATURE_KEY_TYPES.get(signature.getAlgorithm().getId());
        if (keyTypes == null) {
            return X509VerifyCodes.UNSUPPORTED_SIGNATURE_ALGORITHM;
        }
        return keyTypes.contains(keyAlgorithm) ? X509VerifyCodes.OK : X509VerifyCodes.SIGNATURE_ALGORITHM_MISMATCH;
    }

    private static Map<String, Set<String>> signatureKeyTypes() {
        Set<String> rsa = Set.of(OID_RSA);
        Set<String> ec = Set.of(OID_EC);
        Set<String> dsa = Set.of(OID_DSA);
        return Map.ofEntries(
                Map.entry("1.2.840.113549.1.1.2", rsa), // md2WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.3", rsa), // md4WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.4", rsa), // md5WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.5", rsa), // sha1WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.11", rsa), // sha256WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.12", rsa), // sha384WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.13", rsa), // sha512WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.14", rsa), // sha224WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.15", rsa), // sha512-224WithRSAEncryption
                Map.entry("1.2.840.113549.1.1.16", rsa), // sha512-256WithRSAEncryption
                Map.entry("1.3.14.3.2.29", rsa), // sha1WithRSA (OIW)
                Map.entry("2.16.840.1.101.3.4.3.13", rsa), // RSA-SHA3-224
                Map.entry("2.16.840.1.101.3.4.3.14", rsa), // RSA-SHA3-256
                Map.entry("2.16.840.1.101.3.4.3.15", rsa), // RSA-SHA3-384
                Map.entry("2.16.840.1.101.3.4.3.16", rsa), // RSA-SHA3-512
                Map.entry(OID_RSA_PSS, Set.of(OID_RSA, OID_RSA_PSS)), // RSASSA-PSS: an RSA or RSA-PSS key
                Map.entry("1.2.840.10045.4.1", ec), // ecdsa-with-SHA1
                Map.entry("1.2.840.10045.4.3.1", ec), // ecdsa-with-SHA224
                Map.entry("1.2.840.10045.4.3.2", ec), // ecdsa-with-SHA256
                Map.entry("1.2.840.10045.4.3.3", ec), // ecdsa-with-SHA384
                Map.entry("1.2.840.10045.4.3.4", ec), // ecdsa-with-SHA512
                Map.entry("2.16.840.1.101.3.4.3.9", ec), // ecdsa_with_SHA3-224
                Map.entry("2.16.840.1.101.3.4.3.10", ec), // ecdsa_with_SHA3-256
                Map.entry("2.16.840.1.101.3.4.3.11", ec), // ecdsa_with_SHA3-384
                Map.entry("2.16.840.1.101.3.4.3.12", ec), // ecdsa_with_SHA3-512
                Map.entry(OID_ED25519, Set.of(OID_ED25519)),
                Map.entry(OID_ED448, Set.of(OID_ED448)),
                Map.entry("1.2.840.10040.4.3", dsa), // dsaWithSHA1
                Map.entry("2.16.840.1.101.3.4.3.1", dsa), // dsa_with_SHA224
                Map.entry("2.16.840.1.101.3.4.3.2", dsa), // dsa_with_SHA256
                Map.entry("2.16.840.1.101.3.4.3.3", dsa), // dsa_with_SHA384
                Map.entry("2.16.840.1.101.3.4.3.4", dsa)); // dsa_with_SHA512
    }

    @Override
    public String toString() {
        return subject.getName();
    }

    private static List<X500Name> directoryNames(@Nullable GeneralNames names) {
        List<X500Name> out = new ArrayList<>();
        for (GeneralName n : names == null ? new GeneralName[0] : names.getNames()) {
            if (n.getTagNo() == GeneralName.directoryName) {
                out.add(X500Name.getInstance(n.getName()));
            }
        }
        return out;
    }

    private static List<X500Name> directoryNames(CRLDistPoint dps) {
        List<X500Name> out = new ArrayList<>();
        for (DistributionPoint dp : dps.getDistributionPoints()) {
            out.addAll(directoryNames(dp.getCRLIssuer()));
            DistributionPointName name = dp.getDistributionPoint();
            if (name != null && name.getType() == DistributionPointName.FULL_NAME) {
                out.addAll(directoryNames(GeneralNames.getInstance(name.getName())));
            } else if (name != null) {
                out.add(new X500Name(new RDN[] {RDN.getInstance(name.getName())}));
            }
        }
        return out;
    }

    private static List<X500Name> directoryNames(NameConstraints nc) {
        List<X500Name> out = new ArrayList<>();
        for (GeneralSubtree[] subtrees : List.of(Objects.requireNonNullElse(nc.getPermittedSubtrees(),
                new GeneralSubtree[0]), Objects.requireNonNullElse(nc.getExcludedSubtrees(), new GeneralSubtree[0]))) {
            for (GeneralSubtree t : subtrees) {
                out.addAll(directoryNames(new GeneralNames(t.getBase())));
            }
        }
        return out;
    }

    /** Decodes the extensions OpenSSL caches, noting (like EXFLAG_INVALID) any that does not parse. */
    private static final class ExtensionReader {
        private final Extensions extensions;
        boolean invalid;

        ExtensionReader(Extensions extensions) {
            this.extensions = extensions;
        }

        boolean present(ASN1ObjectIdentifier oid) {
            return extensions != null && extensions.getExtension(oid) != null;
        }

        <T> T parse(ASN1ObjectIdentifier oid, java.util.function.Function<Object, T> decoder) {
            Extension e = extensions == null ? null : extensions.getExtension(oid);
            if (e == null) {
                return null;
            }
            try {
                return decoder.apply(e.getParsedValue());
            } catch (RuntimeException ex) {
                invalid = true;
                return null;
            }
        }

        /**
         * {@code value}, or null with EXFLAG_INVALID when one of its X.500 names (or one of their RDNs alone, as
         * name constraints compare them) does not decode as a JDK name: OpenSSL then fails to decode the whole
         * extension, and no later name comparison may meet such a name.
         */
        <T> T withDecodableNames(T value, java.util.function.Function<T, List<X500Name>> names) {
            if (value == null) {
                return null;
            }
            try {
                for (X500Name name : names.apply(value)) {
                    Names.principal(name);
                    for (RDN rdn : name.getRDNs()) {
                        Names.principal(new X500Name(new RDN[] {rdn}));
                    }
                }
                return value;
            } catch (RuntimeException e) {
                invalid = true;
                return null;
            }
        }

        /** A BIT STRING extension as OpenSSL reads it: first byte | second byte << 8. */
        Integer bits(ASN1ObjectIdentifier oid) {
            ASN1BitString bits = parse(oid, ASN1BitString::getInstance);
            if (bits == null) {
                return null;
            }
            byte[] b = bits.getBytes();
            int value = b.length > 0 ? b[0] & 0xff : 0;
            if (b.length > 1 && !oid.equals(NETSCAPE_CERT_TYPE)) {
                value |= (b[1] & 0xff) << 8;
            }
            return value;
        }

        /** EXFLAG_CRITICAL: a critical extension OpenSSL does not handle. */
        boolean hasUnhandledCritical() {
            if (extensions == null) {
                return false;
            }
            for (ASN1ObjectIdentifier oid : extensions.getExtensionOIDs()) {
                if (extensions.getExtension(oid).isCritical() && !SUPPORTED_CRITICAL.contains(oid.getId())) {
                    return true;
                }
            }
            return false;
        }
    }
}
