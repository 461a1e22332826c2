package io.certgate.pdp.cli;

import com.linecorp.armeria.common.annotation.Nullable;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.OcspResult;
import io.certgate.pdp.cert.VerifyResult;
import io.certgate.pdp.cert.X509VerifyCodes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

/**
 * Explains a verification result in the order operators troubleshoot a client certificate: format, chain
 * completeness, trust anchor, validity window, purpose, revocation, constraints. The stage OpenSSL's first error
 * belongs to gets the diagnosis and fix; the leaf's validity, purpose and revocation are also checked on their
 * own, so a second problem hidden behind the first error shows up in the same run.
 */
final class ChainDiagnosis {
    enum Stage {
        FORMAT("format"), CHAIN("chain"), TRUST("trust anchor"), VALIDITY("validity"), PURPOSE("purpose"),
        REVOCATION("revocation"), OCSP("ocsp"), CONSTRAINTS("constraints");

        final String label;

        Stage(String label) {
            this.label = label;
        }
    }

    enum Status { OK, FAIL, SKIPPED }

    /** One line of the walk: the stage, its outcome, what was found and (on failure) how to fix it. */
    record Finding(Stage stage, Status status, String summary, List<String> details, @Nullable String fix) {
        Finding {
            details = List.copyOf(details);
        }
    }

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String NETSCAPE_SGC = "2.16.840.1.113730.4.1";
    private static final String MICROSOFT_SGC = "1.3.6.1.4.1.311.10.3.3";
    private static final String ANY_EKU = "2.5.29.37.0";
    private static final HexFormat HEX = HexFormat.of();
    private static final String[] CRL_REASONS = {"unspecified", "keyCompromise", "cACompromise",
        "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold", "unused", "removeFromCRL",
        "privilegeWithdrawn", "aACompromise"};

    private final List<X509Certificate> chain;
    private final List<X509Certificate> anchors;
    private final List<X509CRL> crls;
    private final Instant at;
    private final ChainVerifier.Purpose purpose;

    ChainDiagnosis(List<X509Certificate> chain, List<X509Certificate> anchors, List<X509CRL> crls, Instant at,
            ChainVerifier.Purpose purpose) {
        this.chain = List.copyOf(chain);
        this.anchors = List.copyOf(anchors);
        this.crls = List.copyOf(crls);
        this.at = at;
        this.purpose = purpose;
    }

    /** The stage a verification code belongs to in the troubleshooting order. */
    static Stage stageOf(int code) {
        return switch (code) {
            case X509VerifyCodes.ERROR_IN_CERT_NOT_BEFORE_FIELD, X509VerifyCodes.ERROR_IN_CERT_NOT_AFTER_FIELD,
                    X509VerifyCodes.UNSUPPORTED_SIGNATURE_ALGORITHM -> Stage.FORMAT;
            case X509VerifyCodes.UNABLE_TO_GET_ISSUER_CERT, X509VerifyCodes.UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                    X509VerifyCodes.CERT_CHAIN_TOO_LONG, X509VerifyCodes.PATH_LOOP -> Stage.CHAIN;
            case X509VerifyCodes.CERT_NOT_YET_VALID, X509VerifyCodes.CERT_HAS_EXPIRED -> Stage.VALIDITY;
            case X509VerifyCodes.INVALID_PURPOSE -> Stage.PURPOSE;
            case X509VerifyCodes.UNABLE_TO_GET_CRL, X509VerifyCodes.UNABLE_TO_DECRYPT_CRL_SIGNATURE,
                    X509VerifyCodes.CRL_SIGNATURE_FAILURE, X509VerifyCodes.CRL_NOT_YET_VALID,
                    X509VerifyCodes.CRL_HAS_EXPIRED, X509VerifyCodes.ERROR_IN_CRL_LAST_UPDATE_FIELD,
                    X509VerifyCodes.ERROR_IN_CRL_NEXT_UPDATE_FIELD, X509VerifyCodes.CERT_REVOKED,
                    X509VerifyCodes.UNABLE_TO_GET_CRL_ISSUER, X509VerifyCodes.KEYUSAGE_NO_CRL_SIGN,
                    X509VerifyCodes.UNHANDLED_CRITICAL_CRL_EXTENSION, X509VerifyCodes.DIFFERENT_CRL_SCOPE,
                    X509VerifyCodes.CRL_PATH_VALIDATION_ERROR -> Stage.REVOCATION;
            case X509VerifyCodes.PATH_LENGTH_EXCEEDED, X509VerifyCodes.UNHANDLED_CRITICAL_EXTENSION,
                    X509VerifyCodes.PROXY_CERTIFICATES_NOT_ALLOWED, X509VerifyCodes.PERMITTED_VIOLATION,
                    X509VerifyCodes.EXCLUDED_VIOLATION, X509VerifyCodes.SUBTREE_MINMAX,
                    X509VerifyCodes.UNSUPPORTED_CONSTRAINT_TYPE, X509VerifyCodes.UNSUPPORTED_CONSTRAINT_SYNTAX,
                    X509VerifyCodes.UNSUPPORTED_NAME_SYNTAX, X509VerifyCodes.EC_KEY_EXPLICIT_PARAMS -> Stage.CONSTRAINTS;
            // self-signed, untrusted root, signature, issuer not a CA, and anything else about the issuers
            default -> Stage.TRUST;
        };
    }

