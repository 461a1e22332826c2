package io.certgate.pdp.input;

import com.linecorp.armeria.common.annotation.Nullable;
import java.util.List;

/**
 * A client certificate chain as the enforcement point saw it, with its own verification outcome.
 *
 * @param chainDer DER certificates, leaf first
 * @param verified whether the enforcement point's verification succeeded (or was waived)
 * @param verifyCode OpenSSL X509_V_ERR number, 0 when verified
 * @param verifyError the verifier's message, null when verified
 */
public record PresentedCertificate(List<byte[]> chainDer, boolean verified, int verifyCode,
        @Nullable String verifyError) {
    public PresentedCertificate {
        chainDer = List.copyOf(chainDer);
    }
}
