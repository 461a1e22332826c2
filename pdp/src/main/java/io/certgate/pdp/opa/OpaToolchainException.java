package io.certgate.pdp.opa;

/** The opa compiler could not be found, installed or run, or it rejected the policies. */
public final class OpaToolchainException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OpaToolchainException(String message) {
        super(message);
    }

    public OpaToolchainException(String message, Throwable cause) {
        super(message, cause);
    }
}
