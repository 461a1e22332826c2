package io.certgate.pep.config;

/** Whether a service asks for a client certificate, and whether one is mandatory. */
public enum VerifyMode {
    /** No certificate is requested. */
    NONE,
    /** A certificate is requested; requests go on without one. */
    OPTIONAL,
    /** A certificate is required: requests without one get 401. */
    REQUIRED
}
