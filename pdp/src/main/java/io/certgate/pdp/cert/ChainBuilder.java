package io.certgate.pdp.cert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

/**
 * Builds the certification path the way OpenSSL 3.0's {@code build_chain} does with its default
 * {@code X509_V_FLAG_TRUSTED_FIRST}: for the top certificate, look in the trust store first and only then among
 * the certificates the peer sent; once a trusted certificate is on the path, continue in the trust store only.
 * Candidates are matched on names, AKID and key type only ({@code check_issued}); signatures are checked later,
 * so a wrong candidate surfaces as a signature error exactly as it does in OpenSSL. Among several candidates
 * the first one valid at the verification time wins, else the one that expires last.
 *
 * <p>Thread-safe: the trust store is immutable and every call works on its own lists.
 */
final class ChainBuilder {
    /** The trust anchors ({@code -CAfile}), by subject, in bundle order, without duplicates. */
    private final Map<X500Principal, List<CertFacts>> trustStore;
    /** OpenSSL's {@code max_depth}: verify depth + 1 = the most certificates below the trust anchor. */
    private final int maxDepth;

    ChainBuilder(List<CertFacts> anchors, int verifyDepth) {
        Map<X500Principal, List<CertFacts>> bySubject = new LinkedHashMap<>();
        for (CertFacts anchor : anchors) {
            List<CertFacts> same = bySubject.computeIfAbsent(anchor.subject, k -> new ArrayList<>());
            if (same.stream().noneMatch(anchor::sameAs)) { // X509_STORE_add_cert skips exact duplicates
                same.add(anchor);
            }
        }
        bySubject.replaceAll((k, v) -> List.copyOf(v));
        this.trustStore = Map.copyOf(bySubject);
        this.maxDepth = verifyDepth + 1;
    }

    /** The built path and, when it does not end in a trust anchor, the error OpenSSL reports for it. */
    record Path(List<CertFacts> certs, int numUntrusted, int errorCode) {
        boolean trusted() {
            return errorCode == X509VerifyCodes.OK;
        }

        int size() {
            return certs.size();
        }

        CertFacts get(int depth) {
            return certs.get(depth);
        }
    }

    /**
     * Builds the path for {@code leaf} from the trust store and {@code untrusted} (the rest of what the peer
     * sent, in the order sent), judging validity at {@code now} (epoch seconds).
     */
    Path build(CertFacts leaf, List<CertFacts> untrusted, long now) {
        Walk walk = new Walk(leaf, untrusted, now);
        boolean searchPeer = !untrusted.isEmpty();
        while (true) {
            TrustStep step = walk.extendFromTrustStore();
            if (step == TrustStep.TRUSTED) {
                return walk.path(X509VerifyCodes.OK);
            }
            if (step == TrustStep.EXTENDED) {
                searchPeer = false; // once on trusted ground, never go back to the peer's certificates
                continue;
            }
            if (!searchPeer || !walk.extendFromPeer()) {
                return walk.path(untrustedError(walk.chain, walk.numUntrusted));
            }
        }
    }

    /** What one look into the trust store achieved. */
    private enum TrustStep {
        /** The path now ends in a trusted self-signed certificate. */
        TRUSTED,
        /** A trusted certificate that is not self-signed was added; its issuer is to be found in the store too. */
        EXTENDED,
        /** No trusted issuer, or only a look-alike of the self-signed top certificate. */
        NONE
    }

    /** The path under construction: certificates leaf first, the peer's unused ones, the untrusted count. */
    private final class Walk {
        final List<CertFacts> chain = new ArrayList<>();
        final List<CertFacts> peerPool;
        final long now;
        int numUntrusted = 1;

        Walk(CertFacts leaf, List<CertFacts> untrusted, long now) {
            chain.add(leaf);
            this.peerPool = new ArrayList<>(untrusted);
            this.now = now;
        }

        CertFacts top() {
            return chain.get(chain.size() - 1);
        }

