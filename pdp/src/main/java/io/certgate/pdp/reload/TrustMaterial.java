package io.certgate.pdp.reload;

import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A CA bundle and its CRLs, read and validated together before they replace the ones in use: every PEM block
 * parses, the bundle is not empty and its certificates are within their validity, and every CRL is current
 * (its nextUpdate has not passed) and signed by a CA of the new bundle.
 *
 * @param cas the trust anchors, in file order
 * @param crls the CRLs of every file, in order
 */
public record TrustMaterial(List<X509Certificate> cas, List<X509CRL> crls) {
    public TrustMaterial {
        cas = List.copyOf(cas);
        crls = List.copyOf(crls);
    }

    /**
     * @param caKey the configuration key of {@code caFile}, for messages (e.g. {@code services[0].mtls.ca_file})
     * @param crlKey the key of {@code crlFiles} (e.g. {@code services[0].mtls.crl_files})
     * @throws ReloadRejectedException naming the key, file and PEM block or certificate at fault
     */
    public static TrustMaterial read(String caKey, Path caFile, String crlKey, List<Path> crlFiles, Instant now)
            throws ReloadRejectedException {
        List<X509Certificate> cas;
        try {
            cas = ChainVerifier.readCertificates(caFile);
        } catch (PemBundleException e) {
            throw new ReloadRejectedException(caKey + ": " + e.getMessage(), e);
        }
        if (cas.isEmpty()) {
            throw new ReloadRejectedException(caKey + ": " + caFile + " holds no certificate");
        }
        for (int i = 0; i < cas.size(); i++) {
            X509Certificate c = cas.get(i);
            if (now.isAfter(c.getNotAfter().toInstant())) {
                throw new ReloadRejectedException(caKey + ": " + caFile + ": certificate " + (i + 1) + " ("
                        + c.getSubjectX500Principal() + ") expired on " + c.getNotAfter().toInstant());
            }
        }
        List<X509CRL> crls = new ArrayList<>();
        for (int i = 0; i < crlFiles.size(); i++) {
            String key = crlKey + "[" + i + "]";
            Path file = crlFiles.get(i);
            List<X509CRL> read;
            try {
                read = ChainVerifier.readCrls(file);
            } catch (PemBundleException e) {
                throw new ReloadRejectedException(key + ": " + e.getMessage(), e);
            }
            for (int j = 0; j < read.size(); j++) {
                check(key + ": " + file + ": CRL " + (j + 1), read.get(j), cas, caKey, now);
            }
            crls.addAll(read);
        }
        return new TrustMaterial(cas, crls);
    }

    private static void check(String at, X509CRL crl, List<X509Certificate> cas, String caKey, Instant now)
            throws ReloadRejectedException {
        if (crl.getNextUpdate() != null && now.isAfter(crl.getNextUpdate().toInstant())) {
            throw new ReloadRejectedException(at + " (" + crl.getIssuerX500Principal() + ") expired: its nextUpdate "
                    + crl.getNextUpdate().toInstant() + " has passed");
        }
        boolean issuerKnown = false;
        for (X509Certificate ca : cas) {
            if (!ca.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
                continue;
            }
            issuerKnown = true;
            try {
                crl.verify(ca.getPublicKey());
                return;
            } catch (GeneralSecurityException e) {
                // another CA of the same name may have signed it
            }
        }
        throw new ReloadRejectedException(at + " is issued by " + crl.getIssuerX500Principal() + (issuerKnown
                ? ", but its signature does not verify with that CA's key in " + caKey
                : ", which is not a CA in " + caKey));
    }
}
