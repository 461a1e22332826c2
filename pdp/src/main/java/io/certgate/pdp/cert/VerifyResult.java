package io.certgate.pdp.cert;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link ChainVerifier#verify}: the first error OpenSSL would report, like
 * {@code openssl verify} prints it ({@code error CODE at DEPTH depth lookup: MESSAGE}), or {@code 0}.
 *
 * @param code    the OpenSSL {@code X509_V_ERR} number ({@link X509VerifyCodes}), {@code 0} when verified
 * @param message OpenSSL's text for {@code code}, e.g. {@code "certificate has expired"}; {@code "ok"} for 0
 * @param depth   where the error was found (0 = the leaf), {@code -1} when verified
 * @param path    the path that was built, leaf first and the trust anchor last when one was reached; when
 *                path building failed it ends with the last certificate an issuer was searched for
 */
public record VerifyResult(int code, String message, int depth, List<X509Certificate> path) {
    public VerifyResult {
        Objects.requireNonNull(message, "message");
        path = List.copyOf(path);
    }

    static VerifyResult verified(List<X509Certificate> path) {
        return new VerifyResult(X509VerifyCodes.OK, X509VerifyCodes.message(X509VerifyCodes.OK), -1, path);
    }

    static VerifyResult failed(int code, int depth, List<X509Certificate> path) {
        return new VerifyResult(code, X509VerifyCodes.message(code), depth, path);
    }

    /** {@code true} when the chain verified ({@code code == 0}). */
    public boolean ok() {
        return code == X509VerifyCodes.OK;
    }

    /** Code, text, depth and the subjects of the path (the certificates themselves would flood a log line). */
    @Override
    public String toString() {
        return "VerifyResult[code=" + code + " (" + message + "), depth=" + depth + ", path="
                + path.stream().map(c -> c.getSubjectX500Principal().getName()).toList() + "]";
    }
}
