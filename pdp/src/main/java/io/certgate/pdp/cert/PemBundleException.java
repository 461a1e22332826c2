package io.certgate.pdp.cert;

import java.io.IOException;

/**
 * A PEM bundle of certificates or CRLs could not be read. The message names the source (file) and, when one
 * block is to blame, its number (1 = the first {@code -----BEGIN} block) and line.
 */
public final class PemBundleException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final int blockNumber;

    PemBundleException(String source, int blockNumber, String message, Throwable cause) {
        super(message, cause);
        this.source = source;
        this.blockNumber = blockNumber;
    }

    /** The file (or the name given for in-memory bytes) that was being read. */
    public String source() {
        return source;
    }

    /** The 1-based number of the offending PEM block, 0 when the problem is not one block's. */
    public int blockNumber() {
        return blockNumber;
    }
}
