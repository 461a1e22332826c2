package io.certgate.pep.pdp;

import java.util.List;

/** No PDP endpoint could be asked: every one was unhealthy, had an open breaker or refused the connection. */
public final class PdpUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PdpUnavailableException(List<String> why) {
        super("no PDP endpoint is available: " + String.join("; ", why), null, false, false);
    }
}
