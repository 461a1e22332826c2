package io.certgate.pdp.pip;

/** A provider call failed or answered something unusable; the message says what and where. */
public final class ProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProviderException(String message) {
        super(message);
    }

    public ProviderException(String message, Throwable cause) {
        super(message, cause);
    }
}
