package io.certgate.testdata;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One certificate of the test PKI with its private key, its issuer and what is wrong with it.
 *
 * <p>{@link #expectedVerifyCode()} is what {@code openssl verify -CAfile ca.pem -untrusted <chain>
 * -purpose sslclient} reports first for this certificate (see {@link TestPki} for the exact command per
 * certificate); empty for CAs and the server certificate.
 */
public final class TestCert {
    private final String name;
    private final X509Certificate certificate;
    private final PrivateKey privateKey;
    private final TestCert issuer;
    private final String defect;
    private final Integer expectedVerifyCode;

    TestCert(String name, X509Certificate certificate, PrivateKey privateKey, TestCert issuer, String defect,
            Integer expectedVerifyCode) {
        this.name = Objects.requireNonNull(name);
        this.certificate = Objects.requireNonNull(certificate);
        this.privateKey = Objects.requireNonNull(privateKey);
        this.issuer = issuer;
        this.defect = defect == null ? "" : defect;
        this.expectedVerifyCode = expectedVerifyCode;
    }

    /** The file base name ({@code partner} → {@code partner.pem}, {@code partner.key}, {@code partner-chain.pem}). */
    public String name() {
        return name;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public PublicKey publicKey() {
        return certificate.getPublicKey();
    }

    /** The issuing certificate; empty when self-signed. */
    public Optional<TestCert> issuer() {
        return Optional.ofNullable(issuer);
    }

    public boolean isSelfSigned() {
        return issuer == null;
    }

    public boolean isCa() {
        return certificate.getBasicConstraints() >= 0;
    }

    /** A human description of this certificate's defect, or what it is for when it has none. */
    public String defect() {
        return defect;
    }

    /** The first {@code X509_V_ERR} number {@code openssl verify} reports for this certificate, if defined. */
    public Optional<Integer> expectedVerifyCode() {
        return Optional.ofNullable(expectedVerifyCode);
    }

    /**
     * This certificate followed by its issuers up to, not including, the self-signed root: what a TLS
     * peer presents. A self-signed certificate's chain is itself.
     */
    public List<X509Certificate> chain() {
        List<X509Certificate> out = new ArrayList<>();
        out.add(certificate);
        for (TestCert i = issuer; i != null && !i.isSelfSigned(); i = i.issuer) {
            out.add(i.certificate);
        }
        return List.copyOf(out);
    }

    /** The self-signed certificate this one chains up to (itself when self-signed). */
    public TestCert root() {
        TestCert c = this;
        while (c.issuer != null) {
            c = c.issuer;
        }
        return c;
    }

    /** The DER encoding of the certificate. */
    public byte[] der() {
        return TestPki.der(certificate);
    }

    /** {@link #chain()} as DER, leaf first. */
    public List<byte[]> chainDer() {
        return TestPki.der(chain());
    }

    /** The certificate as one PEM block. */
    public String pem() {
        return TestPki.pem(certificate);
    }

    /** {@link #chain()} as concatenated PEM blocks, leaf first. */
    public String chainPem() {
        return TestPki.pem(chain());
    }

    /** The private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public String keyPem() {
        return TestPki.pem(privateKey);
    }

    @Override
    public String toString() {
        return name + " (" + certificate.getSubjectX500Principal() + ")";
    }
}
