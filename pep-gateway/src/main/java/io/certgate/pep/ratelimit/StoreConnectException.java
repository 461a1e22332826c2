package io.certgate.pep.ratelimit;

/**
 * The shared bucket store cannot be reached at start (refused, unknown host, wrong password, untrusted TLS
 * certificate): a configuration error, located at {@code rate_limits.store}.
 */
public final class StoreConnectException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public StoreConnectException(String message, Throwable cause) {
        super(message, cause);
    }
}
