package io.certgate.pep.tls;

import com.linecorp.armeria.common.annotation.Nullable;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The outcome of checking a client's certificate for one request.
 *
 * @param chain what the client presented, leaf first (empty when none)
 * @param path the verified path, leaf to trust anchor (partial or empty when verification failed)
 * @param code OpenSSL X509_V_ERR number, 0 = verified; meaningless without a certificate
 * @param message OpenSSL's text for the code
 * @param accepted whether the request may go on (verified, or the code is waived by the CA error strategy)
 */
public record ClientVerification(List<X509Certificate> chain, List<X509Certificate> path, int code, String message,
        boolean accepted) {
    public ClientVerification {
        chain = List.copyOf(chain);
        path = List.copyOf(path);
    }

    public static ClientVerification none(boolean accepted) {
        return new ClientVerification(List.of(), List.of(), 0, "no client certificate", accepted);
    }

    public boolean present() {
        return !chain.isEmpty();
    }

    public boolean verified() {
        return present() && code == 0;
    }

    @Nullable
    public X509Certificate leaf() {
        return chain.isEmpty() ? null : chain.get(0);
    }
}
