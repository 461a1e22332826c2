package io.certgate.pdp.cert;

import java.math.BigInteger;
import java.net.IDN;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * Name constraints as OpenSSL 3.0 enforces them ({@code check_name_constraints}, {@code v3_ncons.c}), after
 * signatures and validity: every certificate below a CA with nameConstraints (the trust anchor included) must
 * have its subject DN, its emailAddress attributes, its subjectAltNames and, for a leaf without DNS
 * subjectAltName, its host-name-like CNs inside the permitted and outside the excluded subtrees.
 */
final class NameConstraintsChecker {
    /** id-on-SmtpUTF8Mailbox: an internationalised email address, constrained like an rfc822Name. */
    private static final ASN1ObjectIdentifier SMTP_UTF8_MAILBOX = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.8.9");
    private static final int OK = X509VerifyCodes.OK;
    private static final int VIOLATION = X509VerifyCodes.PERMITTED_VIOLATION;

    private NameConstraintsChecker() {
    }

    /** The first name constraint violation on {@code path}, or null. */
    static Failure check(List<CertFacts> path) {
        for (int i = path.size() - 1; i >= 0; i--) {
            CertFacts x = path.get(i);
            if (i != 0 && x.selfIssued) {
                continue; // RFC 5280: self-issued intermediates are exempt
            }
            for (int j = path.size() - 1; j > i; j--) {
                NameConstraints nc = path.get(j).nameConstraints;
                if (nc == null) {
                    continue;
                }
                int code = checkNames(x, nc);
                if (code == OK && i == 0 && !hasDnsName(x)) {
                    code = checkCommonNames(x, nc);
                }
                if (code != OK) {
                    return new Failure(code, i);
                }
            }
        }
        return null;
    }

