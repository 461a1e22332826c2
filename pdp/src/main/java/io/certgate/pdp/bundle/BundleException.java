package io.certgate.pdp.bundle;

/** A bundle was rejected; the message says what is wrong and where, the reason classifies it. */
public final class BundleException extends Exception {
    private static final long serialVersionUID = 1L;

    private final RejectionReason reason;

    public BundleException(String message) {
        this(RejectionReason.INVALID_BUNDLE, message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
        this.reason = RejectionReason.INVALID_BUNDLE;
    }

    public BundleException(RejectionReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public RejectionReason reason() {
        return reason;
    }
}
