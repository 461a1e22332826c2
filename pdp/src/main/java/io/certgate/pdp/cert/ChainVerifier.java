package io.certgate.pdp.cert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Verifies a client certificate chain and reports exactly the {@code X509_V_ERR} number OpenSSL 3.0 reports for
 * it: the first error of {@code openssl verify -attime T -CAfile CA -untrusted REST [-crl_check[_all] -CRLfile
 * CRLS] -verify_depth D -purpose sslclient LEAF}. The gateway accepts any client certificate at the TLS layer and
 * asks this verifier, so that {@code x-ssl-verify} and {@code verify_code} carry the numbers operators know from
 * nginx and OpenSSL.
 *
 * <pre>{@code
 * ChainVerifier v = ChainVerifier.builder()
 *         .trustAnchors(ChainVerifier.readCertificates(Path.of("partner-ca.pem")))
 *         .crls(ChainVerifier.readCrls(Path.of("partner.crl.pem")))   // optional: -crl_check
 *         .build();
 * VerifyResult r = v.verify(peerChain, Instant.now());             // r.code() == 0 when verified
 * }</pre>
 *
 * <p>The checks run in OpenSSL's order ({@code verify_chain}), and the first error wins:
 * <ol>
 *   <li>path building ({@link ChainBuilder}): 2, 18, 19, 20, 22;</li>
 *   <li>per certificate from the leaf up: unhandled critical extension 34, proxy certificate 40, issuer not a CA
 *       79, explicit EC parameters 94, purpose (TLS client; CAs included) 26, path length 25;</li>
 *   <li>revocation when CRLs are configured ({@link CrlChecker}): 3, 35, 44, 11, 12, 8, 36, 23 — before any
 *       signature or validity check, so a revoked and expired certificate is reported revoked;</li>
 *   <li>from the trust anchor down: issuer keyUsage without keyCertSign 32, signature 7, not yet valid 9,
 *       expired 10 (every certificate of the path, the anchor included);</li>
 *   <li>name constraints of the CAs ({@link NameConstraintsChecker}): 47, 48, 49, 51, 53.</li>
 * </ol>
 * Not reproduced: certificate policies (off in {@code openssl verify} unless asked for),
 * RFC 3779 resources, auxiliary trust settings ({@code TRUSTED CERTIFICATE} PEM), DANE, Suite B and key-size
 * security levels (off in {@code openssl verify}).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ChainVerifier {
    /** The purpose a path is verified for ({@code -purpose}); certgate verifies clients, the doctor either. */
    public enum Purpose {
        /** {@code -purpose sslclient}: extendedKeyUsage clientAuth, keyUsage digitalSignature or keyAgreement. */
        SSL_CLIENT("sslclient"),
        /**
         * {@code -purpose sslserver}: extendedKeyUsage serverAuth, keyUsage digitalSignature, keyEncipherment or
         * keyAgreement.
         */
        SSL_SERVER("sslserver");

        private final String openSslName;

        Purpose(String openSslName) {
            this.openSslName = openSslName;
        }

        /** The name {@code openssl verify -purpose} takes. */
        public String openSslName() {
            return openSslName;
        }
    }

    /** The default {@link Builder#verifyDepth(int)}: at most 10 intermediate CAs between leaf and anchor. */
    public static final int DEFAULT_VERIFY_DEPTH = 10;

    private final List<X509Certificate> trustAnchors;
    private final ChainBuilder chainBuilder;
    private final CrlChecker crlChecker; // null: no revocation checking
    private final int verifyDepth;
    private final Purpose purpose;

    private ChainVerifier(Builder b) {
        this.purpose = b.purpose;
        List<CertFacts> anchors = new ArrayList<>();
        for (X509Certificate c : b.trustAnchors) {
            anchors.add(CertFacts.of(c));
        }
        this.trustAnchors = List.copyOf(b.trustAnchors);
        this.verifyDepth = b.verifyDepth;
        this.chainBuilder = new ChainBuilder(anchors, b.verifyDepth);
        if (b.crls != null || b.crlCheckAll) {
            List<CrlFacts> crls = new ArrayList<>();
            for (X509CRL crl : b.crls == null ? List.<X509CRL>of() : b.crls) {
                crls.add(CrlFacts.of(crl));
            }
            this.crlChecker = new CrlChecker(crls, b.crlCheckAll);
        } else {
            this.crlChecker = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The configured trust anchors, in the order given. */
    public List<X509Certificate> trustAnchors() {
        return trustAnchors;
    }

    /** Whether revocation is checked (CRLs were configured or {@code crlCheckAll} is on). */
    public boolean checksRevocation() {
        return crlChecker != null;
    }

    /** The configured {@code -verify_depth}. */
    public int verifyDepth() {
        return verifyDepth;
    }

    /**
     * Verifies {@code presentedChain} (the leaf first, then whatever else the peer sent, in the order sent) at
     * {@code at}, truncated to whole seconds as OpenSSL's {@code -attime}.
     *
     * @throws IllegalArgumentException if the chain is empty or a certificate cannot be decoded (only one that
     *                                  {@link CertificateIdentities#parse} rejects too)
     */
    public VerifyResult verify(List<X509Certificate> presentedChain, Instant at) {
        Objects.requireNonNull(presentedChain, "presentedChain");
        Objects.requireNonNull(at, "at");
        if (presentedChain.isEmpty()) {
            throw new IllegalArgumentException("the presented chain is empty: there is no certificate to verify");
        }
        long now = at.getEpochSecond();
        List<CertFacts> sent = new ArrayList<>(presentedChain.size());
        for (X509Certificate c : presentedChain) {
            sent.add(CertFacts.of(Objects.requireNonNull(c, "certificate in presentedChain")));
        }
        ChainBuilder.Path path = chainBuilder.build(sent.get(0), sent.subList(1, sent.size()), now);
        Failure failure = firstFailure(path, now);
        List<X509Certificate> certs = path.certs().stream().map(f -> f.certificate).toList();
        return failure == null ? VerifyResult.verified(certs)
                : VerifyResult.failed(failure.code(), failure.depth(), certs);
    }

    /** OpenSSL's {@code verify_chain}: the stages in order, the first error found wins. */
    private Failure firstFailure(ChainBuilder.Path path, long now) {
        if (!path.trusted()) {
            return new Failure(path.errorCode(), path.size() - 1);
        }
        Failure f = checkExtensions(path, purpose);
        if (f == null && crlChecker != null) {
            f = crlChecker.check(path.certs(), now);
        }
        if (f == null) {
            f = checkSignaturesAndValidity(path, now);
        }
        if (f == null) {
            f = NameConstraintsChecker.check(path.certs());
        }
        return f;
    }

    /**
     * OpenSSL's {@code check_extensions} for the purpose ({@code sslclient} unless set), leaf first. Unlike RFC 5280 path
     * validation, OpenSSL also applies the purpose (extendedKeyUsage) to the CAs and to the trust anchor.
     */
    private static Failure checkExtensions(ChainBuilder.Path path, Purpose purpose) {
        int num = path.size();
        int pathLength = 0; // non-self-issued intermediates below the current certificate
        for (int i = 0; i < num; i++) {
            CertFacts x = path.get(i);
            if (x.unhandledCriticalExtension) {
                return new Failure(X509VerifyCodes.UNHANDLED_CRITICAL_EXTENSION, i);
            }
            if (x.proxy) {
                return new Failure(X509VerifyCodes.PROXY_CERTIFICATES_NOT_ALLOWED, i);
            }
            if (i > 0 && !isAcceptableCa(x.caStatus(), i == num - 1)) {
                return new Failure(X509VerifyCodes.INVALID_CA, i);
            }
            if (num > 1 && x.explicitEcParameters) {
                return new Failure(X509VerifyCodes.EC_KEY_EXPLICIT_PARAMS, i);
            }
            boolean allowed = purpose == Purpose.SSL_CLIENT ? x.allowsSslClient(i > 0) : x.allowsSslServer(i > 0);
            if (!allowed) {
                return new Failure(X509VerifyCodes.INVALID_PURPOSE, i);
            }
            if (i > 1 && x.pathLen != -1 && pathLength > x.pathLen) {
                return new Failure(X509VerifyCodes.PATH_LENGTH_EXCEEDED, i);
            }
            if (i > 0 && !x.selfIssued) {
                pathLength++;
            }
        }
        return null;
    }

    /**
     * Intermediates must be proper CAs (basicConstraints CA:TRUE); the trust anchor may also be a CA by the
     * older rules {@code X509_check_ca} accepts (v1 self-signed root, keyCertSign without basicConstraints,
     * Netscape CA type).
     */
    private static boolean isAcceptableCa(int caStatus, boolean trustAnchor) {
        return trustAnchor ? caStatus != 0 : caStatus == 1;
    }

    /**
     * OpenSSL's {@code internal_verify}: from the trust anchor down to the leaf, the issuer's keyUsage, the
     * signature and the validity period of each certificate. The anchor's own signature is not checked, but its
     * validity is.
     */
    private static Failure checkSignaturesAndValidity(ChainBuilder.Path path, long now) {
        int n = path.size() - 1;
        CertFacts top = path.get(n);
        boolean topSelfIssued = CertFacts.likelyIssued(top, top);
        if (!topSelfIssued) {
            if (n == 0) {
                return new Failure(X509VerifyCodes.UNABLE_TO_VERIFY_LEAF_SIGNATURE, 0);
            }
            n--; // a trusted certificate that is not self-issued: start with the one it issued
        }
        for (; n >= 0; n--) {
            CertFacts subject = path.get(n);
            boolean anchorItself = n == path.size() - 1;
            if (!anchorItself) {
                CertFacts issuer = path.get(n + 1);
                if (!issuer.mayIssueCertificates()) {
                    return new Failure(X509VerifyCodes.KEYUSAGE_NO_CERTSIGN, n + 1);
                }
                if (!Signatures.verifies(subject, issuer)) {
                    return new Failure(X509VerifyCodes.CERT_SIGNATURE_FAILURE, n);
                }
            }
            int validity = Validity.certificateError(subject, now);
            if (validity != X509VerifyCodes.OK) {
                return new Failure(validity, n);
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ PEM bundles

    /**
     * Reads every certificate of a PEM bundle ({@code -----BEGIN CERTIFICATE-----} blocks, text around them
     * ignored).
     *
     * @throws PemBundleException naming the file and the block if it cannot be read, holds no certificate or a
     *                            block is not a certificate (a key, a CRL, ...) or does not decode
     */
    public static List<X509Certificate> readCertificates(Path file) throws PemBundleException {
        return PemBundles.certificates(read(file), file.toString());
    }

    /** Like {@link #readCertificates(Path)} for PEM text in memory; {@code source} names it in errors. */
    public static List<X509Certificate> readCertificates(byte[] pem, String source) throws PemBundleException {
        return PemBundles.certificates(pem, source);
    }

    /** Like {@link #readCertificates(byte[], String)}, named {@code "<bytes>"} in errors. */
    public static List<X509Certificate> readCertificates(byte[] pem) throws PemBundleException {
        return readCertificates(pem, "<bytes>");
    }

    /**
     * Reads every CRL of a PEM bundle ({@code -----BEGIN X509 CRL-----} blocks).
     *
     * @throws PemBundleException naming the file and the block, as {@link #readCertificates(Path)}
     */
    public static List<X509CRL> readCrls(Path file) throws PemBundleException {
        return PemBundles.crls(read(file), file.toString());
    }

    /** Like {@link #readCrls(Path)} for PEM text in memory; {@code source} names it in errors. */
    public static List<X509CRL> readCrls(byte[] pem, String source) throws PemBundleException {
        return PemBundles.crls(pem, source);
    }

    /** Like {@link #readCrls(byte[], String)}, named {@code "<bytes>"} in errors. */
    public static List<X509CRL> readCrls(byte[] pem) throws PemBundleException {
        return readCrls(pem, "<bytes>");
    }

    private static byte[] read(Path file) throws PemBundleException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new PemBundleException(file.toString(), 0, "cannot read " + file + ": " + e, e);
        }
    }

    /** Configures a {@link ChainVerifier}. */
    public static final class Builder {
        private List<X509Certificate> trustAnchors = List.of();
        private List<X509CRL> crls;
        private boolean crlCheckAll;
        private int verifyDepth = DEFAULT_VERIFY_DEPTH;
        private Purpose purpose = Purpose.SSL_CLIENT;

        private Builder() {
        }

        /** {@code -purpose}: what the leaf must be allowed for (default {@link Purpose#SSL_CLIENT}). */
        public Builder purpose(Purpose purpose) {
            this.purpose = Objects.requireNonNull(purpose, "purpose");
            return this;
        }

        /**
         * The service's CA bundle ({@code -CAfile}): roots, and intermediates that may complete paths too (a path is
         * trusted only when it ends in a self-signed certificate of this bundle). Several roots are fine.
         */
        public Builder trustAnchors(List<X509Certificate> trustAnchors) {
            this.trustAnchors = List.copyOf(trustAnchors);
            return this;
        }

        /**
         * CRLs to check revocation with ({@code -crl_check -CRLfile}): giving them, even an empty list, turns on
         * checking of the leaf; a certificate whose issuer has no CRL here is then an error (3).
         */
        public Builder crls(List<X509CRL> crls) {
            this.crls = List.copyOf(crls);
            return this;
        }

        /** Checks revocation of every certificate of the path, the trust anchor included ({@code -crl_check_all}). */
        public Builder crlCheckAll(boolean crlCheckAll) {
            this.crlCheckAll = crlCheckAll;
            return this;
        }

        /**
         * {@code -verify_depth}: the most intermediate CAs between leaf and trust anchor (default
         * {@value ChainVerifier#DEFAULT_VERIFY_DEPTH}); longer paths fail with 22 (certificate chain too long).
         */
        public Builder verifyDepth(int verifyDepth) {
            if (verifyDepth < 0) {
                throw new IllegalArgumentException("verifyDepth must be >= 0: " + verifyDepth);
            }
            this.verifyDepth = verifyDepth;
            return this;
        }

        public ChainVerifier build() {
            return new ChainVerifier(this);
        }
    }
}
