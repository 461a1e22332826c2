package io.certgate.pdp.cli;

import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.CertificateParseException;
import io.certgate.pdp.cert.ChainVerifier;
import io.certgate.pdp.cert.PemBundleException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the certificate files the operator commands take. A file that cannot be read at all is a usage error
 * ({@link Unreadable}, exit 2); one that does not parse is a finding ({@link Unparsable}, exit 1).
 */
final class CertFiles {
    private CertFiles() {}

    static final class Unreadable extends Exception {
        private static final long serialVersionUID = 1L;

        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final class Unparsable extends Exception {
        private static final long serialVersionUID = 1L;

        Unparsable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The certificates of a chain file, leaf first: PEM blocks, or a single DER certificate when the file holds
     * no PEM at all.
     */
    static List<X509Certificate> chain(Path file) throws Unreadable, Unparsable {
        byte[] bytes = read(file);
        if (!new String(bytes, StandardCharsets.ISO_8859_1).contains("-----BEGIN ")) {
            try {
                return List.of(CertificateIdentities.parse(bytes, 0));
            } catch (CertificateParseException e) {
                throw new Unparsable(file + ": neither PEM (-----BEGIN CERTIFICATE-----) nor one DER certificate ("
                        + e.getMessage() + ")", e);
            }
        }
        return certificates(file, bytes);
    }

    /** Every certificate of a PEM bundle ({@code ca_file}). */
    static List<X509Certificate> bundle(Path file) throws Unreadable, Unparsable {
        return certificates(file, read(file));
    }

    /** Every CRL of the PEM files, in order. */
    static List<X509CRL> crls(List<Path> files) throws Unreadable, Unparsable {
        List<X509CRL> out = new ArrayList<>();
        for (Path f : files) {
            byte[] bytes = read(f);
            try {
                out.addAll(ChainVerifier.readCrls(bytes, f.toString()));
            } catch (PemBundleException e) {
                throw new Unparsable(e.getMessage(), e);
            }
        }
        return out;
    }

    private static List<X509Certificate> certificates(Path file, byte[] bytes) throws Unparsable {
        try {
            return ChainVerifier.readCertificates(bytes, file.toString());
        } catch (PemBundleException e) {
            throw new Unparsable(e.getMessage(), e);
        }
    }

    private static byte[] read(Path file) throws Unreadable {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Unreadable(file + ": no such file", e);
        } catch (IOException e) {
            throw new Unreadable(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
