package io.certgate.pdp.cert;

/** Certificate bytes could not be parsed; the message says which certificate and why. */
public final class CertificateParseException extends Exception {
    private static final long serialVersionUID = 1L;

    public CertificateParseException(String message, Throwable cause) {
        super(message, cause);
    }

    public CertificateParseException(String message) {
        super(message);
    }
}
