package io.certgate.pdp.cert;

import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/**
 * Revocation checking against CRLs as OpenSSL 3.0's {@code check_revocation} does it with {@code -crl_check}
 * (the leaf) or {@code -crl_check_all} (every certificate of the path, the trust anchor included), without
 * extended CRL support (no indirect CRLs, no partitioning by reason) and without delta CRLs.
 *
 * <p>For each certificate, every CRL is scored ({@code get_crl_score}): its issuer name must be the
 * certificate's issuer and its AKID must match a certificate on the path; in scope, unexpired and free of
 * unhandled critical extensions scores higher. The best CRL is used even when it is expired or out of scope,
 * which then is the error reported; no CRL at all is {@link X509VerifyCodes#UNABLE_TO_GET_CRL}.
 */
final class CrlChecker {
    // get_crl_score bits
    private static final int SCORE_NOCRITICAL = 0x100;
    private static final int SCORE_SCOPE = 0x080;
    private static final int SCORE_TIME = 0x040;
    private static final int SCORE_ISSUER_NAME = 0x020;
    private static final int SCORE_ISSUER_CERT = 0x018;
    private static final int SCORE_SAME_PATH = 0x008;
    private static final int SCORE_AKID = 0x004;

    private final List<CrlFacts> crls;
    private final boolean checkAll;

    CrlChecker(List<CrlFacts> crls, boolean checkAll) {
        this.crls = List.copyOf(crls);
        this.checkAll = checkAll;
    }

    /** The chosen CRL for one certificate, its score, the certificate that issued it and the reasons it covers. */
    private record Candidate(CrlFacts crl, int score, CertFacts issuer, int reasons) {
    }

    /** The first revocation error on {@code path} at {@code now}, or null. */
    Failure check(List<CertFacts> path, long now) {
        int last = checkAll ? path.size() - 1 : 0;
        for (int depth = 0; depth <= last; depth++) {
            int code = checkCertificate(path, depth, now);
            if (code != X509VerifyCodes.OK) {
                return new Failure(code, depth);
            }
        }
        return null;
    }

    /** {@code check_cert}: find CRLs until every revocation reason is covered. */
    private int checkCertificate(List<CertFacts> path, int depth, long now) {
        CertFacts cert = path.get(depth);
        if (cert.proxy) {
            return X509VerifyCodes.OK;
        }
        int covered = 0;
        while (covered != CrlFacts.ALL_REASONS) {
            Candidate c = bestCrl(path, depth, covered, now);
            if (c == null) {
                return X509VerifyCodes.UNABLE_TO_GET_CRL;
            }
            int lastCovered = covered;
            covered = c.reasons();
            int code = checkCrl(c, now);
            if (code == X509VerifyCodes.OK) {
                code = checkListed(c.crl(), cert);
            }
            if (code != X509VerifyCodes.OK) {
                return code;
            }
            if (lastCovered == covered) {
                return X509VerifyCodes.UNABLE_TO_GET_CRL; // no progress: the remaining reasons have no CRL
            }
        }
        return X509VerifyCodes.OK;
    }

    /** {@code get_crl_sk}: the highest-scoring CRL; on a tie the one issued later. */
    private Candidate bestCrl(List<CertFacts> path, int depth, int covered, long now) {
        Candidate best = null;
        for (CrlFacts crl : crls) {
            Candidate c = score(crl, path, depth, covered, now);
            if (c == null || (best != null && c.score() < best.score())) {
                continue;
            }
            if (best != null && c.score() == best.score() && crl.thisUpdate <= best.crl().thisUpdate) {
                continue;
            }
            best = c;
        }
        return best;
    }

    /** {@code get_crl_score}; null for a CRL that cannot be used for this certificate at all. */
    private Candidate score(CrlFacts crl, List<CertFacts> path, int depth, int covered, long now) {
        CertFacts cert = path.get(depth);
        // without extended CRL support, indirect and reason-partitioned CRLs are skipped (deltas are not)
        if (crl.idpInvalid || crl.indirect || crl.someReasons) {
            return null;
        }
        if (!cert.issuer.equals(crl.issuer)) {
            return null;
        }
        int score = SCORE_ISSUER_NAME;
        if (!crl.unhandledCritical) {
            score |= SCORE_NOCRITICAL;
        }
        if (Validity.crlError(crl, now) == X509VerifyCodes.OK) {
            score |= SCORE_TIME;
        }
        // crl_akid_check: the CRL must be signed by the certificate's issuer or by a certificate higher up
        int issuerDepth = depth == path.size() - 1 ? depth : depth + 1;
        CertFacts crlIssuer = null;
        if (CertFacts.checkAkid(path.get(issuerDepth), crl.authorityKeyId) == X509VerifyCodes.OK) {
            crlIssuer = path.get(issuerDepth);
            score |= SCORE_AKID | SCORE_ISSUER_CERT;
        } else {
            for (int i = issuerDepth + 1; i < path.size() && crlIssuer == null; i++) {
                CertFacts candidate = path.get(i);
                if (candidate.subject.equals(crl.issuer)
                        && CertFacts.checkAkid(candidate, crl.authorityKeyId) == X509VerifyCodes.OK) {
                    crlIssuer = candidate;
                    score |= SCORE_AKID | SCORE_SAME_PATH;
                }
            }
        }
        if (crlIssuer == null) {
            return null;
        }
        int reasons = covered;
        Integer scopeReasons = scopeReasons(cert, crl, score);
        if (scopeReasons != null) {
            if ((scopeReasons & ~covered) == 0) {
                return null; // nothing new
            }
            reasons |= scopeReasons;
            score |= SCORE_SCOPE;
        }
        return new Candidate(crl, score, crlIssuer, reasons);
    }

