package io.certgate.pdp.cert;

/**
 * Validity-period checks with OpenSSL's boundaries ({@code X509_cmp_time} compares with {@code <=} at whole
 * seconds): a certificate is not yet valid while notBefore &gt; now and has expired once notAfter &lt;= now;
 * a CRL is not yet valid while thisUpdate &gt; now and has expired once nextUpdate &lt;= now.
 */
final class Validity {
    private Validity() {
    }

    /** {@code ossl_x509_check_cert_time}: 0, {@code CERT_NOT_YET_VALID} (9) or {@code CERT_HAS_EXPIRED} (10). */
    static int certificateError(CertFacts cert, long now) {
        if (cert.notBefore > now) {
            return X509VerifyCodes.CERT_NOT_YET_VALID;
        }
        if (cert.notAfter <= now) {
            return X509VerifyCodes.CERT_HAS_EXPIRED;
        }
        return X509VerifyCodes.OK;
    }

    /** {@code check_crl_time}: 0, {@code CRL_NOT_YET_VALID} (11) or {@code CRL_HAS_EXPIRED} (12). */
    static int crlError(CrlFacts crl, long now) {
        if (crl.thisUpdate > now) {
            return X509VerifyCodes.CRL_NOT_YET_VALID;
        }
        if (crl.nextUpdate != null && crl.nextUpdate <= now) {
            return X509VerifyCodes.CRL_HAS_EXPIRED;
        }
        return X509VerifyCodes.OK;
    }
}