    /** {@code NAME_CONSTRAINTS_check}: subject DN, its emailAddress attributes, then every subjectAltName. */
    private static int checkNames(CertFacts x, NameConstraints nc) {
        if (x.subjectName.getRDNs().length > 0) {
            int code = match(new GeneralName(x.subjectName), nc);
            if (code != OK) {
                return code;
            }
            for (RDN rdn : x.subjectName.getRDNs(PKCSObjectIdentifiers.pkcs_9_at_emailAddress)) {
                for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                    if (!atv.getType().equals(PKCSObjectIdentifiers.pkcs_9_at_emailAddress)) {
                        continue;
                    }
                    if (!(atv.getValue() instanceof DERIA5String email)) {
                        return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
                    }
                    code = match(new GeneralName(GeneralName.rfc822Name, email), nc);
                    if (code != OK) {
                        return code;
                    }
                }
            }
        }
        if (x.subjectAltNames != null) {
            for (GeneralName name : x.subjectAltNames.getNames()) {
                int code = match(name, nc);
                if (code != OK) {
                    return code;
                }
            }
        }
        return OK;
    }

    /** {@code NAME_CONSTRAINTS_check_CN}: CNs that look like host names (two labels or more) are DNS names. */
    private static int checkCommonNames(CertFacts x, NameConstraints nc) {
        for (RDN rdn : x.subjectName.getRDNs(BCStyle.CN)) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                if (!atv.getType().equals(BCStyle.CN)) {
                    continue;
                }
                String cn = atv.getValue() instanceof ASN1String s ? s.getString() : atv.getValue().toString();
                cn = cn.replaceAll("\u0000+$", ""); // harmless trailing NULs
                if (cn.indexOf('\u0000') >= 0) {
                    return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
                }
                if (looksLikeHostName(cn)) {
                    int code = match(new GeneralName(GeneralName.dNSName, cn), nc);
                    if (code != OK) {
                        return code;
                    }
                }
            }
        }
        return OK;
    }

    /** {@code cn2dnsid}: letters, digits, '_', inner '-' and '.', at least one dot, no empty labels. */
    private static boolean looksLikeHostName(String cn) {
        boolean dotted = false;
        for (int i = 0; i < cn.length(); i++) {
            char c = cn.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
                continue;
            }
            boolean inner = i > 0 && i < cn.length() - 1;
            if (inner && c == '-') {
                continue;
            }
            if (inner && c == '.' && cn.charAt(i + 1) != '.' && cn.charAt(i - 1) != '-' && cn.charAt(i + 1) != '-') {
                dotted = true;
                continue;
            }
            return false;
        }
        return dotted;
    }

    private static boolean hasDnsName(CertFacts x) {
        if (x.subjectAltNames == null) {
            return false;
        }
        for (GeneralName n : x.subjectAltNames.getNames()) {
            if (n.getTagNo() == GeneralName.dNSName) {
                return true;
            }
        }
        return false;
    }

    /** {@code nc_match}: one name against the permitted subtrees of its type, then the excluded ones. */
    private static int match(GeneralName name, NameConstraints nc) {
        int type = effectiveType(name);
        GeneralSubtree[] permitted = nc.getPermittedSubtrees();
        int permittedMatch = 0; // 0 = no subtree of this type, 1 = some but no match yet, 2 = matched
        if (permitted != null) {
            for (GeneralSubtree sub : permitted) {
                if (!sameType(type, name, sub.getBase())) {
                    continue;
                }
                if (!minMaxValid(sub)) {
                    return X509VerifyCodes.SUBTREE_MINMAX;
                }
                if (permittedMatch == 2) {
                    continue;
                }
                permittedMatch = 1;
                int r = matchSingle(type, name, sub.getBase());
                if (r == OK) {
                    permittedMatch = 2;
                } else if (r != VIOLATION) {
                    return r;
                }
            }
        }
        if (permittedMatch == 1) {
            return VIOLATION;
        }
        GeneralSubtree[] excluded = nc.getExcludedSubtrees();
        if (excluded != null) {
            for (GeneralSubtree sub : excluded) {
                if (!sameType(type, name, sub.getBase())) {
                    continue;
                }
                if (!minMaxValid(sub)) {
                    return X509VerifyCodes.SUBTREE_MINMAX;
                }
                int r = matchSingle(type, name, sub.getBase());
                if (r == OK) {
                    return X509VerifyCodes.EXCLUDED_VIOLATION;
                } else if (r != VIOLATION) {
                    return r;
                }
            }
        }
        return OK;
    }

    /** An SmtpUTF8Mailbox otherName is constrained by rfc822Name subtrees (RFC 8398). */
    private static int effectiveType(GeneralName name) {
        if (name.getTagNo() == GeneralName.otherName && SMTP_UTF8_MAILBOX.equals(otherNameType(name))) {
            return GeneralName.rfc822Name;
        }
        return name.getTagNo();
    }

    private static boolean sameType(int type, GeneralName name, GeneralName base) {
        if (type != base.getTagNo()) {
            return false;
        }
        return type != GeneralName.otherName || otherNameType(name).equals(otherNameType(base));
    }

    /** {@code nc_minmax_valid}: minimum must be 0 and maximum absent (RFC 5280). */
    private static boolean minMaxValid(GeneralSubtree sub) {
        return sub.getMaximum() == null && (sub.getMinimum() == null || BigInteger.ZERO.equals(sub.getMinimum()));
    }

    /** {@code nc_match_single}. */
    private static int matchSingle(int type, GeneralName name, GeneralName base) {
        if (name.getTagNo() == GeneralName.otherName) {
            if (type != GeneralName.rfc822Name) {
                return X509VerifyCodes.UNSUPPORTED_CONSTRAINT_TYPE;
            }
            ASN1Encodable value = otherNameValue(name);
            if (!(value instanceof DERUTF8String utf8)) {
                return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
            }
            return matchEmailUtf8(utf8.getString(), ia5(base));
        }
        return switch (name.getTagNo()) {
            case GeneralName.directoryName -> matchDn(X500Name.getInstance(name.getName()),
                    X500Name.getInstance(base.getName()));
            case GeneralName.dNSName -> matchDns(ia5(name), ia5(base));
            case GeneralName.rfc822Name -> matchEmail(ia5(name), ia5(base));
            case GeneralName.uniformResourceIdentifier -> matchUri(ia5(name), ia5(base));
            case GeneralName.iPAddress -> matchIp(ASN1OctetString.getInstance(name.getName()).getOctets(),
                    ASN1OctetString.getInstance(base.getName()).getOctets());
            default -> X509VerifyCodes.UNSUPPORTED_CONSTRAINT_TYPE;
        };
    }

    /** {@code nc_dn}: the base's RDNs are the first RDNs of the name (canonical comparison). */
    private static int matchDn(X500Name name, X500Name base) {
        RDN[] n = name.getRDNs();
        RDN[] b = base.getRDNs();
        if (b.length > n.length) {
            return VIOLATION;
        }
        for (int i = 0; i < b.length; i++) {
            if (!single(b[i]).equals(single(n[i]))) {
                return VIOLATION;
            }
        }
        return OK;
    }

    private static X500Principal single(RDN rdn) {
        return Names.principal(new X500Name(new RDN[] {rdn}));
    }

    /** {@code nc_dns}: a suffix match on label boundaries; an empty base matches everything. */
    private static int matchDns(String dns, String base) {
        if (base.isEmpty()) {
            return OK;
        }
        if (dns.length() < base.length()) {
            return VIOLATION;
        }
        int start = dns.length() - base.length();
        if (start > 0 && base.charAt(0) != '.' && dns.charAt(start - 1) != '.') {
            return VIOLATION;
        }
        return dns.substring(start).equalsIgnoreCase(base) ? OK : VIOLATION;
    }

    /**
     * {@code nc_email}: a base with a local part matches one mailbox (local part case-sensitive), a base
     * without is a host ({@code example.com}) or, starting with a dot, a domain suffix.
     */
    private static int matchEmail(String email, String base) {
        int at = email.lastIndexOf('@');
        if (at < 0) {
            return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
        }
        int baseAt = base.lastIndexOf('@');
        if (baseAt < 0 && base.startsWith(".")) {
            return email.length() > base.length()
                    && email.substring(email.length() - base.length()).equalsIgnoreCase(base) ? OK : VIOLATION;
        }
        String baseHost = base;
        if (baseAt >= 0) {
            if (baseAt > 0) {
                String baseLocal = base.substring(0, baseAt);
                String local = email.substring(0, at);
                if (baseLocal.indexOf('\u0000') >= 0 || local.indexOf('\u0000') >= 0) {
                    return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
                }
                if (!baseLocal.equals(local)) {
                    return VIOLATION;
                }
            }
            baseHost = base.substring(baseAt + 1);
        }
        return email.substring(at + 1).equalsIgnoreCase(baseHost) ? OK : VIOLATION;
    }

    /** {@code nc_email_eai}: the host of a UTF-8 mailbox against the base host in U-label form. */
    private static int matchEmailUtf8(String email, String base) {
        if (base.indexOf('\u0000') >= 0) {
            return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
        }
        int at = email.lastIndexOf('@');
        if (at < 0) {
            return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
        }
        String ulabel;
        try {
            ulabel = IDN.toUnicode(base, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            return X509VerifyCodes.UNSPECIFIED;
        }
        if (ulabel.startsWith(".")) {
            return email.length() > ulabel.length()
                    && email.substring(email.length() - ulabel.length()).equalsIgnoreCase(ulabel) ? OK : VIOLATION;
        }
        return email.substring(at + 1).equalsIgnoreCase(ulabel) ? OK : VIOLATION;
    }

    /** {@code nc_uri}: the host of {@code scheme://host[:port][/...]}; a base starting with a dot is a suffix. */
    private static int matchUri(String uri, String base) {
        int colon = uri.indexOf(':');
        if (colon < 0 || uri.length() - colon < 3 || uri.charAt(colon + 1) != '/' || uri.charAt(colon + 2) != '/') {
            return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
        }
        int hostStart = colon + 3;
        int end = uri.indexOf(':', hostStart);
        if (end < 0) {
            end = uri.indexOf('/', hostStart);
        }
        String host = end < 0 ? uri.substring(hostStart) : uri.substring(hostStart, end);
        if (host.isEmpty()) {
            return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
        }
        if (base.startsWith(".")) {
            return host.length() > base.length()
                    && host.substring(host.length() - base.length()).equalsIgnoreCase(base) ? OK : VIOLATION;
        }
        return host.equalsIgnoreCase(base) ? OK : VIOLATION;
    }

    /** {@code nc_ip}: address and mask (8 or 32 bytes) against a 4 or 16 byte address. */
    private static int matchIp(byte[] ip, byte[] base) {
        if ((ip.length != 4 && ip.length != 16) || (base.length != 8 && base.length != 32)) {
            return X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX;
        }
        if (ip.length * 2 != base.length) {
            return VIOLATION; // IPv4 never matches IPv6
        }
        for (int i = 0; i < ip.length; i++) {
            byte mask = base[ip.length + i];
            if ((ip[i] & mask) != (base[i] & mask)) {
                return VIOLATION;
            }
        }
        return OK;
    }

    private static String ia5(GeneralName name) {
        ASN1Encodable value = name.getName();
        return value instanceof ASN1String s ? s.getString() : value.toString();
    }

    private static ASN1ObjectIdentifier otherNameType(GeneralName name) {
        return ASN1ObjectIdentifier.getInstance(ASN1Sequence.getInstance(name.getName()).getObjectAt(0));
    }

    private static ASN1Encodable otherNameValue(GeneralName name) {
        ASN1TaggedObject tagged = ASN1TaggedObject.getInstance(ASN1Sequence.getInstance(name.getName()).getObjectAt(1));
        return tagged.getExplicitBaseObject();
    }
}
