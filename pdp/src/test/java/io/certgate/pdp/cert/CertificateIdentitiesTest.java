package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.MutableClock;
import io.certgate.testdata.TestPki;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTCTime;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateIdentitiesTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final TestPki PKI = TestPki.create(NOW);
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    private final MutableClock clock = new MutableClock(NOW);
    private final CertificateIdentities identities = new CertificateIdentities(clock, 1000);

    @TempDir
    Path tmp;

    @Test
    void partnerIdentityHasEveryField() throws Exception {
        TestCert partner = PKI.partnerClient();
        X509Certificate cert = partner.certificate();
        CertificateIdentity id = identities.identify(partner.chainDer());

        assertThat(id.sha1()).isEqualTo(hex("SHA-1", partner.der())).hasSize(40).matches("[0-9a-f]+");
        assertThat(id.sha256()).isEqualTo(hex("SHA-256", partner.der())).hasSize(64).matches("[0-9a-f]+");
        assertThat(id.subjectDn()).isEqualTo("CN=billing-service,OU=partners,OU=billing,O=Example Partner GmbH,C=DE");
        assertThat(id.issuerDn()).isEqualTo("CN=Certgate Test Issuing CA,O=Certgate Test,C=DE");
        assertThat(id.cn()).isEqualTo("billing-service");
        assertThat(id.ou()).containsExactly("billing", "partners");
        assertThat(id.o()).isEqualTo("Example Partner GmbH");
        assertThat(id.serial()).isEqualTo(cert.getSerialNumber().toString(16)); // 32 hex digits, no leading zero
        assertThat(id.notBefore()).isEqualTo(NOW.minus(Duration.ofDays(1))).isEqualTo(cert.getNotBefore().toInstant());
        assertThat(id.notAfter()).isEqualTo(NOW.plus(Duration.ofDays(90))).isEqualTo(cert.getNotAfter().toInstant());
        assertThat(id.sanDns()).containsExactly("billing.partner.example.com");
        assertThat(id.sanUri()).containsExactly("spiffe://example.org/partner/billing");
        assertThat(id.sanEmail()).containsExactly("billing-ops@partner.example.com");
        assertThat(id.sanIp()).containsExactly("10.0.0.7");
        assertThat(id.spiffeId()).isEqualTo("spiffe://example.org/partner/billing");
        assertThat(id.chainSha256()).containsExactly(hex("SHA-256", partner.der()),
                hex("SHA-256", PKI.intermediateCa().der()));
    }

    @Test
    void iotDeviceIdentity() throws Exception {
        CertificateIdentity id = identities.identify(PKI.iotDeviceClient().chainDer());
        assertThat(id.cn()).isEqualTo("device-" + TestPki.DEVICE_SERIAL);
        assertThat(id.ou()).containsExactly("devices");
        assertThat(id.o()).isEqualTo("Example IoT");
        assertThat(id.sanUri()).containsExactly("urn:device:a1b2c3d4e5f6");
        assertThat(id.spiffeId()).isNull();
        assertThat(id.sanDns()).isEmpty();
        assertThat(id.sanEmail()).isEmpty();
        assertThat(id.issuerDn()).isEqualTo("CN=Certgate Test Root CA,O=Certgate Test,C=DE");
        assertThat(id.chainSha256()).hasSize(1);
    }

    @Test
    void headerInjectionCnIsKeptVerbatim() throws Exception {
        // The identity keeps the facts; stripping CR/LF is the job of whoever writes headers.
        CertificateIdentity id = identities.identify(PKI.headerInjectionClient().chainDer());
        assertThat(id.cn()).isEqualTo(TestPki.INJECTION_CN);
        assertThat(id.subjectDn()).startsWith("CN=mallory").contains("\u00dcn\u00efc\u00f8d\u00e9 \u2713 \u6f22\u5b57")
                .endsWith(",OU=injection,O=Certgate Test,C=DE");
        assertThat(id.toInput(true, 0, null, NOW).get("cn").asText()).isEqualTo(TestPki.INJECTION_CN);
    }

    @Test
    void fingerprintsSerialsAndDnsMatchOpenssl() throws Exception {
        assumeTrue(Files.isExecutable(OPENSSL), "no " + OPENSSL);
        List<TestCert> certs = new ArrayList<>(PKI.all());
        certs.remove(PKI.headerInjectionClient()); // openssl escapes its control and UTF-8 bytes
        certs.add(PKI.certificate("leading-zero-serial").cn("leading zero").serial(BigInteger.valueOf(0x0abc))
                .issuedBy(PKI.intermediateCa()).build());
        certs.add(PKI.certificate("high-bit-serial").cn("high bit").serial(new BigInteger("80ff", 16))
                .issuedBy(PKI.intermediateCa()).build());
        for (TestCert c : certs) {
            Path pem = tmp.resolve(c.name() + ".pem");
            Files.writeString(pem, c.pem(), StandardCharsets.US_ASCII);
            CertificateIdentity id = identities.identify(c.chainDer());
            assertThat(id.sha1()).as(c.name()).isEqualTo(fingerprint(openssl("x509", "-in", pem.toString(),
                    "-noout", "-fingerprint", "-sha1")));
            assertThat(id.sha256()).as(c.name()).isEqualTo(fingerprint(openssl("x509", "-in", pem.toString(),
                    "-noout", "-fingerprint", "-sha256")));
            assertThat(id.serial()).as(c.name()).isEqualTo(value(openssl("x509", "-in", pem.toString(), "-noout",
                    "-serial")).toLowerCase(Locale.ROOT));
            assertThat(id.subjectDn()).as(c.name()).isEqualTo(value(openssl("x509", "-in", pem.toString(), "-noout",
                    "-subject", "-nameopt", "RFC2253")));
            assertThat(id.issuerDn()).as(c.name()).isEqualTo(value(openssl("x509", "-in", pem.toString(), "-noout",
                    "-issuer", "-nameopt", "RFC2253")));
        }
    }

    @Test
    void serialIsLowercaseHexWithOpensslsEvenDigitCount() throws Exception {
        TestCert c = PKI.certificate("small-serial").cn("small").serial(BigInteger.valueOf(0x0abc))
                .issuedBy(PKI.intermediateCa()).build();
        assertThat(identities.identify(c.chainDer()).serial()).isEqualTo("0abc");
        TestCert one = PKI.certificate("serial-one").cn("one").serial(BigInteger.ONE).build();
        assertThat(identities.identify(one.chainDer()).serial()).isEqualTo("01");
    }

    @Test
    void toInputUsesExactlyTheSpecFieldNames() throws Exception {
        CertificateIdentity id = identities.identify(PKI.partnerClient().chainDer());
        ObjectNode in = id.toInput(false, 10, "certificate has expired", NOW);

        assertThat(fieldNames(in)).containsExactly("present", "verified", "verify_code", "verify_error", "sha1",
                "sha256", "subject_dn", "issuer_dn", "cn", "ou", "o", "serial", "not_before", "not_after",
                "expires_in_days", "san", "spiffe_id", "chain_sha256");
        assertThat(fieldNames(in.get("san"))).containsExactly("dns", "uri", "email", "ip");
        assertThat(in.get("present").asBoolean()).isTrue();
        assertThat(in.get("verified").isBoolean()).isTrue();
        assertThat(in.get("verified").asBoolean()).isFalse();
        assertThat(in.get("verify_code").isInt()).isTrue();
        assertThat(in.get("verify_code").asInt()).isEqualTo(10);
        assertThat(in.get("verify_error").asText()).isEqualTo("certificate has expired");
        assertThat(in.get("sha1").asText()).isEqualTo(id.sha1());
        assertThat(in.get("serial").asText()).isEqualTo(id.serial());
        assertThat(in.get("not_before").asText()).isEqualTo("2025-05-31T12:00:00Z");
        assertThat(in.get("not_after").asText()).isEqualTo("2025-08-30T12:00:00Z");
        assertThat(Instant.parse(in.get("not_after").asText())).isEqualTo(id.notAfter());
        assertThat(in.get("expires_in_days").asLong()).isEqualTo(90);
        assertThat(in.get("ou").isArray()).isTrue();
        assertThat(in.get("ou")).extracting(JsonNode::asText).containsExactly("billing", "partners");
        assertThat(in.at("/san/uri/0").asText()).isEqualTo(TestPki.PARTNER_SPIFFE_ID);
        assertThat(in.at("/san/ip/0").asText()).isEqualTo("10.0.0.7");
        assertThat(in.get("spiffe_id").asText()).isEqualTo(TestPki.PARTNER_SPIFFE_ID);
        assertThat(in.get("chain_sha256")).hasSize(2);

        ObjectNode verified = id.toInput(true, 0, null, NOW);
        assertThat(verified.has("verify_error")).isFalse();
        assertThat(verified.get("verify_code").asInt()).isZero();
        assertThat(id.toInput(true, 0, "", NOW).has("verify_error")).isFalse();
    }

    @Test
    void unknownFieldsAreAbsentNotNull() throws Exception {
        TestCert bare = PKI.certificate("bare").o("Only Org").issuedBy(PKI.intermediateCa()).build();
        ObjectNode in = identities.identify(bare.chainDer()).toInput(true, 0, null, NOW);
        assertThat(in.has("cn")).isFalse();
        assertThat(in.has("spiffe_id")).isFalse();
        assertThat(in.get("o").asText()).isEqualTo("Only Org");
        assertThat(in.get("ou")).isEmpty();
        assertThat(in.at("/san/dns")).isEmpty();
    }

    @Test
    void expiresInDaysIsNegativeOnceExpired() throws Exception {
        CertificateIdentity id = identities.identify(PKI.expiredClient().chainDer());
        assertThat(id.expiresInDays(NOW)).isEqualTo(-1);
        assertThat(id.toInput(false, 10, "certificate has expired", NOW).get("expires_in_days").asLong())
                .isNegative().isEqualTo(-1);
        assertThat(id.expiresInDays(NOW.minus(Duration.ofHours(36)))).isZero(); // 12 h left: whole days
        assertThat(id.expiresInDays(NOW.minus(Duration.ofDays(1)).plusSeconds(1))).isEqualTo(-1);
        CertificateIdentity notYet = identities.identify(PKI.notYetValidClient().chainDer());
        assertThat(notYet.expiresInDays(NOW)).isEqualTo(366);
    }

    @Test
    void rejectsGarbage() {
        assertThatThrownBy(() -> identities.identify(List.of("not a certificate".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#0");
        assertThatThrownBy(() -> identities.identify(List.of(new byte[0])))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#0");
    }

    @Test
    void rejectsTruncatedDer() {
        byte[] der = PKI.partnerClient().der();
        byte[] truncated = Arrays.copyOf(der, der.length / 2);
        assertThatThrownBy(() -> identities.identify(List.of(truncated)))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#0");
        byte[] lastByteMissing = Arrays.copyOf(der, der.length - 1);
        assertThatThrownBy(() -> identities.identify(List.of(lastByteMissing)))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#0");
    }

    @Test
    void rejectsTrailingBytesAfterTheCertificate() {
        // Otherwise sha1/sha256 would be computed over bytes that are not the certificate.
        byte[] der = PKI.partnerClient().der();
        byte[] padded = Arrays.copyOf(der, der.length + 3);
        assertThatThrownBy(() -> identities.identify(List.of(padded)))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#0");
        byte[] pem = PKI.partnerClient().pem().getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> identities.identify(List.of(pem)))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#0");
    }

    @Test
    void rejectsAnElementTheJdkSkipsButOpenSslAndTheVerifierRefuse() throws Exception {
        // one more element after the extensions: the JDK decodes it, ChainVerifier could not
        ASN1Sequence cert = ASN1Sequence.getInstance(PKI.intermediateCa().der());
        ASN1EncodableVector tbs = new ASN1EncodableVector();
        ((ASN1Sequence) cert.getObjectAt(0)).forEach(tbs::add);
        tbs.add(new DERUTCTime("260115120000Z"));
        byte[] malformed = new DERSequence(new ASN1Encodable[] {new DERSequence(tbs), cert.getObjectAt(1),
                cert.getObjectAt(2)}).getEncoded();
        assertThat(TestPki.parseCertificate(malformed)).isNotNull();
        assertThatThrownBy(() -> identities.identify(List.of(PKI.partnerClient().der(), malformed)))
                .isInstanceOf(CertificateParseException.class)
                .hasMessageStartingWith("certificate #1 of the chain is not a valid DER X.509 certificate");
    }

    @Test
    void rejectsASubjectValueThatIsNotUtf8() throws Exception {
        ASN1Encodable notUtf8 = ASN1Primitive.fromByteArray(new byte[] {0x0c, 0x03, 'x', (byte) 0xff, 'y'});
        TestCert c = PKI.certificate("not-utf8").subject(new X500Name(new RDN[] {new RDN(BCStyle.CN, notUtf8)}))
                .clientAuth().issuedBy(PKI.intermediateCa()).build();
        assertThatThrownBy(() -> identities.identify(c.chainDer()))
                .isInstanceOf(CertificateParseException.class)
                .hasMessage("certificate #0 of the chain has a subject CN, O or OU value that does not decode: "
                        + "Invalid UTF-8 input");
    }

    @Test
    void rejectsAnEmptyChain() {
        assertThatThrownBy(() -> identities.identify(List.of()))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("empty");
    }

    @Test
    void rejectsGarbageAnywhereInTheChainNamingItsPosition() {
        byte[] leaf = PKI.partnerClient().der();
        assertThatThrownBy(() -> identities.identify(List.of(leaf, new byte[] {0x30, 0x03, 0x02, 0x01})))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#1")
                .hasMessageNotContaining("#0");
        assertThatThrownBy(() -> identities.identify(List.of(leaf, PKI.intermediateCa().der(), new byte[] {1, 2})))
                .isInstanceOf(CertificateParseException.class).hasMessageContaining("#2");
    }

    @Test
    void aRejectedChainIsNotCached() throws Exception {
        byte[] leaf = PKI.partnerClient().der();
        List<byte[]> bad = List.of(leaf, new byte[] {1});
        assertThatThrownBy(() -> identities.identify(bad)).isInstanceOf(CertificateParseException.class);
        assertThatThrownBy(() -> identities.identify(bad)).isInstanceOf(CertificateParseException.class);
    }

    @Test
    void theSameChainTwiceReturnsTheCachedInstance() throws Exception {
        CertificateIdentity first = identities.identify(PKI.partnerClient().chainDer());
        List<byte[]> copy = PKI.partnerClient().chainDer().stream().map(b -> b.clone()).toList();
        assertThat(identities.identify(copy)).isSameAs(first);
        CertificateIdentity leafOnly = identities.identify(List.of(PKI.partnerClient().der()));
        assertThat(leafOnly).isNotSameAs(first);
        assertThat(leafOnly.chainSha256()).hasSize(1);
        assertThat(leafOnly.sha256()).isEqualTo(first.sha256());
    }

    @Test
    void anExpiredCertificateIsNeverCached() throws Exception {
        List<byte[]> chain = PKI.expiredClient().chainDer();
        CertificateIdentity first = identities.identify(chain);
        assertThat(identities.identify(chain)).isNotSameAs(first).isEqualTo(first);
    }

    @Test
    void aCachedIdentityDoesNotOutliveNotAfter() throws Exception {
        TestCert shortLived = PKI.certificate("short-lived").cn("short-lived").clientAuth()
                .issuedBy(PKI.intermediateCa()).validity(NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofMinutes(10)))
                .build();
        CertificateIdentity first = identities.identify(shortLived.chainDer());
        clock.advance(Duration.ofMinutes(9));
        assertThat(identities.identify(shortLived.chainDer())).isSameAs(first);
        clock.advance(Duration.ofMinutes(2)); // now past notAfter
        CertificateIdentity afterExpiry = identities.identify(shortLived.chainDer());
        assertThat(afterExpiry).isNotSameAs(first);
        assertThat(afterExpiry.expiresInDays(clock.instant())).isNegative();
        assertThat(identities.identify(shortLived.chainDer())).isNotSameAs(afterExpiry);

        // a long-lived certificate stays cached while the clock moves
        CertificateIdentity partner = identities.identify(PKI.partnerClient().chainDer());
        clock.advance(Duration.ofMinutes(5));
        assertThat(identities.identify(PKI.partnerClient().chainDer())).isSameAs(partner);
    }

    @Test
    void parseNamesThePosition() {
        assertThatThrownBy(() -> CertificateIdentities.parse(new byte[] {0x30}, 3))
                .isInstanceOf(CertificateParseException.class).hasMessageStartingWith("certificate #3 ");
    }

    @Test
    void rsaCertificatesWork() throws Exception {
        TestPki rsa = TestPki.builder().now(NOW).rsa().build();
        CertificateIdentity id = identities.identify(rsa.partnerClient().chainDer());
        assertThat(id.sha256()).isEqualTo(hex("SHA-256", rsa.partnerClient().der()));
        assertThat(id.cn()).isEqualTo("billing-service");
    }

    // ------------------------------------------------------------------ helpers

    private static String hex(String algorithm, byte[] der) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(der));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    /** {@code sha1 Fingerprint=3A:49:...} → {@code 3a49...}. */
    private static String fingerprint(String opensslLine) {
        return value(opensslLine).replace(":", "").toLowerCase(Locale.ROOT);
    }

    /** The text after the first {@code =} of openssl's {@code name=value} line. */
    private static String value(String opensslLine) {
        return opensslLine.substring(opensslLine.indexOf('=') + 1).strip();
    }

    private static String openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(OPENSSL.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
        return out.strip();
    }

}
