package io.certgate.pdp.engine;

/** An evaluation did not produce a result. Callers turn this into a deny, never an allow. */
public final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why the evaluation failed; each maps to a metric label and a reason message. */
    public enum Kind {
        /** No bundle has been activated yet. */
        NO_BUNDLE,
        /** The requested entrypoint is not compiled into the active bundle. */
        UNKNOWN_ENTRYPOINT,
        /** Every evaluator stayed busy past the acquire timeout. */
        BUSY,
        /** The evaluation ran past its deadline and was interrupted. */
        TIMEOUT,
        /** The policy aborted, trapped, ran out of memory or returned something unparseable. */
        EVALUATION_ERROR
    }

    private final Kind kind;

    public PolicyException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PolicyException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