    /** {@code crl_crldp_check}: the reasons the CRL covers for {@code cert}, null when it is out of scope. */
    private static Integer scopeReasons(CertFacts cert, CrlFacts crl, int score) {
        if (crl.onlyAttributeCerts || (cert.ca ? crl.onlyUserCerts : crl.onlyCaCerts)) {
            return null;
        }
        for (DistributionPoint dp : cert.crlDistributionPoints) {
            if (crlIssuerMatches(dp, crl, score)
                    && (crl.distributionPoint == null || sameDistributionPoint(dp, cert, crl.distributionPoint))) {
                int dpReasons = dp.getReasons() == null ? CrlFacts.ALL_REASONS : CrlFacts.reasonBits(dp.getReasons());
                return crl.reasons & dpReasons;
            }
        }
        boolean noIdpName = !crl.hasIssuingDistributionPoint || crl.distributionPoint == null;
        return noIdpName && (score & SCORE_ISSUER_NAME) != 0 ? crl.reasons : null;
    }

    /** {@code crldp_check_crlissuer}. */
    private static boolean crlIssuerMatches(DistributionPoint dp, CrlFacts crl, int score) {
        if (dp.getCRLIssuer() == null) {
            return (score & SCORE_ISSUER_NAME) != 0;
        }
        return CrlFacts.directoryNames(dp.getCRLIssuer()).contains(crl.issuer);
    }

    /** {@code idp_check_dp}: does the certificate's distribution point name the CRL's? */
    private static boolean sameDistributionPoint(DistributionPoint dp, CertFacts cert, CrlFacts.DistPointName idp) {
        X500Principal base = cert.issuer;
        if (dp.getCRLIssuer() != null && !CrlFacts.directoryNames(dp.getCRLIssuer()).isEmpty()) {
            base = CrlFacts.directoryNames(dp.getCRLIssuer()).get(0);
        }
        CrlFacts.DistPointName mine = CrlFacts.DistPointName.of(dp.getDistributionPoint(), base);
        if (mine == null) {
            return true;
        }
        if (mine.relativeResolved() != null && idp.relativeResolved() != null) {
            return mine.relativeResolved().equals(idp.relativeResolved());
        }
        if (mine.relativeResolved() != null) {
            return CrlFacts.directoryNames(idp.fullName()).contains(mine.relativeResolved());
        }
        if (idp.relativeResolved() != null) {
            return CrlFacts.directoryNames(mine.fullName()).contains(idp.relativeResolved());
        }
        return anyCommonName(mine.fullName(), idp.fullName());
    }

    private static boolean anyCommonName(GeneralNames a, GeneralNames b) {
        for (GeneralName x : a.getNames()) {
            for (GeneralName y : b.getNames()) {
                boolean same = x.getTagNo() == GeneralName.directoryName && y.getTagNo() == GeneralName.directoryName
                        ? Names.principal(x).equals(Names.principal(y)) : x.equals(y);
                if (same) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code check_crl}: may this CRL be relied on? In OpenSSL's order of checks. */
    private static int checkCrl(Candidate c, long now) {
        CrlFacts crl = c.crl();
        CertFacts issuer = c.issuer();
        if (!crl.isDelta()) {
            if (issuer.keyUsage != null && (issuer.keyUsage & CertFacts.KU_CRL_SIGN) == 0) {
                return X509VerifyCodes.KEYUSAGE_NO_CRL_SIGN;
            }
            if ((c.score() & SCORE_SCOPE) == 0) {
                return X509VerifyCodes.DIFFERENT_CRL_SCOPE;
            }
            // SCORE_SAME_PATH is always set here: other CRL issuers need extended CRL support
        }
        if ((c.score() & SCORE_TIME) == 0) {
            return Validity.crlError(crl, now); // not yet valid is reported before expired
        }
        try {
            crl.crl.verify(issuer.certificate.getPublicKey());
            return X509VerifyCodes.OK;
        } catch (Exception e) { // wrong key, wrong key type, broken signature: all one error in OpenSSL
            return X509VerifyCodes.CRL_SIGNATURE_FAILURE;
        }
    }

    /** {@code cert_crl}: is {@code cert} on the CRL? */
    private static int checkListed(CrlFacts crl, CertFacts cert) {
        if (crl.unhandledCritical) {
            return X509VerifyCodes.UNHANDLED_CRITICAL_CRL_EXTENSION;
        }
        CrlFacts.Entry entry = crl.find(cert.serial, cert.issuer);
        if (entry != null && !crl.removesFromCrl(entry)) {
            return X509VerifyCodes.CERT_REVOKED;
        }
        return X509VerifyCodes.OK;
    }
}
