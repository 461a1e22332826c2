package io.certgate.pdp.api.proxy;

/** A forwarded client certificate header that cannot be read; the message names the header and why. */
public final class CertificateHeaderException extends Exception {
    private static final long serialVersionUID = 1L;

    public CertificateHeaderException(String message) {
        super(message);
    }
}
