package io.certgate.pdp.cert;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM bundles ({@code -CAfile}, {@code -CRLfile} style): every {@code -----BEGIN X-----} block must be
 * of the expected kind and hold exactly one DER object. Text outside the blocks (comments, the output of
 * {@code openssl x509 -text}) is ignored, as OpenSSL ignores it.
 */
final class PemBundles {
    private static final Pattern BEGIN = Pattern.compile("^-----BEGIN ([^-]+)-----$");
    private static final Pattern END = Pattern.compile("^-----END ([^-]+)-----$");

    private PemBundles() {
    }

    /** One PEM block: its label, base64 body, 1-based number and the line of its BEGIN. */
    private record Block(String label, String base64, int number, int line) {
        String where(String source) {
            return source + ": PEM block #" + number + " (line " + line + ")";
        }
    }

    static List<X509Certificate> certificates(byte[] pem, String source) throws PemBundleException {
        List<X509Certificate> out = new ArrayList<>();
        for (Block b : blocks(pem, source, "CERTIFICATE")) {
            requireLabel(b, source, "CERTIFICATE", "X509 CERTIFICATE");
            byte[] der = decode(b, source);
            try {
                Certificate c = factory().generateCertificate(new ByteArrayInputStream(der));
                requireExact(c != null && Arrays.equals(c.getEncoded(), der), b, source, "certificate");
                out.add((X509Certificate) c);
            } catch (CertificateException | RuntimeException e) {
                throw new PemBundleException(source, b.number(), b.where(source)
                        + " is not a valid DER X.509 certificate: " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }

    static List<X509CRL> crls(byte[] pem, String source) throws PemBundleException {
        List<X509CRL> out = new ArrayList<>();
        for (Block b : blocks(pem, source, "X509 CRL")) {
            requireLabel(b, source, "X509 CRL");
            byte[] der = decode(b, source);
            try {
                CRL c = factory().generateCRL(new ByteArrayInputStream(der));
                requireExact(c instanceof X509CRL x && Arrays.equals(x.getEncoded(), der), b, source, "CRL");
                out.add((X509CRL) c);
            } catch (CRLException | CertificateException | RuntimeException e) {
                throw new PemBundleException(source, b.number(), b.where(source)
                        + " is not a valid DER X.509 CRL: " + e.getMessage(), e);
            }
        }
        return List.copyOf(out);
    }

    /** Splits the text into blocks; a bundle without any is an error too (most likely the wrong file). */
    private static List<Block> blocks(byte[] pem, String source, String expected) throws PemBundleException {
        // ISO-8859-1 maps every byte to a char, so stray binary outside the blocks cannot break decoding
        String[] lines = new String(pem, StandardCharsets.ISO_8859_1).split("\r\n|\r|\n", -1);
        List<Block> out = new ArrayList<>();
        String label = null;
        int beginLine = 0;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            Matcher begin = BEGIN.matcher(line);
            Matcher end = END.matcher(line);
            if (label == null) {
                if (begin.matches()) {
                    label = begin.group(1);
                    beginLine = i + 1;
                    body.setLength(0);
                }
                continue;
            }
            int number = out.size() + 1;
            if (begin.matches()) {
                throw new PemBundleException(source, number, source + ": PEM block #" + number + " (line "
                        + beginLine + ") has no -----END " + label + "----- line before line " + (i + 1), null);
            }
            if (end.matches()) {
                if (!end.group(1).equals(label)) {
                    throw new PemBundleException(source, number, source + ": PEM block #" + number + " (line "
                            + beginLine + ") begins as " + label + " but ends as " + end.group(1), null);
                }
                out.add(new Block(label, body.toString(), number, beginLine));
                label = null;
            } else {
                body.append(line);
            }
        }
        if (label != null) {
            int number = out.size() + 1;
            throw new PemBundleException(source, number, source + ": PEM block #" + number + " (line " + beginLine
                    + ") has no -----END " + label + "----- line", null);
        }
        if (out.isEmpty()) {
            throw new PemBundleException(source, 0, source + ": no PEM " + expected
                    + " block (-----BEGIN " + expected + "-----) found", null);
        }
        return out;
    }

    private static void requireLabel(Block b, String source, String... accepted) throws PemBundleException {
        if (Arrays.asList(accepted).contains(b.label())) {
            return;
        }
        String hint = b.label().equals("TRUSTED CERTIFICATE")
                ? " (OpenSSL auxiliary trust settings are not supported; convert it with"
                        + " `openssl x509 -in FILE -out FILE.pem`)"
                : "";
        throw new PemBundleException(source, b.number(), b.where(source) + " is a " + b.label() + ", expected "
                + accepted[0] + hint, null);
    }

    private static byte[] decode(Block b, String source) throws PemBundleException {
        if (b.base64().isEmpty()) {
            throw new PemBundleException(source, b.number(), b.where(source) + " is empty", null);
        }
        try {
            return Base64.getDecoder().decode(b.base64());
        } catch (IllegalArgumentException e) {
            throw new PemBundleException(source, b.number(), b.where(source) + " is not valid base64: "
                    + e.getMessage(), e);
        }
    }

    private static void requireExact(boolean exact, Block b, String source, String what) throws PemBundleException {
        if (!exact) {
            throw new PemBundleException(source, b.number(), b.where(source) + " is not exactly one DER " + what
                    + " (trailing or non-DER bytes)", null);
        }
    }

    private static CertificateFactory factory() throws CertificateException {
        return CertificateFactory.getInstance("X.509");
    }
}
