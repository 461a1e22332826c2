package io.certgate.pdp.reload;

/** New file content failed validation; the message says what and where (file, block or line). */
public final class ReloadRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    public ReloadRejectedException(String message) {
        super(message);
    }

    public ReloadRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
