package io.certgate.testdata;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A reproducible test PKI: root and intermediate CAs, an unrelated "other" CA, a localhost server
 * certificate and client certificates that each carry exactly one defect, plus CRLs.
 *
 * <pre>{@code
 * TestPki pki = TestPki.builder().now(Instant.parse("2025-06-01T12:00:00Z")).build();
 * TestCert partner = pki.partnerClient();          // valid, issued by the intermediate
 * List<byte[]> der = partner.chainDer();           // leaf + intermediate
 * TestCert custom = pki.certificate("bob").cn("bob").clientAuth().issuedBy(pki.intermediateCa()).build();
 * pki.writeTo(Path.of("out"));                     // every certificate as PEM, plus README.md
 * }</pre>
 *
 * <p>Everything except the keys is deterministic: validity periods are fixed offsets from
 * {@link Builder#now(Instant)} (truncated to whole seconds), subjects and extensions are constant and
 * serial numbers are derived from the certificate's name. Keys are fresh on every {@link #build()}.
 * Certificates are created on first use and then memoized, so one instance always hands out the
 * same objects. Instances are thread-safe.
 *
 * <p>The reference verification of a client certificate {@code X} — the numbers in
 * {@link TestCert#expectedVerifyCode()} and in the generated README — is
 * {@code openssl verify -attime <now> -CAfile ca.pem -untrusted X-chain.pem -purpose sslclient X.pem},
 * with {@code -crl_check -CRLfile crl.pem} added for {@link #revokedClient()}.
 */
public final class TestPki {
    /** Key algorithm of generated certificates. */
    public enum KeyType {
        /** ECDSA on NIST P-256 (secp256r1), signed with SHA256withECDSA. The default. */
        EC_P256,
        /** RSA 2048, signed with SHA256withRSA. */
        RSA_2048
    }

    /** The certificate naming scheme's organisation. */
    public static final String ORG = "Certgate Test";
    /** The partner client's SPIFFE ID. */
    public static final String PARTNER_SPIFFE_ID = "spiffe://example.org/partner/billing";
    /** The IoT device's hardware serial, used in its CN and SAN URI. */
    public static final String DEVICE_SERIAL = "A1B2C3D4E5F6";
    /** The header-injection client's CN: CR, LF, a fake header line and non-ASCII characters. */
    public static final String INJECTION_CN =
            "mallory\r\nx-authenticated-userid: admin\r\n\u00dcn\u00efc\u00f8d\u00e9 \u2713 \u6f22\u5b57";

    private final Instant now;
    private final KeyType keyType;
    private final Map<String, Object> memo = new HashMap<>();

    private TestPki(Instant now, KeyType keyType) {
        this.now = now;
        this.keyType = keyType;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An EC P-256 PKI valid around {@code now}. */
    public static TestPki create(Instant now) {
        return builder().now(now).build();
    }

    /** Configures a {@link TestPki}. */
    public static final class Builder {
        private Instant now = Instant.now();
        private KeyType keyType = KeyType.EC_P256;

        private Builder() {
        }

        /** The instant all validity periods are relative to (default: the current time). */
        public Builder now(Instant now) {
            this.now = Objects.requireNonNull(now);
            return this;
        }

        public Builder keyType(KeyType keyType) {
            this.keyType = Objects.requireNonNull(keyType);
            return this;
        }

        /** Shorthand for {@code keyType(KeyType.RSA_2048)}. */
        public Builder rsa() {
            return keyType(KeyType.RSA_2048);
        }

        public TestPki build() {
            return new TestPki(now.truncatedTo(ChronoUnit.SECONDS), keyType);
        }
    }

    /** The instant validity periods are relative to, truncated to seconds. */
    public Instant now() {
        return now;
    }

    public KeyType keyType() {
        return keyType;
    }

    // ------------------------------------------------------------------ the fixed set

    /** The trust anchor {@code ca.pem}: self-signed, CA without path length limit, 10 years. */
    public TestCert rootCa() {
        return cert("ca", () -> certificate("ca").c("DE").o(ORG).cn("Certgate Test Root CA").ca(-1)
                .validity(now.minus(days(1)), now.plus(days(3650)))
                .defect("trust anchor (root CA)").build());
    }

    /** {@code intermediate.pem}: issued by the root, pathLen 0, issues most client certificates. */
    public TestCert intermediateCa() {
        return cert("intermediate", () -> certificate("intermediate").c("DE").o(ORG)
                .cn("Certgate Test Issuing CA").ca(0).issuedBy(rootCa())
                .validity(now.minus(days(1)), now.plus(days(1825)))
                .defect("intermediate CA (pathLen 0) issued by ca; issues the client certificates").build());
    }

    /** {@code other-ca.pem}: an unrelated self-signed root that nobody trusts. */
    public TestCert otherCa() {
        return cert("other-ca", () -> certificate("other-ca").c("US").o("Other Org").cn("Other Root CA").ca(-1)
                .validity(now.minus(days(1)), now.plus(days(3650)))
                .defect("unrelated root CA, not trusted by ca.pem").build());
    }

    /** {@code server.pem}: {@code localhost} / {@code 127.0.0.1}, serverAuth, issued directly by the root. */
    public TestCert server() {
        return cert("server", () -> certificate("server").o(ORG).cn("localhost").serverAuth()
                .dns("localhost").ip("127.0.0.1").issuedBy(rootCa())
                .validity(now.minus(days(1)), now.plus(days(365)))
                .defect("TLS server certificate for localhost and 127.0.0.1, issued by ca").build());
    }

    /**
     * {@code partner.pem}: the valid client. CN {@code billing-service}, OU {@code billing} and
     * {@code partners}, O {@code Example Partner GmbH}; SAN DNS, IP, URI {@value #PARTNER_SPIFFE_ID} and email.
     */
    public TestCert partnerClient() {
        return cert("partner", () -> certificate("partner").c("DE").o("Example Partner GmbH").ou("billing")
                .ou("partners").cn("billing-service").clientAuth()
                .dns("billing.partner.example.com").uri(PARTNER_SPIFFE_ID).email("billing-ops@partner.example.com")
                .ip("10.0.0.7").issuedBy(intermediateCa())
                .validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.OK).defect("none: valid partner client (via intermediate)").build());
    }

    /** {@code iot-device.pem}: CN {@code device-<serial>}, SAN URI {@code urn:device:<serial>}, issued by the root. */
    public TestCert iotDeviceClient() {
        return cert("iot-device", () -> certificate("iot-device").o("Example IoT").ou("devices")
                .cn("device-" + DEVICE_SERIAL).clientAuth().uri("urn:device:" + DEVICE_SERIAL.toLowerCase())
                .issuedBy(rootCa()).validity(now.minus(days(1)), now.plus(days(730)))
                .verifyCode(OpenSslCodes.OK).defect("none: valid IoT device client (issued directly by ca)").build());
    }

    /** {@code expired.pem}: notAfter one day before now. */
    public TestCert expiredClient() {
        return cert("expired", () -> clientOf("expired", intermediateCa())
                .validity(now.minus(days(30)), now.minus(days(1)))
                .verifyCode(OpenSslCodes.CERT_HAS_EXPIRED).defect("expired: notAfter = now - 1 day").build());
    }

    /** {@code not-yet-valid.pem}: notBefore one day after now. */
    public TestCert notYetValidClient() {
        return cert("not-yet-valid", () -> clientOf("not-yet-valid", intermediateCa())
                .validity(now.plus(days(1)), now.plus(days(366)))
                .verifyCode(OpenSslCodes.CERT_NOT_YET_VALID).defect("not yet valid: notBefore = now + 1 day")
                .build());
    }

    /** {@code other-ca-client.pem}: issued by {@link #otherCa()}. */
    public TestCert otherCaClient() {
        return cert("other-ca-client", () -> clientOf("other-ca-client", otherCa())
                .validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
                .defect("issued by other-ca, an untrusted CA").build());
    }

    /** {@code self-signed.pem}: a self-signed end-entity certificate with clientAuth. */
    public TestCert selfSignedClient() {
        return cert("self-signed", () -> clientOf("self-signed", null)
                .validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.DEPTH_ZERO_SELF_SIGNED_CERT).defect("self-signed client certificate")
                .build());
    }

    /** {@code server-auth-only.pem}: extendedKeyUsage serverAuth only (no clientAuth). */
    public TestCert serverAuthOnlyClient() {
        return cert("server-auth-only", () -> certificate("server-auth-only").c("DE").o(ORG).cn("server-auth-only")
                .serverAuth().issuedBy(intermediateCa()).validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.INVALID_PURPOSE)
                .defect("extendedKeyUsage is serverAuth only (no clientAuth)").build());
    }

    /** {@code no-digital-signature.pem}: keyUsage nonRepudiation only (neither digitalSignature nor keyAgreement). */
    public TestCert noDigitalSignatureClient() {
        return cert("no-digital-signature", () -> clientOf("no-digital-signature", intermediateCa())
                .keyUsage(KeyUsage.nonRepudiation).validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.INVALID_PURPOSE)
                .defect("keyUsage is nonRepudiation only: no digitalSignature (nor keyAgreement)").build());
    }

    /** {@code expired-intermediate.pem}: a CA issued by the root whose notAfter is one day before now. */
    public TestCert expiredIntermediateCa() {
        return cert("expired-intermediate", () -> certificate("expired-intermediate").c("DE").o(ORG)
                .cn("Certgate Test Expired Issuing CA").ca(0).issuedBy(rootCa())
                .validity(now.minus(days(400)), now.minus(days(1)))
                .defect("intermediate CA that expired one day ago").build());
    }

    /** {@code expired-intermediate-client.pem}: itself valid, issued by {@link #expiredIntermediateCa()}. */
    public TestCert expiredIntermediateClient() {
        return cert("expired-intermediate-client", () -> clientOf("expired-intermediate-client",
                expiredIntermediateCa()).validity(now.minus(days(30)), now.plus(days(60)))
                .verifyCode(OpenSslCodes.CERT_HAS_EXPIRED)
                .defect("valid itself, but its issuer expired-intermediate has expired (error at depth 1)").build());
    }

    /** {@code revoked.pem}: valid, but listed in {@link #crl()} (the intermediate's CRL). */
    public TestCert revokedClient() {
        return cert("revoked", () -> clientOf("revoked", intermediateCa())
                .validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.CERT_REVOKED)
                .defect("revoked (keyCompromise) in crl.pem; verify with -crl_check -CRLfile crl.pem").build());
    }

    /** {@code header-injection.pem}: valid, CN {@link #INJECTION_CN} with CR/LF and non-ASCII characters. */
    public TestCert headerInjectionClient() {
        return cert("header-injection", () -> certificate("header-injection").c("DE").o(ORG).ou("injection")
                .cn(INJECTION_CN).clientAuth().dns("injection.example.com")
                .issuedBy(intermediateCa()).validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.OK)
                .defect("none for openssl: CN contains CR, LF, a fake header line and non-ASCII characters")
                .build());
    }

    /** {@code sub-intermediate.pem}: a CA issued by the intermediate, violating the latter's pathLen 0. */
    public TestCert subIntermediateCa() {
        return cert("sub-intermediate", () -> certificate("sub-intermediate").c("DE").o(ORG)
                .cn("Certgate Test Sub CA").ca(-1).issuedBy(intermediateCa())
                .validity(now.minus(days(1)), now.plus(days(365)))
                .defect("CA below the pathLen-0 intermediate (violates its path length constraint)").build());
    }

    /** {@code path-length-client.pem}: issued by {@link #subIntermediateCa()}. */
    public TestCert pathLengthClient() {
        return cert("path-length-client", () -> clientOf("path-length-client", subIntermediateCa())
                .validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.PATH_LENGTH_EXCEEDED)
                .defect("issued by sub-intermediate: the chain exceeds intermediate's pathLen 0").build());
    }

    /** {@code not-a-ca.pem}: an end-entity certificate (CA:FALSE, no keyUsage) that is used as an issuer. */
    public TestCert notACa() {
        return cert("not-a-ca", () -> certificate("not-a-ca").c("DE").o(ORG).cn("Certgate Test Not A CA")
                .endEntity().keyUsage(-1).issuedBy(rootCa()).validity(now.minus(days(1)), now.plus(days(365)))
                .defect("end-entity certificate (basicConstraints CA:FALSE) misused as an issuer").build());
    }

    /** {@code not-a-ca-client.pem}: issued by {@link #notACa()}. */
    public TestCert notACaClient() {
        return cert("not-a-ca-client", () -> clientOf("not-a-ca-client", notACa())
                .validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.INVALID_CA)
                .defect("issued by not-a-ca, which is not a CA (error at depth 1)").build());
    }

    /** {@code bad-signature.pem}: like a valid client, but one bit of the signature is flipped. */
    public TestCert badSignatureClient() {
        return cert("bad-signature", () -> {
            TestCert good = clientOf("bad-signature", intermediateCa())
                    .validity(now.minus(days(1)), now.plus(days(90))).build();
            byte[] der = good.der();
            der[der.length - 1] ^= 0x01; // the last byte belongs to the signature BIT STRING
            return new TestCert("bad-signature", parseCertificate(der), good.privateKey(), intermediateCa(),
                    "signature does not verify (one bit flipped)", OpenSslCodes.CERT_SIGNATURE_FAILURE);
        });
    }

    /** The intermediate's CRL ({@code crl.pem}): lists {@link #revokedClient()}; valid now-1h .. now+7d. */
    public X509CRL crl() {
        return memo("crl", () -> crl(intermediateCa(), revokedClient().certificate().getSerialNumber()));
    }

    /** The root's CRL ({@code ca-crl.pem}): empty; for {@code -crl_check_all}. */
    public X509CRL rootCrl() {
        return memo("ca-crl", () -> crl(rootCa()));
    }

    /** A CRL by {@code issuer} valid now-1h .. now+7d revoking {@code serials} (keyCompromise, now-1h). */
    public X509CRL crl(TestCert issuer, BigInteger... serials) {
        return crl(issuer, now.minus(Duration.ofHours(1)), now.plus(days(7)), serials);
    }

    /** A CRL by {@code issuer} with the given validity revoking {@code serials} (keyCompromise, at thisUpdate). */
    public X509CRL crl(TestCert issuer, Instant thisUpdate, Instant nextUpdate, BigInteger... serials) {
        return crl(issuer, issuer.privateKey(), thisUpdate, nextUpdate, serials);
    }

    /**
     * Like {@link #crl(TestCert, Instant, Instant, BigInteger...)}, but signed with {@code signingKey}: with
     * a key other than the issuer's, the CRL names {@code issuer} (issuer DN and authorityKeyIdentifier) and
     * its signature does not verify.
     */
    public X509CRL crl(TestCert issuer, PrivateKey signingKey, Instant thisUpdate, Instant nextUpdate,
            BigInteger... serials) {
        try {
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(issuer.certificate().getSubjectX500Principal(),
                    Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (BigInteger serial : serials) {
                b.addCRLEntry(serial, Date.from(thisUpdate), CRLReason.keyCompromise);
            }
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(issuer.certificate()));
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.ONE));
            X509CRLHolder holder = b.build(signer(signingKey));
            return new JcaX509CRLConverter().getCRL(holder);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create CRL of " + issuer.name(), e);
        }
    }

    // ------------------------------------------------------------------ OCSP

    /**
     * A delegated OCSP responder certificate {@code ocsp-responder-ISSUER} issued by {@code issuer}: an end-entity
     * with keyUsage digitalSignature, extendedKeyUsage id-kp-OCSPSigning and id-pkix-ocsp-nocheck, valid
     * now-1d .. now+30d. Memoized per issuer; not part of {@link #all()} (nor written by {@link #writeTo(Path)}).
     */
    public TestCert ocspResponder(TestCert issuer) {
        Objects.requireNonNull(issuer, "issuer");
        return cert("ocsp-responder-" + issuer.name(), () -> certificate("ocsp-responder-" + issuer.name())
                .c("DE").o(ORG).cn("OCSP Responder for " + issuer.name()).ocspSigning().ocspNoCheck()
                .issuedBy(issuer).validity(now.minus(days(1)), now.plus(days(30)))
                .defect("delegated OCSP responder (id-kp-OCSPSigning) issued by " + issuer.name()).build());
    }

    /**
     * A valid clientAuth certificate named {@code name} (which also seeds its serial), issued by
     * {@link #intermediateCa()}, whose authorityInfoAccess extension names {@code ocspUrl} as its OCSP responder
     * (id-ad-ocsp). Not memoized: each call signs a new certificate (with the same serial for the same name).
     */
    public TestCert ocspClient(String name, String ocspUrl) {
        return clientOf(name, intermediateCa()).ocspUrl(ocspUrl).validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.OK).defect("valid client with an AIA OCSP responder URL " + ocspUrl)
                .build();
    }

    /**
     * A valid clientAuth certificate named {@code name} (which also seeds its serial), issued by {@code issuer},
     * whose cRLDistributionPoints extension names {@code crlUrls} (one distribution point each, in order). Not
     * memoized: each call signs a new certificate (with the same serial for the same name).
     */
    public TestCert crlDpClient(String name, TestCert issuer, String... crlUrls) {
        CertBuilder b = clientOf(name, issuer).validity(now.minus(days(1)), now.plus(days(90)))
                .verifyCode(OpenSslCodes.OK).defect("valid client with CRL distribution points " + List.of(crlUrls));
        for (String u : crlUrls) {
            b.crlUrl(u);
        }
        return b.build();
    }

    /**
     * Every certificate of the fixed set, in file order: CAs, server, then the clients (valid ones first).
     */
    public List<TestCert> all() {
        return List.of(rootCa(), intermediateCa(), otherCa(), expiredIntermediateCa(), subIntermediateCa(), notACa(),
                server(), partnerClient(), iotDeviceClient(), headerInjectionClient(), expiredClient(),
                notYetValidClient(), otherCaClient(), selfSignedClient(), serverAuthOnlyClient(),
                noDigitalSignatureClient(), expiredIntermediateClient(), revokedClient(), pathLengthClient(),
                notACaClient(), badSignatureClient());
    }

    /** The client certificates of the fixed set (those with an {@link TestCert#expectedVerifyCode()}). */
    public List<TestCert> clients() {
        List<TestCert> out = new ArrayList<>();
        for (TestCert c : all()) {
            if (c.expectedVerifyCode().isPresent()) {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------ writing

    /**
     * Writes the whole set into {@code dir} (created if needed): per certificate {@code NAME.pem},
     * {@code NAME.key} (PKCS#8) and {@code NAME-chain.pem} (leaf + intermediates); {@code crl.pem},
     * {@code ca-crl.pem}, {@code trust-bundle.pem} (ca + other-ca) and a {@code README.md} describing
     * every file. Returns the written files.
     */
    public List<Path> writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Map<String, String> files = new LinkedHashMap<>();
        for (TestCert c : all()) {
            files.put(c.name() + ".pem", c.pem());
            files.put(c.name() + ".key", c.keyPem());
            if (!c.isSelfSigned()) {
                files.put(c.name() + "-chain.pem", c.chainPem());
            }
        }
        files.put("crl.pem", pem(crl()));
        files.put("ca-crl.pem", pem(rootCrl()));
        files.put("trust-bundle.pem", pem(List.of(rootCa().certificate(), otherCa().certificate())));
        files.put("README.md", readme());
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
            written.add(p);
        }
        return written;
    }

    /** The README.md written by {@link #writeTo(Path)}. */
    public String readme() {
        StringBuilder s = new StringBuilder();
        s.append("# certgate test PKI\n\n")
                .append("Generated by `io.certgate.testdata.GeneratePki` for now = ").append(now)
                .append(", keys ").append(keyType).append(". Do not commit; regenerate instead.\n\n")
                .append("Every certificate `NAME` comes as `NAME.pem` (the certificate), `NAME.key` (its PKCS#8 key) and,")
                .append(" unless self-signed, `NAME-chain.pem` (certificate + intermediates, what a TLS peer sends).\n\n")
                .append("Reference check of a client `NAME` (the *openssl* column; first error number reported):\n\n")
                .append("    openssl verify -attime ").append(now.getEpochSecond())
                .append(" -CAfile ca.pem -untrusted NAME-chain.pem -purpose sslclient NAME.pem\n\n")
                .append("`revoked` additionally with `-crl_check -CRLfile crl.pem`.")
                .append(" (Drop `-attime` to check against the current time.)\n\n")
                .append("| file | subject | issuer | not before | not after | openssl | defect |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (TestCert c : all()) {
            X509Certificate x = c.certificate();
            s.append("| `").append(c.name()).append(".pem` | ")
                    .append(md(x.getSubjectX500Principal().getName())).append(" | ")
                    .append(c.issuer().map(TestCert::name).orElse("(self)")).append(" | ")
                    .append(x.getNotBefore().toInstant()).append(" | ")
                    .append(x.getNotAfter().toInstant()).append(" | ")
                    .append(c.expectedVerifyCode().map(String::valueOf).orElse("")).append(" | ")
                    .append(md(c.defect())).append(" |\n");
        }
        s.append("| `crl.pem` | | intermediate | ").append(crl().getThisUpdate().toInstant()).append(" | ")
                .append(crl().getNextUpdate().toInstant()).append(" | | CRL of intermediate listing `revoked` |\n");
        s.append("| `ca-crl.pem` | | ca | ").append(rootCrl().getThisUpdate().toInstant()).append(" | ")
                .append(rootCrl().getNextUpdate().toInstant()).append(" | | CRL of ca, empty (for `-crl_check_all`) |\n");
        s.append("| `trust-bundle.pem` | | | | | | ca.pem + other-ca.pem: a trust bundle holding two CAs |\n");
        return s.toString();
    }

    private static String md(String text) {
        return text.replace("\r", "\\r").replace("\n", "\\n").replace("|", "\\|");
    }

    // ------------------------------------------------------------------ encoding helpers

    /** The DER encoding of {@code cert}. */
    public static byte[] der(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The DER encodings of {@code chain}, in order. */
    public static List<byte[]> der(List<X509Certificate> chain) {
        List<byte[]> out = new ArrayList<>(chain.size());
        for (X509Certificate c : chain) {
            out.add(der(c));
        }
        return List.copyOf(out);
    }

    /** The DER encoding of {@code crl}. */
    public static byte[] der(X509CRL crl) {
        try {
            return crl.getEncoded();
        } catch (CRLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code cert.chain()}: the certificate followed by its intermediates. */
    public static List<X509Certificate> chain(TestCert cert) {
        return cert.chain();
    }

    /** The certificate followed by explicitly given issuers (e.g. to build a wrong or overlong chain). */
    public static List<X509Certificate> chain(TestCert leaf, TestCert... issuers) {
        List<X509Certificate> out = new ArrayList<>();
        out.add(leaf.certificate());
        for (TestCert i : issuers) {
            out.add(i.certificate());
        }
        return List.copyOf(out);
    }

    /** One {@code CERTIFICATE} PEM block. */
    public static String pem(X509Certificate cert) {
        return pem("CERTIFICATE", der(cert));
    }

    /** Concatenated {@code CERTIFICATE} PEM blocks, in order. */
    public static String pem(List<X509Certificate> certs) {
        StringBuilder s = new StringBuilder();
        for (X509Certificate c : certs) {
            s.append(pem(c));
        }
        return s.toString();
    }

    /** An {@code X509 CRL} PEM block. */
    public static String pem(X509CRL crl) {
        return pem("X509 CRL", der(crl));
    }

    /** An unencrypted PKCS#8 {@code PRIVATE KEY} PEM block. */
    public static String pem(PrivateKey key) {
        if (!"PKCS#8".equalsIgnoreCase(key.getFormat())) {
            throw new IllegalArgumentException("key is not PKCS#8 encodable: " + key.getFormat());
        }
        return pem("PRIVATE KEY", key.getEncoded());
    }

    /** A PEM block of {@code type} around {@code der}, 64 characters a line, LF line ends. */
    public static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    /** Parses one DER certificate with the JDK's X.509 factory. */
    public static X509Certificate parseCertificate(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a DER certificate", e);
        }
    }

    // ------------------------------------------------------------------ custom certificates

    /**
     * Starts a custom certificate named {@code name} (the file base name; also seeds the serial).
     * Defaults: an end-entity with keyUsage digitalSignature, no EKU, no SAN, valid now-1d .. now+90d,
     * self-signed unless {@link CertBuilder#issuedBy(TestCert)} is called, this PKI's key type.
     * Custom certificates are not memoized.
     */
    public CertBuilder certificate(String name) {
        return new CertBuilder(name);
    }

    /** A clientAuth end-entity named like the file, O = {@value #ORG}. */
    private CertBuilder clientOf(String name, TestCert issuer) {
        return certificate(name).c("DE").o(ORG).cn(name).clientAuth().issuedBy(issuer);
    }

    /** Fluent description of one certificate; {@link #build()} signs it. */
    public final class CertBuilder {
        private final String name;
        private final List<ASN1ObjectIdentifier> rdnTypes = new ArrayList<>();
        private final List<String> rdnValues = new ArrayList<>();
        private X500Name subject;
        private TestCert issuer;
        private Instant notBefore = now.minus(days(1));
        private Instant notAfter = now.plus(days(90));
        private BigInteger serial;
        private KeyType keyType = TestPki.this.keyType;
        private KeyPair keyPair;
        private boolean ca;
        private int pathLen = -1;
        private boolean endEntityConstraint = true;
        private Integer keyUsage;
        private final List<KeyPurposeId> eku = new ArrayList<>();
        private final List<GeneralName> sans = new ArrayList<>();
        private final List<Extension> extraExtensions = new ArrayList<>();
        private final List<String> ocspUrls = new ArrayList<>();
        private final List<String> crlUrls = new ArrayList<>();
        private boolean ocspNoCheck;
        private boolean authorityKeyId = true;
        private String defect = "";
        private Integer verifyCode;

        private CertBuilder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        private CertBuilder rdn(ASN1ObjectIdentifier type, String value) {
            rdnTypes.add(type);
            rdnValues.add(value);
            return this;
        }

        /** Appends a countryName RDN. Subject RDNs are encoded in call order (call C, O, OU, CN). */
        public CertBuilder c(String value) {
            return rdn(BCStyle.C, value);
        }

        public CertBuilder o(String value) {
            return rdn(BCStyle.O, value);
        }

        public CertBuilder ou(String value) {
            return rdn(BCStyle.OU, value);
        }

        public CertBuilder cn(String value) {
            return rdn(BCStyle.CN, value);
        }

        /** Replaces the RDNs given with c/o/ou/cn by a complete subject. */
        public CertBuilder subject(X500Name subject) {
            this.subject = subject;
            return this;
        }

        /** The issuing certificate; {@code null} = self-signed. */
        public CertBuilder issuedBy(TestCert issuer) {
            this.issuer = issuer;
            return this;
        }

        public CertBuilder validity(Instant notBefore, Instant notAfter) {
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            return this;
        }

        /** Validity as offsets from the PKI's now (negative = in the past). */
        public CertBuilder validity(Duration fromNow, Duration untilNow) {
            return validity(now.plus(fromNow), now.plus(untilNow));
        }

        public CertBuilder serial(BigInteger serial) {
            this.serial = serial;
            return this;
        }

        public CertBuilder keyType(KeyType keyType) {
            this.keyType = keyType;
            return this;
        }

        /** Certifies an existing key pair instead of generating one. */
        public CertBuilder keyPair(KeyPair keyPair) {
            this.keyPair = keyPair;
            return this;
        }

        /** A CA: basicConstraints CA:TRUE (critical) with {@code pathLen} (-1 = unlimited), keyUsage keyCertSign+cRLSign. */
        public CertBuilder ca(int pathLen) {
            this.ca = true;
            this.pathLen = pathLen;
            return this;
        }

        /** An end-entity with basicConstraints CA:FALSE (the default). */
        public CertBuilder endEntity() {
            this.ca = false;
            this.endEntityConstraint = true;
            return this;
        }

        /** No basicConstraints extension at all (a v1-style end entity). */
        public CertBuilder noBasicConstraints() {
            this.ca = false;
            this.endEntityConstraint = false;
            return this;
        }

        /** keyUsage bits ({@link KeyUsage} constants, or-ed); -1 = no keyUsage extension. */
        public CertBuilder keyUsage(int bits) {
            this.keyUsage = bits;
            return this;
        }

        public CertBuilder clientAuth() {
            eku.add(KeyPurposeId.id_kp_clientAuth);
            return this;
        }

        public CertBuilder serverAuth() {
            eku.add(KeyPurposeId.id_kp_serverAuth);
            return this;
        }

        public CertBuilder extendedKeyUsage(KeyPurposeId purpose) {
            eku.add(purpose);
            return this;
        }

        /** Adds id-kp-OCSPSigning to extendedKeyUsage: a delegated OCSP responder certificate (RFC 6960 4.2.2.2). */
        public CertBuilder ocspSigning() {
            eku.add(KeyPurposeId.id_kp_OCSPSigning);
            return this;
        }

        /** Adds the id-pkix-ocsp-nocheck extension (RFC 6960 4.2.2.2.1), as delegated responder certificates carry. */
        public CertBuilder ocspNoCheck() {
            this.ocspNoCheck = true;
            return this;
        }

        /** One CRL distribution point per URL (cRLDistributionPoints, non-critical, fullName URI), in order. */
        public CertBuilder crlUrl(String... urls) {
            Arrays.stream(urls).map(Objects::requireNonNull).forEach(crlUrls::add);
            return this;
        }

        /**
         * Adds an authorityInfoAccess extension (non-critical) with one id-ad-ocsp access description per URL,
         * in order.
         */
        public CertBuilder ocspUrl(String... urls) {
            Arrays.stream(urls).map(Objects::requireNonNull).forEach(ocspUrls::add);
            return this;
        }

        public CertBuilder dns(String... names) {
            Arrays.stream(names).forEach(n -> sans.add(new GeneralName(GeneralName.dNSName, n)));
            return this;
        }

        public CertBuilder uri(String... uris) {
            Arrays.stream(uris).forEach(n -> sans.add(new GeneralName(GeneralName.uniformResourceIdentifier, n)));
            return this;
        }

        public CertBuilder email(String... emails) {
            Arrays.stream(emails).forEach(n -> sans.add(new GeneralName(GeneralName.rfc822Name, n)));
            return this;
        }

        public CertBuilder ip(String... ips) {
            Arrays.stream(ips).forEach(n -> sans.add(new GeneralName(GeneralName.iPAddress, n)));
            return this;
        }

        public CertBuilder defect(String defect) {
            this.defect = defect;
            return this;
        }

        /** Adds an extension as given (e.g. an unknown critical one); it must not be one the builder adds itself. */
        public CertBuilder extension(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) {
            try {
                extraExtensions.add(new Extension(oid, critical, value.toASN1Primitive().getEncoded()));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot encode extension " + oid, e);
            }
            return this;
        }

        /** Leaves out the authorityKeyIdentifier extension (added by default to issued certificates). */
        public CertBuilder noAuthorityKeyIdentifier() {
            this.authorityKeyId = false;
            return this;
        }

        /** The expected {@code openssl verify} result recorded in {@link TestCert#expectedVerifyCode()}. */
        public CertBuilder verifyCode(int code) {
            this.verifyCode = code;
            return this;
        }

        public TestCert build() {
            try {
                KeyPair kp = keyPair != null ? keyPair : generateKeyPair(keyType);
                X500Name subj = subject;
                if (subj == null) {
                    X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
                    for (int i = 0; i < rdnTypes.size(); i++) {
                        nb.addRDN(rdnTypes.get(i), rdnValues.get(i));
                    }
                    subj = nb.build();
                }
                BigInteger sn = serial != null ? serial : serialFor(name);
                X509v3CertificateBuilder b;
                PrivateKey signingKey;
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                if (issuer == null) {
                    b = new JcaX509v3CertificateBuilder(subj, sn, Date.from(notBefore), Date.from(notAfter), subj,
                            kp.getPublic());
                    signingKey = kp.getPrivate();
                } else {
                    b = new JcaX509v3CertificateBuilder(issuer.certificate(), sn, Date.from(notBefore),
                            Date.from(notAfter), subj, kp.getPublic());
                    signingKey = issuer.privateKey();
                    if (authorityKeyId) {
                        b.addExtension(Extension.authorityKeyIdentifier, false,
                                ext.createAuthorityKeyIdentifier(issuer.certificate()));
                    }
                }
                b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
                if (ca) {
                    b.addExtension(Extension.basicConstraints, true,
                            pathLen >= 0 ? new BasicConstraints(pathLen) : new BasicConstraints(true));
                } else if (endEntityConstraint) {
                    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                }
                int ku = keyUsage != null ? keyUsage
                        : ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
                        : KeyUsage.digitalSignature;
                if (ku >= 0) {
                    b.addExtension(Extension.keyUsage, true, new KeyUsage(ku));
                }
                if (!eku.isEmpty()) {
                    b.addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(eku.toArray(new KeyPurposeId[0])));
                }
                if (!sans.isEmpty()) {
                    b.addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(sans.toArray(new GeneralName[0])));
                }
                if (!ocspUrls.isEmpty()) {
                    b.addExtension(Extension.authorityInfoAccess, false, new AuthorityInformationAccess(
                            ocspUrls.stream().map(u -> new AccessDescription(AccessDescription.id_ad_ocsp,
                                    new GeneralName(GeneralName.uniformResourceIdentifier, u)))
                                    .toArray(AccessDescription[]::new)));
                }
                if (!crlUrls.isEmpty()) {
                    b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(crlUrls.stream()
                            .map(u -> new DistributionPoint(new DistributionPointName(new GeneralNames(
                                    new GeneralName(GeneralName.uniformResourceIdentifier, u))), null, null))
                            .toArray(DistributionPoint[]::new)));
                }
                if (ocspNoCheck) {
                    b.addExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck, false, DERNull.INSTANCE);
                }
                for (Extension e : extraExtensions) {
                    b.addExtension(e);
                }
                X509CertificateHolder holder = b.build(signer(signingKey));
                X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
                return new TestCert(name, cert, kp.getPrivate(), issuer, defect, verifyCode);
            } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
                throw new IllegalStateException("cannot create certificate " + name, e);
            }
        }
    }

    /** A fresh key pair of {@code type}. */
    public static KeyPair generateKeyPair(KeyType type) {
        try {
            KeyPairGenerator g;
            if (type == KeyType.RSA_2048) {
                g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
            } else {
                g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate a " + type + " key", e);
        }
    }

    /** A positive 127-bit serial derived from the certificate name, so serials are stable across runs. */
    static BigInteger serialFor(String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest(("certgate-testdata/" + name).getBytes(StandardCharsets.UTF_8));
            byte[] s = Arrays.copyOf(h, 16);
            s[0] &= 0x7f;
            BigInteger serial = new BigInteger(1, s);
            return serial.signum() == 0 ? BigInteger.ONE : serial;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaContentSignerBuilder(alg).build(key);
    }

    private static Duration days(long n) {
        return Duration.ofDays(n);
    }

    private TestCert cert(String key, Supplier<TestCert> create) {
        return memo(key, create);
    }

    @SuppressWarnings("unchecked")
    private synchronized <T> T memo(String key, Supplier<T> create) {
        Object v = memo.get(key);
        if (v == null) {
            v = create.get();
            memo.put(key, v);
        }
        return (T) v;
    }
}
