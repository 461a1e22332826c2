package io.certgate.pdp.cert;

import java.security.GeneralSecurityException;

/** Certificate signature verification as OpenSSL's {@code X509_verify}. */
final class Signatures {
    private Signatures() {
    }

    /**
     * Whether {@code issuer}'s key verifies {@code subject}'s signature. Like {@code X509_verify}, a signature
     * algorithm inside the signed part that differs from the outer one fails too.
     */
    static boolean verifies(CertFacts subject, CertFacts issuer) {
        if (!subject.tbsSignatureAlgorithm.equals(subject.signatureAlgorithm)) {
            return false;
        }
        try {
            subject.certificate.verify(issuer.certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // bad signature, or a key that cannot check this algorithm: both error 7 in OpenSSL
        }
    }
}
