package io.certgate.pdp.boundary;

/**
 * A request the trust boundary refuses to interpret (ambiguous path, host or header): every entry point
 * answers it with 400 and {@link #code()}, before any decision is made.
 */
public final class RejectedRequestException extends Exception {
    private final String code;

    public RejectedRequestException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** The error code of the JSON error body, e.g. {@code BAD_PATH}, {@code BAD_HOST}. */
    public String code() {
        return code;
    }
}
