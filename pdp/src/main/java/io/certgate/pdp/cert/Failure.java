package io.certgate.pdp.cert;

/** A verification error found by one of the checks: the OpenSSL code and the depth it applies to. */
record Failure(int code, int depth) {
}