    /**
     * The walk for a chain that was verified ({@code result}), or checked without a CA bundle ({@code null});
     * {@code ocsp} is the outcome of the OCSP stage, which needs the network and so is done by the caller.
     */
    List<Finding> walk(@Nullable VerifyResult result, Finding ocsp) {
        Stage failed = result == null || result.ok() ? null : stageOf(result.code());
        List<Finding> out = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            if (stage == failed) {
                out.add(diagnose(result));
                continue;
            }
            boolean before = failed == null || stage.ordinal() < failed.ordinal();
            out.add(switch (stage) {
                case FORMAT -> ok(stage, chain.size() + " certificate(s); leaf " + dn(chain.get(0)));
                case CHAIN, TRUST -> {
                    if (result == null) {
                        yield skipped(stage, "not checked: no --ca (give the service's mtls.ca_file)");
                    }
                    yield before ? ok(stage, stage == Stage.CHAIN ? pathText(result.path())
                            : "ends in " + dn(last(result.path())) + ", a CA of the bundle")
                            : skipped(stage, "not checked (verification stops at the first error)");
                }
                case VALIDITY -> leafValidity();
                case PURPOSE -> leafPurpose();
                case REVOCATION -> leafRevocation();
                case OCSP -> ocsp;
                case CONSTRAINTS -> result != null && before ? ok(stage, "path length, name constraints and"
                        + " critical extensions are fine")
                        : skipped(stage, result == null ? "not checked: no --ca"
                                : "not checked (verification stops at the first error)");
            });
        }
        return out;
    }

    // ------------------------------------------------------------------ the failed stage

    private Finding diagnose(VerifyResult r) {
        Stage stage = stageOf(r.code());
        X509Certificate at = r.depth() >= 0 && r.depth() < r.path().size() ? r.path().get(r.depth()) : chain.get(0);
        String which = which(r.depth(), r.path().size());
        String head = "error " + r.code() + " (" + r.message() + ")";
        List<String> d = new ArrayList<>();
        return switch (r.code()) {
            case X509VerifyCodes.UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509VerifyCodes.UNABLE_TO_GET_ISSUER_CERT -> {
                X509Certificate top = last(r.path());
                d.add("the path ends at " + dn(top) + ", issued by " + top.getIssuerX500Principal().getName(
                        X500Principal.RFC2253) + ", which is neither in the presented chain nor in the CA bundle");
                String aki = authorityKeyId(top);
                d.add("needs issuer: " + top.getIssuerX500Principal().getName(X500Principal.RFC2253)
                        + (aki == null ? "" : ", authority key id " + aki));
                X509Certificate sameName = anchors.stream()
                        .filter(a -> a.getSubjectX500Principal().equals(top.getIssuerX500Principal()))
                        .findFirst().orElse(null);
                if (sameName != null) {
                    d.add("the bundle has a CA of that name with subject key id " + subjectKeyId(sameName)
                            + ": a different key (re-keyed or a look-alike CA)");
                    yield fail(stage, head + ": the issuer's name is trusted but not its key", d,
                            "add the CA certificate whose subject key id matches " + aki + " to mtls.ca_file");
                }
                if (top.getBasicConstraints() < 0) {
                    yield fail(stage, head + ": missing intermediate or wrong CA", d,
                            "if " + top.getIssuerX500Principal().getName(X500Principal.RFC2253) + " is an"
                            + " intermediate of a CA you trust, the client must send it after its certificate"
                            + " (a chain file: leaf, then intermediates); otherwise the certificate comes from a"
                            + " CA this service does not trust (wrong CA): add that CA to mtls.ca_file only if it"
                            + " should be trusted");
                }
                yield fail(stage, head + ": the chain leads to a CA this bundle does not trust (wrong CA)", d,
                        "add the root of that chain to mtls.ca_file if it should be trusted, or issue the"
                        + " client certificate from a CA the service trusts");
            }
            case X509VerifyCodes.CERT_CHAIN_TOO_LONG -> fail(stage, head + ": more intermediates than the verify"
                    + " depth allows", List.of(pathText(r.path())), "shorten the chain or raise the verify depth");
            case X509VerifyCodes.DEPTH_ZERO_SELF_SIGNED_CERT -> fail(stage, head + ": the certificate is"
                    + " self-signed and not in the CA bundle", List.of("subject = issuer = " + dn(at)
                    + ", sha256 " + sha256(at)), "issue the client certificate from the CA in mtls.ca_file"
                    + " (a self-signed certificate is trusted only when it is itself in the bundle)");
            case X509VerifyCodes.SELF_SIGNED_CERT_IN_CHAIN -> fail(stage, head + ": the chain ends in a root"
                    + " that is not in the CA bundle (wrong CA)", List.of("untrusted root: " + dn(at) + ", sha256 "
                    + sha256(at), "the bundle holds: " + String.join("; ", anchors.stream().map(ChainDiagnosis::dn)
                    .toList())), "add that root to mtls.ca_file if it should be trusted; otherwise the client"
                    + " needs a certificate from a trusted CA");
            case X509VerifyCodes.CERT_SIGNATURE_FAILURE -> fail(stage, head + ": the signature of " + which
                    + " does not verify", List.of(dn(at) + " names " + at.getIssuerX500Principal().getName(
                    X500Principal.RFC2253) + " as its issuer, but that key did not sign it"),
                    "the file was altered or the issuer was re-keyed: get the certificate (or the CA) again");
            case X509VerifyCodes.INVALID_CA, X509VerifyCodes.NO_ISSUER_PUBLIC_KEY, X509VerifyCodes.INVALID_NON_CA ->
                    fail(stage, head + ": " + which + " is not a CA", List.of(dn(at)
                    + " has no basicConstraints CA:TRUE but issued a certificate below it"),
                    "issue the client certificate from a real CA (basicConstraints CA:TRUE, keyUsage keyCertSign)");
            case X509VerifyCodes.KEYUSAGE_NO_CERTSIGN -> fail(stage, head + ": " + which + " may not sign"
                    + " certificates", List.of(dn(at) + " lacks keyUsage keyCertSign"),
                    "reissue that CA with keyUsage keyCertSign, cRLSign");
            case X509VerifyCodes.CERT_HAS_EXPIRED, X509VerifyCodes.CERT_NOT_YET_VALID -> {
                d.add(validityText(at));
                boolean expired = r.code() == X509VerifyCodes.CERT_HAS_EXPIRED;
                yield fail(stage, head + ": " + which + (expired ? " has expired" : " is not yet valid"), d,
                        expired ? (r.depth() == 0 ? "renew the client certificate"
                                : "renew that CA certificate and put the new one in the client's chain or the"
                                        + " bundle (certificates it issued stay valid with a renewed CA of the same key)")
                                : "check the clocks (this machine's and the issuing CA's), or wait until notBefore");
            }
            case X509VerifyCodes.INVALID_PURPOSE -> {
                List<String> missing = r.depth() == 0 ? missingForPurpose(at) : List.of(ekuMissing());
                List<String> facts = new ArrayList<>(purposeFacts(at));
                String lacks = missing.isEmpty() ? "its Netscape certificate type excludes it"
                        : "missing " + String.join(" and ", missing);
                facts.add(lacks);
                yield fail(stage, head + ": " + (r.depth() == 0 ? "the certificate" : which) + " is not allowed for "
                        + purposeText() + " (" + lacks + ")", facts, r.depth() > 0 ? "a CA's extendedKeyUsage"
                        + " restricts everything it issues: reissue the CA with " + ekuName() + " in its EKU (or"
                        + " without an EKU)" : "reissue the certificate with " + (missing.isEmpty()
                        ? ekuMissing() + " and " + kuNeeded() : String.join(" and ", missing)));
            }
            case X509VerifyCodes.CERT_REVOKED -> fail(stage, head + ": " + which + " is revoked",
                    revocationFacts(at), "issue the client a new certificate (a revoked one cannot be reinstated"
                    + " unless the reason is certificateHold and the CA removes it from the next CRL)");
            case X509VerifyCodes.UNABLE_TO_GET_CRL -> fail(stage, head + ": no CRL of "
                    + at.getIssuerX500Principal().getName(X500Principal.RFC2253) + " was given",
                    List.of("with CRLs configured, every checked certificate's issuer needs one"),
                    "add that CA's CRL to mtls.crl_files (--crl)");
            case X509VerifyCodes.CRL_HAS_EXPIRED, X509VerifyCodes.CRL_NOT_YET_VALID -> fail(stage, head
                    + ": the CRL of " + at.getIssuerX500Principal().getName(X500Principal.RFC2253)
                    + " is outside its validity", crlFacts(at), "fetch a current CRL from the CA and replace the"
                    + " file (CRLs must be refreshed before nextUpdate)");
            case X509VerifyCodes.CRL_SIGNATURE_FAILURE, X509VerifyCodes.UNABLE_TO_DECRYPT_CRL_SIGNATURE -> fail(stage,
                    head + ": the CRL of " + at.getIssuerX500Principal().getName(X500Principal.RFC2253)
                    + " is not signed by that CA", crlFacts(at), "get the CRL from the CA again");
            case X509VerifyCodes.PATH_LENGTH_EXCEEDED -> fail(stage, head + ": " + which + " allows fewer"
                    + " intermediates below it", List.of(dn(at) + " has pathLenConstraint " + at.getBasicConstraints(),
                    pathText(r.path())), "issue from a CA higher up, or reissue the CA with a larger pathLenConstraint");
            case X509VerifyCodes.PERMITTED_VIOLATION, X509VerifyCodes.EXCLUDED_VIOLATION ->
                    fail(stage, head + ": a name of " + which + " is outside the name constraints of a CA above it",
                    List.of("names: " + dn(at) + sanText(at), constraintsText(r.path(), r.depth())),
                    "reissue the certificate with names inside the CA's permitted subtrees");
            case X509VerifyCodes.UNHANDLED_CRITICAL_EXTENSION -> fail(stage, head + ": " + which + " has a"
                    + " critical extension OpenSSL does not know", List.of("critical extensions: "
                    + at.getCriticalExtensionOIDs()), "reissue without that extension or mark it non-critical");
            default -> fail(stage, head + " at " + which, List.of(dn(at)), "see the OpenSSL documentation of"
                    + " X509_V_ERR code " + r.code());
        };
    }

    // ------------------------------------------------------------------ independent leaf checks

    private Finding leafValidity() {
        X509Certificate leaf = chain.get(0);
        if (at.isAfter(leaf.getNotAfter().toInstant())) {
            return fail(Stage.VALIDITY, "the certificate has expired", List.of(validityText(leaf)),
                    "renew the client certificate");
        }
        if (at.isBefore(leaf.getNotBefore().toInstant())) {
            return fail(Stage.VALIDITY, "the certificate is not yet valid", List.of(validityText(leaf)),
                    "check the clocks, or wait until notBefore");
        }
        return ok(Stage.VALIDITY, validityText(leaf));
    }

    private Finding leafPurpose() {
        X509Certificate leaf = chain.get(0);
        List<String> facts = new ArrayList<>(purposeFacts(leaf));
        List<String> missing = missingForPurpose(leaf);
        if (missing.isEmpty()) {
            return ok(Stage.PURPOSE, "allowed for " + purposeText() + ": " + String.join("; ", facts));
        }
        facts.add("missing " + String.join(" and ", missing));
        String why = missing.get(0).equals(ekuMissing()) ? "no " + ekuName() + " EKU"
                : "keyUsage lacks " + kuNeeded().substring("keyUsage ".length());
        return fail(Stage.PURPOSE, why + ": not allowed for " + purposeText() + " (openssl verify -purpose "
                + purpose.openSslName() + ")", facts, "reissue the certificate with " + String.join(" and ", missing));
    }

    /** What the leaf lacks for the purpose, as OpenSSL's {@code check_purpose_ssl_client/server} judge it. */
    private List<String> missingForPurpose(X509Certificate c) {
        List<String> missing = new ArrayList<>();
        if (!allowsPurpose(c)) {
            missing.add(ekuMissing());
        }
        boolean[] ku = c.getKeyUsage();
        // bits: 0 digitalSignature, 2 keyEncipherment, 4 keyAgreement
        boolean kuOk = ku == null || ku[0] || (ku.length > 4 && ku[4])
                || (purpose == ChainVerifier.Purpose.SSL_SERVER && ku.length > 2 && ku[2]);
        if (!kuOk) {
            missing.add(kuNeeded());
        }
        return missing;
    }

    private String purposeText() {
        return purpose == ChainVerifier.Purpose.SSL_CLIENT ? "TLS client authentication" : "a TLS server";
    }

    private String ekuName() {
        return purpose == ChainVerifier.Purpose.SSL_CLIENT ? "clientAuth" : "serverAuth";
    }

    private String ekuMissing() {
        return "extendedKeyUsage " + ekuName();
    }

    private String kuNeeded() {
        return purpose == ChainVerifier.Purpose.SSL_CLIENT ? "keyUsage digitalSignature (or keyAgreement)"
                : "keyUsage digitalSignature or keyEncipherment (or keyAgreement)";
    }

    private boolean allowsPurpose(X509Certificate c) {
        try {
            List<String> eku = c.getExtendedKeyUsage();
            if (eku == null) {
                return true;
            }
            return purpose == ChainVerifier.Purpose.SSL_CLIENT ? eku.contains(CLIENT_AUTH)
                    : eku.contains(SERVER_AUTH) || eku.contains(NETSCAPE_SGC) || eku.contains(MICROSOFT_SGC);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private Finding leafRevocation() {
        if (crls.isEmpty()) {
            return skipped(Stage.REVOCATION, "not checked: no --crl (the gateway checks mtls.crl_files and OCSP)");
        }
        X509Certificate leaf = chain.get(0);
        X509CRL crl = crlOf(leaf);
        if (crl == null) {
            return fail(Stage.REVOCATION, "no CRL of the issuer " + leaf.getIssuerX500Principal().getName(
                    X500Principal.RFC2253) + " among the CRLs given", List.of(), "add that CA's CRL (--crl)");
        }
        if (crl.getRevokedCertificate(leaf) != null) {
            return fail(Stage.REVOCATION, "the certificate is revoked", revocationFacts(leaf),
                    "issue the client a new certificate");
        }
        return ok(Stage.REVOCATION, "not on the CRL of " + dn(crl.getIssuerX500Principal())
                + " (next update " + crl.getNextUpdate().toInstant() + ")");
    }

    // ------------------------------------------------------------------ OCSP

    /** The OCSP stage when the responder was asked. */
    static Finding ocsp(OcspResult r) {
        String url = r.responderUrl();
        List<String> d = new ArrayList<>();
        if (r.thisUpdate() != null) {
            d.add("this update " + r.thisUpdate() + ", next update " + (r.nextUpdate() == null ? "(none)"
                    : r.nextUpdate()));
        }
        return switch (r.status()) {
            case GOOD -> new Finding(Stage.OCSP, Status.OK, "good according to " + url, d, null);
            case REVOKED -> fail(Stage.OCSP, "revoked according to " + url, List.of(r.message()),
                    "issue the client a new certificate");
            case UNKNOWN -> fail(Stage.OCSP, "unknown to " + url + ": the responder does not know this certificate",
                    List.of(r.message()), "check that the responder serves the CA that issued the certificate"
                    + " (the gateway reports 75 unless ocsp.soft_fail is true)");
            case ERROR -> url == null ? skipped(Stage.OCSP, "not checked: " + r.message())
                    : fail(Stage.OCSP, "unreachable or unusable: " + url, List.of(r.message()),
                    "make the responder reachable from the gateway and check its answers (the gateway reports 74"
                    + " unless ocsp.soft_fail is true)");
        };
    }

    /** The OCSP stage when the responder was not asked, and why. */
    static Finding ocspSkipped(String why) {
        return skipped(Stage.OCSP, why);
    }

    // ------------------------------------------------------------------ facts

    private String validityText(X509Certificate c) {
        Instant nb = c.getNotBefore().toInstant();
        Instant na = c.getNotAfter().toInstant();
        String when;
        if (at.isAfter(na)) {
            when = "expired " + days(Duration.between(na, at)) + " ago";
        } else if (at.isBefore(nb)) {
            when = "valid in " + days(Duration.between(at, nb));
        } else {
            when = "expires in " + days(Duration.between(at, na));
        }
        return dn(c) + " is valid from " + nb + " to " + na + ": " + when + " (as of " + at + ")";
    }

    private static String days(Duration d) {
        long days = d.toDays();
        return days > 0 ? days + " day(s)" : d.toHours() + " hour(s)";
    }

    private static List<String> purposeFacts(X509Certificate c) {
        List<String> out = new ArrayList<>();
        try {
            List<String> eku = c.getExtendedKeyUsage();
            out.add("extendedKeyUsage: " + (eku == null ? "(none: any purpose)"
                    : String.join(", ", eku.stream().map(ChainDiagnosis::ekuName).toList())));
        } catch (CertificateParsingException e) {
            out.add("extendedKeyUsage: malformed (" + e.getMessage() + ")");
        }
        boolean[] ku = c.getKeyUsage();
        if (ku != null) {
            List<String> bits = new ArrayList<>();
            String[] names = {"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
            for (int i = 0; i < ku.length && i < names.length; i++) {
                if (ku[i]) {
                    bits.add(names[i]);
                }
            }
            out.add("keyUsage: " + (bits.isEmpty() ? "(empty)" : String.join(", ", bits)));
        }
        return out;
    }

    private static String ekuName(String oid) {
        return switch (oid) {
            case SERVER_AUTH -> "serverAuth";
            case CLIENT_AUTH -> "clientAuth";
            case "1.3.6.1.5.5.7.3.3" -> "codeSigning";
            case "1.3.6.1.5.5.7.3.4" -> "emailProtection";
            case "1.3.6.1.5.5.7.3.9" -> "OCSPSigning";
            case ANY_EKU -> "anyExtendedKeyUsage";
            case NETSCAPE_SGC -> "nsSGC";
            case MICROSOFT_SGC -> "msSGC";
            default -> oid;
        };
    }

    @Nullable
    private X509CRL crlOf(X509Certificate c) {
        return crls.stream().filter(crl -> crl.getIssuerX500Principal().equals(c.getIssuerX500Principal()))
                .max((a, b) -> a.getThisUpdate().compareTo(b.getThisUpdate())).orElse(null);
    }

    private List<String> revocationFacts(X509Certificate c) {
        X509CRL crl = crlOf(c);
        X509CRLEntry entry = crl == null ? null : crl.getRevokedCertificate(c);
        if (entry == null) {
            return List.of("serial " + serial(c));
        }
        String reason = entry.getRevocationReason() == null ? "unspecified"
                : CRL_REASONS[Math.min(entry.getRevocationReason().ordinal(), CRL_REASONS.length - 1)];
        return List.of("serial " + serial(c) + " revoked on "
                + entry.getRevocationDate().toInstant() + ", reason " + reason, "by the CRL of "
                + dn(crl.getIssuerX500Principal()) + " (this update " + crl.getThisUpdate().toInstant()
                + ", next update " + crl.getNextUpdate().toInstant() + ")");
    }

    private List<String> crlFacts(X509Certificate c) {
        X509CRL crl = crlOf(c);
        return crl == null ? List.of() : List.of("CRL of " + dn(crl.getIssuerX500Principal()) + ": this update "
                + crl.getThisUpdate().toInstant() + ", next update "
                + (crl.getNextUpdate() == null ? "(none)" : crl.getNextUpdate().toInstant()) + " (as of " + at + ")");
    }

    private static String sanText(X509Certificate c) {
        try {
            var sans = c.getSubjectAlternativeNames();
            return sans == null ? "" : "; SANs " + sans.stream().map(l -> String.valueOf(l.get(1))).toList();
        } catch (CertificateParsingException e) {
            return "; SANs malformed";
        }
    }

    /** The name constraints of the CAs above {@code depth} (OpenSSL reports the certificate whose name fails). */
    private static String constraintsText(List<X509Certificate> path, int depth) {
        List<String> out = new ArrayList<>();
        for (int i = Math.max(depth, 0) + 1; i < path.size(); i++) {
            X509Certificate ca = path.get(i);
            byte[] ext = ca.getExtensionValue(Extension.nameConstraints.getId());
            if (ext != null) {
                NameConstraints nc = NameConstraints.getInstance(ASN1OctetString.getInstance(ext).getOctets());
                out.add("constraints of " + dn(ca) + ": permitted " + subtrees(nc.getPermittedSubtrees())
                        + ", excluded " + subtrees(nc.getExcludedSubtrees()));
            }
        }
        return out.isEmpty() ? "no CA above it has name constraints" : String.join("; ", out);
    }

    private static String subtrees(@Nullable GeneralSubtree[] trees) {
        if (trees == null) {
            return "(none)";
        }
        List<String> out = new ArrayList<>();
        for (GeneralSubtree t : trees) {
            GeneralName n = t.getBase();
            String kind = switch (n.getTagNo()) {
                case GeneralName.rfc822Name -> "email";
                case GeneralName.dNSName -> "DNS";
                case GeneralName.directoryName -> "DirName";
                case GeneralName.uniformResourceIdentifier -> "URI";
                case GeneralName.iPAddress -> "IP";
                default -> "other";
            };
            String value = n.getTagNo() == GeneralName.iPAddress
                    ? HEX.formatHex(ASN1OctetString.getInstance(n.getName()).getOctets())
                    : n.getName().toString();
            out.add(kind + ":" + value);
        }
        return out.toString();
    }

    @Nullable
    private static String authorityKeyId(X509Certificate c) {
        byte[] ext = c.getExtensionValue(Extension.authorityKeyIdentifier.getId());
        if (ext == null) {
            return null;
        }
        byte[] id = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets())
                .getKeyIdentifier();
        return id == null ? null : colonHex(id);
    }

    private static String subjectKeyId(X509Certificate c) {
        byte[] ext = c.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        return ext == null ? "(none)" : colonHex(SubjectKeyIdentifier.getInstance(
                ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier());
    }

    private static String colonHex(byte[] b) {
        return HexFormat.ofDelimiter(":").formatHex(b);
    }

    private static String sha256(X509Certificate c) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (GeneralSecurityException e) {
            return "(unavailable)";
        }
    }

    /** Even-length lowercase hex, as x-ssl-client-serial and {@code openssl x509 -serial} print it. */
    private static String serial(X509Certificate c) {
        String hex = c.getSerialNumber().toString(16);
        return hex.length() % 2 == 0 ? hex : "0" + hex;
    }

    private static String which(int depth, int pathSize) {
        if (depth <= 0) {
            return "the client certificate";
        }
        return depth == pathSize - 1 ? "the trust anchor (depth " + depth + ")" : "the CA at depth " + depth;
    }

    private static String pathText(List<X509Certificate> path) {
        return String.join(" -> ", path.stream().map(ChainDiagnosis::dn).toList());
    }

    private static X509Certificate last(List<X509Certificate> path) {
        return path.get(path.size() - 1);
    }

    static String dn(X509Certificate c) {
        return dn(c.getSubjectX500Principal());
    }

    private static String dn(X500Principal p) {
        return p.getName(X500Principal.RFC2253);
    }

    private static Finding ok(Stage stage, String summary) {
        return new Finding(stage, Status.OK, summary, List.of(), null);
    }

    private static Finding skipped(Stage stage, String summary) {
        return new Finding(stage, Status.SKIPPED, summary, List.of(), null);
    }

    private static Finding fail(Stage stage, String summary, List<String> details, String fix) {
        return new Finding(stage, Status.FAIL, summary, details, fix);
    }
}
