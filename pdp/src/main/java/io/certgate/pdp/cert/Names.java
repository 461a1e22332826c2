package io.certgate.pdp.cert;

import java.io.IOException;
import java.io.UncheckedIOException;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;

/**
 * Distinguished-name helpers. Names are compared as {@link X500Principal}s, whose {@code equals} uses the
 * RFC 2253 canonical form (case-insensitive, whitespace-normalised), the closest JDK counterpart of
 * OpenSSL's canonical-encoding {@code X509_NAME_cmp}.
 */
final class Names {
    private Names() {
    }

    /** The directoryName of a {@link GeneralName} (the caller checked its tag). */
    static X500Principal principal(GeneralName directoryName) {
        return principal(directoryName.getName());
    }

    static X500Principal principal(ASN1Encodable name) {
        try {
            return new X500Principal(X500Name.getInstance(name).getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