        TrustStep extendFromTrustStore() {
            int num = chain.size();
            CertFacts curr = top();
            CertFacts issuer = num > maxDepth ? null : trustedIssuer(curr, now);
            if (issuer == null) {
                return TrustStep.NONE;
            }
            if (curr.selfSigned) {
                if (!curr.sameAs(issuer)) {
                    return TrustStep.NONE; // same name (and AKID) as a trust anchor, but not the anchor: a mimic
                }
                // a self-signed certificate the peer sent is replaced by the identical trusted one
                numUntrusted = num - 1;
                chain.set(num - 1, issuer);
                return TrustStep.TRUSTED;
            }
            chain.add(issuer);
            return anySelfSignedFrom(chain, num) ? TrustStep.TRUSTED : TrustStep.EXTENDED;
        }

        /** Adds the top certificate's issuer from the peer's certificates; false when there is none. */
        boolean extendFromPeer() {
            CertFacts curr = top();
            if (curr.selfSigned || chain.size() > maxDepth) {
                return false;
            }
            CertFacts issuer = untrustedIssuer(peerPool, chain, curr, now);
            if (issuer == null) {
                return false;
            }
            peerPool.remove(issuer); // by identity: another copy of it stays available
            chain.add(issuer);
            numUntrusted++;
            return true;
        }

        Path path(int errorCode) {
            return new Path(List.copyOf(chain), numUntrusted, errorCode);
        }
    }

    /** The error of a path that does not reach a trust anchor, in OpenSSL's order of precedence. */
    private int untrustedError(List<CertFacts> chain, int numUntrusted) {
        int num = chain.size();
        if (num > maxDepth) {
            return X509VerifyCodes.CERT_CHAIN_TOO_LONG;
        }
        if (chain.get(num - 1).selfSigned) {
            return num == 1 ? X509VerifyCodes.DEPTH_ZERO_SELF_SIGNED_CERT : X509VerifyCodes.SELF_SIGNED_CERT_IN_CHAIN;
        }
        // the top certificate's issuer is missing: from the trust store (it is trusted) or at all
        return numUntrusted < num ? X509VerifyCodes.UNABLE_TO_GET_ISSUER_CERT
                : X509VerifyCodes.UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    }

    /**
     * OpenSSL's {@code check_trust} without auxiliary trust settings: a path is trusted once a self-signed
     * certificate from the trust store is on it (a trusted intermediate alone is not enough, there is no
     * partial-chain mode).
     */
    private static boolean anySelfSignedFrom(List<CertFacts> chain, int from) {
        for (int i = from; i < chain.size(); i++) {
            if (chain.get(i).selfSigned) {
                return true;
            }
        }
        return false;
    }

    /** {@code X509_STORE_CTX_get1_issuer}: the trust store's issuer of {@code cert}, even if it is in the chain. */
    private CertFacts trustedIssuer(CertFacts cert, long now) {
        return bestIssuer(trustStore.getOrDefault(cert.issuer, List.of()), cert, null, now);
    }

    /** {@code find_issuer}: the issuer among the peer's certificates not yet used. */
    private static CertFacts untrustedIssuer(List<CertFacts> pool, List<CertFacts> chain, CertFacts cert, long now) {
        // a self-issued leaf may be followed by a certificate already on the (one-element) chain
        List<CertFacts> exclude = cert.selfIssued && chain.size() == 1 ? null : chain;
        return bestIssuer(pool, cert, exclude, now);
    }

    /** The first candidate valid at {@code now} that likely issued {@code cert}, else the one expiring last. */
    private static CertFacts bestIssuer(List<CertFacts> candidates, CertFacts cert, List<CertFacts> exclude, long now) {
        CertFacts best = null;
        for (CertFacts candidate : candidates) {
            if (!CertFacts.likelyIssued(candidate, cert) || (exclude != null && contains(exclude, candidate))) {
                continue;
            }
            if (Validity.certificateError(candidate, now) == X509VerifyCodes.OK) {
                return candidate;
            }
            if (best == null || candidate.notAfter > best.notAfter) {
                best = candidate;
            }
        }
        return best;
    }

    private static boolean contains(List<CertFacts> chain, CertFacts cert) {
        for (CertFacts c : chain) {
            if (c.sameAs(cert)) {
                return true;
            }
        }
        return false;
    }
}
