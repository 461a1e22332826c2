package io.certgate.testdata;

/**
 * The OpenSSL {@code X509_V_ERR_*} numbers the test PKI's defects produce, as {@code openssl verify}
 * prints them ({@code error N at D depth lookup: ...}). The gateway reports the same numbers in
 * {@code x-ssl-verify} and {@code input.certificate.verify_code}; the testdata tests check them
 * against the real {@code openssl} binary.
 */
public final class OpenSslCodes {
    /** {@code X509_V_OK}. */
    public static final int OK = 0;
    /** {@code X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT}: an untrusted issuer's own issuer is unknown. */
    public static final int UNABLE_TO_GET_ISSUER_CERT = 2;
    /** {@code X509_V_ERR_UNABLE_TO_GET_CRL}: CRL checking is on and the issuer's CRL is missing. */
    public static final int UNABLE_TO_GET_CRL = 3;
    /** {@code X509_V_ERR_CERT_SIGNATURE_FAILURE}: the signature does not verify. */
    public static final int CERT_SIGNATURE_FAILURE = 7;
    /** {@code X509_V_ERR_CERT_NOT_YET_VALID}. */
    public static final int CERT_NOT_YET_VALID = 9;
    /** {@code X509_V_ERR_CERT_HAS_EXPIRED} (leaf or any certificate of the chain). */
    public static final int CERT_HAS_EXPIRED = 10;
    /** {@code X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT}: the presented leaf is self-signed and not trusted. */
    public static final int DEPTH_ZERO_SELF_SIGNED_CERT = 18;
    /** {@code X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN}: the presented chain ends in an untrusted root. */
    public static final int SELF_SIGNED_CERT_IN_CHAIN = 19;
    /** {@code X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY}: unknown issuer (other CA, missing intermediate). */
    public static final int UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20;
    /** {@code X509_V_ERR_CERT_REVOKED}. */
    public static final int CERT_REVOKED = 23;
    /**
     * {@code X509_V_ERR_NO_ISSUER_PUBLIC_KEY} in OpenSSL 3. (OpenSSL 1.1.1 used 24 for
     * {@code X509_V_ERR_INVALID_CA}; OpenSSL 3 reports an issuer that is not a CA as {@link #INVALID_CA} = 79.)
     */
    public static final int NO_ISSUER_PUBLIC_KEY = 24;
    /** {@code X509_V_ERR_PATH_LENGTH_EXCEEDED}: a CA's pathLenConstraint is violated. */
    public static final int PATH_LENGTH_EXCEEDED = 25;
    /** {@code X509_V_ERR_INVALID_PURPOSE}: EKU or keyUsage do not allow TLS client authentication. */
    public static final int INVALID_PURPOSE = 26;
    /**
     * {@code X509_V_ERR_INVALID_CA} as OpenSSL 3 numbers it: an issuer in the chain is not a CA
     * (basicConstraints CA:FALSE). OpenSSL 1.1.1 reported this as 24.
     */
    public static final int INVALID_CA = 79;

    private OpenSslCodes() {
    }
}
