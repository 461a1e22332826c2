package io.certgate.pep.ratelimit;

/** The shared bucket store did not answer in time, failed, or its circuit breaker is open. */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }

    public StoreUnavailableException(String message) {
        super(message, null, false, false);
    }
}
