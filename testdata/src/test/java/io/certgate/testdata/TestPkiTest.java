package io.certgate.testdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SignatureException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each certificate of the test PKI really carries its defect, checked with the JDK's own X.509 code. */
class TestPkiTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final TestPki PKI = TestPki.create(NOW);
    private static final Date AT = Date.from(NOW);

    @Test
    void rootCaIsASelfSignedUnlimitedCa() throws Exception {
        X509Certificate ca = PKI.rootCa().certificate();
        assertThat(ca.getSubjectX500Principal()).isEqualTo(ca.getIssuerX500Principal());
        assertThat(ca.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(ca.getKeyUsage()[6]).as("cRLSign").isTrue();
        assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        ca.verify(ca.getPublicKey());
        ca.checkValidity(AT);
        assertThat(PKI.rootCa().isSelfSigned()).isTrue();
        assertThat(PKI.rootCa().chain()).containsExactly(ca);
    }

    @Test
    void intermediateHasPathLenZeroAndIsSignedByTheRoot() throws Exception {
        X509Certificate im = PKI.intermediateCa().certificate();
        assertThat(im.getBasicConstraints()).isZero();
        assertThat(im.getIssuerX500Principal()).isEqualTo(PKI.rootCa().certificate().getSubjectX500Principal());
        im.verify(PKI.rootCa().publicKey());
        im.checkValidity(AT);
        assertThat(PKI.intermediateCa().issuer()).contains(PKI.rootCa());
    }

    @Test
    void otherCaIsUnrelatedToTheRoot() throws Exception {
        X509Certificate other = PKI.otherCa().certificate();
        assertThat(other.getSubjectX500Principal()).isNotEqualTo(PKI.rootCa().certificate().getSubjectX500Principal());
        other.verify(other.getPublicKey());
        assertThat(other.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThatThrownBy(() -> PKI.otherCaClient().certificate().verify(PKI.rootCa().publicKey()))
                .isInstanceOf(SignatureException.class);
        PKI.otherCaClient().certificate().verify(other.getPublicKey());
    }

    @Test
    void serverIsForLocalhost() throws Exception {
        X509Certificate s = PKI.server().certificate();
        assertThat(cn(s)).containsExactly("localhost");
        assertThat(sans(s, 2)).containsExactly("localhost");
        assertThat(sans(s, 7)).containsExactly("127.0.0.1");
        assertThat(s.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(s.getBasicConstraints()).isEqualTo(-1);
        s.verify(PKI.rootCa().publicKey());
        s.checkValidity(AT);
    }

    @Test
    void partnerIsAValidClientWithAllIdentityAttributes() throws Exception {
        TestCert partner = PKI.partnerClient();
        X509Certificate p = partner.certificate();
        p.checkValidity(AT);
        p.verify(PKI.intermediateCa().publicKey());
        assertThat(cn(p)).containsExactly("billing-service");
        assertThat(rdn(p, "OU")).containsExactlyInAnyOrder("billing", "partners");
        assertThat(rdn(p, "O")).containsExactly("Example Partner GmbH");
        assertThat(sans(p, 2)).containsExactly("billing.partner.example.com");
        assertThat(sans(p, 6)).containsExactly(TestPki.PARTNER_SPIFFE_ID)
                .containsExactly("spiffe://example.org/partner/billing");
        assertThat(sans(p, 1)).containsExactly("billing-ops@partner.example.com");
        assertThat(p.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(p.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(partner.chain()).containsExactly(p, PKI.intermediateCa().certificate());
        assertThat(partner.expectedVerifyCode()).contains(OpenSslCodes.OK);
    }

    @Test
    void iotDeviceHasSerialBasedIdentity() throws Exception {
        X509Certificate d = PKI.iotDeviceClient().certificate();
        assertThat(cn(d)).containsExactly("device-" + TestPki.DEVICE_SERIAL);
        assertThat(sans(d, 6)).containsExactly("urn:device:a1b2c3d4e5f6");
        assertThat(d.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        d.verify(PKI.rootCa().publicKey());
        d.checkValidity(AT);
        assertThat(PKI.iotDeviceClient().chain()).containsExactly(d);
    }

    @Test
    void expiredClientExpiredOneDayAgo() {
        X509Certificate e = PKI.expiredClient().certificate();
        assertThat(e.getNotAfter().toInstant()).isEqualTo(NOW.minus(Duration.ofDays(1)));
        assertThatThrownBy(() -> e.checkValidity(AT)).isInstanceOf(CertificateExpiredException.class);
    }

    @Test
    void notYetValidClientStartsTomorrow() {
        X509Certificate n = PKI.notYetValidClient().certificate();
        assertThat(n.getNotBefore().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(1)));
        assertThatThrownBy(() -> n.checkValidity(AT)).isInstanceOf(CertificateNotYetValidException.class);
    }

    @Test
    void selfSignedClientSignsItself() throws Exception {
        X509Certificate s = PKI.selfSignedClient().certificate();
        assertThat(s.getSubjectX500Principal()).isEqualTo(s.getIssuerX500Principal());
        s.verify(s.getPublicKey());
        assertThat(s.getBasicConstraints()).isEqualTo(-1);
        assertThat(s.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(PKI.selfSignedClient().isSelfSigned()).isTrue();
        assertThat(PKI.selfSignedClient().chain()).containsExactly(s);
    }

    @Test
    void serverAuthOnlyClientLacksClientAuth() throws Exception {
        X509Certificate s = PKI.serverAuthOnlyClient().certificate();
        assertThat(s.getExtendedKeyUsage()).containsExactly(SERVER_AUTH).doesNotContain(CLIENT_AUTH);
        s.checkValidity(AT);
        s.verify(PKI.intermediateCa().publicKey());
    }

    @Test
    void noDigitalSignatureClientHasOnlyNonRepudiation() throws Exception {
        X509Certificate c = PKI.noDigitalSignatureClient().certificate();
        boolean[] ku = c.getKeyUsage();
        assertThat(ku[0]).as("digitalSignature").isFalse();
        assertThat(ku[1]).as("nonRepudiation").isTrue();
        assertThat(ku[4]).as("keyAgreement").isFalse();
        assertThat(c.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        c.checkValidity(AT);
    }

    @Test
    void expiredIntermediateClientIsValidButItsIssuerExpired() throws Exception {
        X509Certificate leaf = PKI.expiredIntermediateClient().certificate();
        X509Certificate issuer = PKI.expiredIntermediateCa().certificate();
        leaf.checkValidity(AT);
        leaf.verify(issuer.getPublicKey());
        issuer.verify(PKI.rootCa().publicKey());
        assertThat(issuer.getBasicConstraints()).isZero();
        assertThatThrownBy(() -> issuer.checkValidity(AT)).isInstanceOf(CertificateExpiredException.class);
        assertThat(PKI.expiredIntermediateClient().chain()).containsExactly(leaf, issuer);
    }

    @Test
    void revokedClientIsListedInTheIntermediatesCrl() throws Exception {
        X509CRL crl = PKI.crl();
        crl.verify(PKI.intermediateCa().publicKey());
        assertThat(crl.getIssuerX500Principal()).isEqualTo(PKI.intermediateCa().certificate().getSubjectX500Principal());
        assertThat(crl.isRevoked(PKI.revokedClient().certificate())).isTrue();
        assertThat(crl.isRevoked(PKI.partnerClient().certificate())).isFalse();
        assertThat(crl.getRevokedCertificates()).hasSize(1);
        assertThat(crl.getThisUpdate()).isBefore(AT);
        assertThat(crl.getNextUpdate()).isAfter(AT);
        PKI.revokedClient().certificate().checkValidity(AT);

        X509CRL root = PKI.rootCrl();
        root.verify(PKI.rootCa().publicKey());
        assertThat(root.getRevokedCertificates()).isNull();
    }

    @Test
    void headerInjectionClientHasControlAndUnicodeCharactersInItsCn() throws Exception {
        X509Certificate h = PKI.headerInjectionClient().certificate();
        assertThat(cn(h)).containsExactly(TestPki.INJECTION_CN);
        assertThat(TestPki.INJECTION_CN).contains("\r\n").contains("\u00dc").contains("\u6f22");
        h.checkValidity(AT);
        h.verify(PKI.intermediateCa().publicKey());
    }

    @Test
    void badSignatureDoesNotVerify() throws Exception {
        X509Certificate b = PKI.badSignatureClient().certificate();
        assertThatThrownBy(() -> b.verify(PKI.intermediateCa().publicKey())).isInstanceOf(SignatureException.class);
        b.checkValidity(AT);
    }

    @Test
    void pathLengthAndNotACaIssuers() throws Exception {
        assertThat(PKI.subIntermediateCa().certificate().getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
        assertThat(PKI.pathLengthClient().chain()).hasSize(3);
        PKI.pathLengthClient().certificate().verify(PKI.subIntermediateCa().publicKey());
        assertThat(PKI.notACa().certificate().getBasicConstraints()).isEqualTo(-1);
        assertThat(PKI.notACa().certificate().getKeyUsage()).isNull();
        PKI.notACaClient().certificate().verify(PKI.notACa().publicKey());
    }

    @Test
    void everyClientHasAnExpectedCodeAndADefect() {
        assertThat(PKI.clients()).hasSize(14);
        assertThat(PKI.all()).allSatisfy(c -> assertThat(c.defect()).isNotBlank());
        assertThat(PKI.all()).extracting(TestCert::name).doesNotHaveDuplicates();
        assertThat(PKI.all()).extracting(c -> c.certificate().getSerialNumber()).doesNotHaveDuplicates();
    }

    @Test
    void isDeterministicExceptForKeys() {
        TestPki again = TestPki.builder().now(NOW.plusMillis(999)).build(); // truncated to the same second
        assertThat(again.now()).isEqualTo(NOW);
        for (int i = 0; i < PKI.all().size(); i++) {
            X509Certificate a = PKI.all().get(i).certificate();
            X509Certificate b = again.all().get(i).certificate();
            assertThat(b.getSerialNumber()).isEqualTo(a.getSerialNumber());
            assertThat(b.getSubjectX500Principal()).isEqualTo(a.getSubjectX500Principal());
            assertThat(b.getIssuerX500Principal()).isEqualTo(a.getIssuerX500Principal());
            assertThat(b.getNotBefore()).isEqualTo(a.getNotBefore());
            assertThat(b.getNotAfter()).isEqualTo(a.getNotAfter());
            assertThat(b.getPublicKey()).isNotEqualTo(a.getPublicKey());
        }
        assertThat(PKI.partnerClient()).isSameAs(PKI.partnerClient());
    }

    @Test
    void ecIsTheDefaultAndRsaIsOptional() throws Exception {
        assertThat(PKI.partnerClient().publicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(PKI.partnerClient().certificate().getSigAlgName()).isEqualTo("SHA256withECDSA");
        TestPki rsa = TestPki.builder().now(NOW).rsa().build();
        TestCert partner = rsa.partnerClient();
        assertThat(partner.publicKey()).isInstanceOf(RSAPublicKey.class);
        assertThat(((RSAPublicKey) partner.publicKey()).getModulus().bitLength()).isEqualTo(2048);
        assertThat(partner.certificate().getSigAlgName()).isEqualTo("SHA256withRSA");
        partner.certificate().verify(rsa.intermediateCa().publicKey());
    }

    @Test
    void customCertificatesThroughTheFluentBuilder() throws Exception {
        TestCert bob = PKI.certificate("bob").c("DE").o("Bob Corp").ou("a").ou("b").cn("bob").clientAuth()
                .dns("bob.example").uri("spiffe://example.org/bob").email("bob@example.org").ip("::1")
                .serial(java.math.BigInteger.valueOf(0x0abc)).validity(Duration.ofDays(-2), Duration.ofDays(2))
                .issuedBy(PKI.intermediateCa()).keyType(TestPki.KeyType.RSA_2048).build();
        X509Certificate c = bob.certificate();
        assertThat(c.getSerialNumber().intValue()).isEqualTo(0x0abc);
        assertThat(c.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofDays(2)));
        assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=bob,OU=b,OU=a,O=Bob Corp,C=DE");
        assertThat(sans(c, 7)).hasSize(1);
        assertThat(bob.publicKey()).isInstanceOf(RSAPublicKey.class);
        c.verify(PKI.intermediateCa().publicKey()); // EC issuer signs an RSA subject key
    }

    @Test
    void derAndPemHelpersRoundTrip() throws Exception {
        TestCert partner = PKI.partnerClient();
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate fromDer = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(partner.der()));
        assertThat(fromDer).isEqualTo(partner.certificate());

        List<java.security.cert.Certificate> fromPem = new ArrayList<>(cf.generateCertificates(
                new ByteArrayInputStream(partner.chainPem().getBytes(StandardCharsets.US_ASCII))));
        assertThat(fromPem).containsExactly(partner.certificate(), PKI.intermediateCa().certificate());
        assertThat(TestPki.der(TestPki.chain(partner))).hasSize(2);
        assertThat(partner.chainDer().get(1)).isEqualTo(PKI.intermediateCa().der());
        assertThat(TestPki.chain(partner, PKI.intermediateCa(), PKI.rootCa())).hasSize(3);

        assertThat(partner.pem()).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(partner.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(TestPki.pem(PKI.crl())).startsWith("-----BEGIN X509 CRL-----\n");
        assertThat(partner.pem().lines().filter(l -> !l.startsWith("-----"))).allSatisfy(l ->
                assertThat(l.length()).isLessThanOrEqualTo(64));
        X509CRL crl = (X509CRL) cf.generateCRL(new ByteArrayInputStream(TestPki.der(PKI.crl())));
        assertThat(crl.isRevoked(PKI.revokedClient().certificate())).isTrue();
    }

    @Test
    void writesTheWholeSetWithAReadme(@TempDir Path dir) throws Exception {
        List<Path> files = PKI.writeTo(dir);
        assertThat(dir.resolve("ca.pem")).exists();
        for (String f : List.of("ca.pem", "ca.key", "intermediate.pem", "partner.pem", "partner.key",
                "partner-chain.pem", "expired.pem", "not-yet-valid.pem", "other-ca.pem", "other-ca-client.pem",
                "self-signed.pem", "server-auth-only.pem", "no-digital-signature.pem", "expired-intermediate.pem",
                "expired-intermediate-client.pem", "revoked.pem", "header-injection.pem", "iot-device.pem",
                "server.pem", "server.key", "crl.pem", "ca-crl.pem", "trust-bundle.pem", "README.md")) {
            assertThat(dir.resolve(f)).as(f).isRegularFile();
        }
        assertThat(files).contains(dir.resolve("README.md"));
        assertThat(dir.resolve("self-signed-chain.pem")).doesNotExist();
        assertThat(Files.readString(dir.resolve("partner.pem"))).isEqualTo(PKI.partnerClient().pem());
        String readme = Files.readString(dir.resolve("README.md"));
        for (TestCert c : PKI.all()) {
            assertThat(readme).contains("`" + c.name() + ".pem`");
        }
        assertThat(readme).contains("crl.pem").doesNotContain("\r");
    }

    @Test
    void mainWritesTheSet(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        assertThat(GeneratePki.run(new String[] {out.toString(), "--now", "2025-06-01T12:00:00Z"})).isZero();
        assertThat(out.resolve("partner-chain.pem")).isRegularFile();
        assertThat(Files.readString(out.resolve("README.md"))).contains("2025-06-01T12:00:00Z");
        assertThat(GeneratePki.run(new String[] {})).isEqualTo(2);
        assertThat(GeneratePki.run(new String[] {out.toString(), "--now", "yesterday"})).isEqualTo(2);
    }

    private static List<String> cn(X509Certificate c) throws Exception {
        return rdn(c, "CN");
    }

    private static List<String> rdn(X509Certificate c, String type) throws Exception {
        List<String> out = new ArrayList<>();
        for (Rdn r : new LdapName(c.getSubjectX500Principal().getName(X500Principal.RFC2253)).getRdns()) {
            if (r.getType().equalsIgnoreCase(type)) {
                out.add(r.getValue().toString());
            }
        }
        return out;
    }

    private static List<String> sans(X509Certificate c, int type) throws Exception {
        List<String> out = new ArrayList<>();
        if (c.getSubjectAlternativeNames() != null) {
            for (List<?> san : c.getSubjectAlternativeNames()) {
                if ((Integer) san.get(0) == type) {
                    out.add(san.get(1).toString());
                }
            }
        }
        return out;
    }
}
