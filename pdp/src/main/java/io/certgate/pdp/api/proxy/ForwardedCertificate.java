package io.certgate.pdp.api.proxy;

import com.linecorp.armeria.common.annotation.Nullable;
import java.util.List;

/**
 * A client certificate chain as a proxy forwarded it, with the proxy's verification verdict.
 *
 * @param chainDer DER certificates, leaf first
 * @param verified whether the proxy says it verified the chain
 * @param verifyCode OpenSSL X509_V_ERR number the proxy reported (0 when verified)
 * @param verifyError the proxy's message when not verified
 * @param source the header (or field) it came from, for logs and errors
 */
public record ForwardedCertificate(List<byte[]> chainDer, boolean verified, int verifyCode,
        @Nullable String verifyError, String source) {
    public ForwardedCertificate {
        chainDer = List.copyOf(chainDer);
    }
}
