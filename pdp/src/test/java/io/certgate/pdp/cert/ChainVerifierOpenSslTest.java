package io.certgate.pdp.cert;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.misc.NetscapeCertType;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential test: for every case, the real {@code openssl verify} (OpenSSL 3) and {@link ChainVerifier} get the
 * same trust anchors, presented chain, CRLs, verify depth and time, and must report the same first error code and
 * depth. Each case also states the code it is meant to produce, so that a change of the corpus that silently
 * turns every case into the same error cannot pass.
 */
class ChainVerifierOpenSslTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final Path OPENSSL = Path.of(System.getProperty("certgate.openssl", "/usr/bin/openssl"));
    private static final Pattern ERROR =
            Pattern.compile("(?m)^(?:\\[CRL path\\] )?error (\\d+) at (\\d+) depth lookup");
    private static final TestPki PKI = TestPki.create(NOW);
    private static final TestPki RSA = TestPki.builder().now(NOW).rsa().build();
    private static final Duration DAY = Duration.ofDays(1);

    @TempDir
    static Path dir;

    @BeforeAll
    static void requireOpenSsl() {
        assertThat(OPENSSL).as("openssl is required (apt-get install openssl; .ci/run installs it)").isExecutable();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void verifierReportsWhatOpenSslReports(String name, Case c) throws Exception {
        OpenSslResult openssl = openssl(name, c);
        VerifyResult ours = c.verifier().verify(c.presented, c.at);

        assertThat(openssl.code()).as("openssl for %s (the corpus' intent)\n%s", name, openssl.output())
                .isEqualTo(c.expected);
        assertThat(ours.code()).as("ChainVerifier code for %s, %s\n%s", name, ours, openssl.output())
                .isEqualTo(openssl.code());
        assertThat(ours.depth()).as("ChainVerifier depth for %s, %s\n%s", name, ours, openssl.output())
                .isEqualTo(openssl.depth());
        assertThat(ours.message()).isEqualTo(X509VerifyCodes.message(ours.code()));
        if (openssl.code() != 0) {
            assertThat(openssl.output()).contains(ours.message());
        }
    }

    @Test
    void everyClientOfTheFixedCorpusIsCovered() {
        List<String> names = cases().map(a -> (String) a.get()[0]).toList();
        for (TestCert client : PKI.clients()) {
            assertThat(names).contains(client.name());
        }
    }

    // ------------------------------------------------------------------ the corpus

    static Stream<org.junit.jupiter.params.provider.Arguments> cases() {
        List<Case> all = new ArrayList<>();
        fixedCorpus(all, PKI, "");
        fixedCorpus(all, RSA, "rsa/");
        pathBuilding(all);
        trustBundles(all);
        extensions(all);
        validity(all);
        revocation(all);
        nameConstraints(all);
        return all.stream().map(c -> org.junit.jupiter.params.provider.Arguments.of(c.name, c));
    }

    /** Every client of the testdata corpus, as OpenSslVerifyPkiTest verifies it (ca.pem, its own chain). */
    private static void fixedCorpus(List<Case> out, TestPki pki, String prefix) {
        for (TestCert client : pki.clients()) {
            Case c = new Case(prefix + client.name()).chain(client).expect(client.expectedVerifyCode().orElseThrow());
            if (client == pki.revokedClient()) {
                c.crls(pki.crl());
            }
            out.add(c.anchors(pki.rootCa()));
        }
        out.add(new Case(prefix + "server-as-client").chain(pki.server()).anchors(pki.rootCa()).expect(26));
    }

    private static void pathBuilding(List<Case> out) {
        TestCert partner = PKI.partnerClient();
        out.add(new Case("missing-intermediate").presented(partner).expect(20));
        out.add(new Case("only-intermediate-trusted").presented(partner).anchors(PKI.intermediateCa()).expect(2));
        out.add(new Case("intermediate-and-root-trusted-leaf-alone").presented(partner)
                .anchors(PKI.rootCa(), PKI.intermediateCa()).expect(0));
        out.add(new Case("untrusted-root-sent").presented(PKI.otherCaClient(), PKI.otherCa()).expect(19));
        out.add(new Case("trusted-root-sent-too").presented(partner, PKI.intermediateCa(), PKI.rootCa()).expect(0));
        out.add(new Case("root-sent-first").presented(partner, PKI.rootCa(), PKI.intermediateCa()).expect(0));
        out.add(new Case("unrelated-certs-sent").presented(partner, PKI.otherCa(), PKI.server(), PKI.expiredClient(),
                PKI.intermediateCa(), PKI.intermediateCa()).expect(0));

        // several intermediates in random order: root -> mid-1 -> mid-2 -> mid-3 -> leaf
        List<TestCert> mids = deepChain("mid", 3, PKI.rootCa());
        TestCert leaf = client("mid-leaf", mids.get(mids.size() - 1));
        Random random = new Random(42);
        for (int round = 0; round < 4; round++) {
            List<TestCert> shuffled = new ArrayList<>(mids);
            shuffled.add(PKI.otherCa());
            shuffled.add(PKI.intermediateCa());
            Collections.shuffle(shuffled, random);
            List<TestCert> sent = new ArrayList<>(List.of(leaf));
            sent.addAll(shuffled);
            out.add(new Case("intermediates-shuffled-" + round).presented(sent.toArray(TestCert[]::new)).expect(0));
        }
        out.add(new Case("intermediate-gap").presented(leaf, mids.get(2), mids.get(0)).expect(20));

        // verify depth: 10 intermediates fit -verify_depth 10, 11 do not
        List<TestCert> deep = deepChain("deep", 11, PKI.rootCa());
        TestCert deepLeaf10 = client("deep-leaf-10", deep.get(9));
        TestCert deepLeaf11 = client("deep-leaf-11", deep.get(10));
        out.add(new Case("depth-10-intermediates").presented(chainOf(deepLeaf10, deep.subList(0, 10))).expect(0));
        out.add(new Case("depth-11-intermediates").presented(chainOf(deepLeaf11, deep)).expect(22));
        out.add(new Case("depth-11-intermediates-depth-100").presented(chainOf(deepLeaf11, deep)).depth(100).expect(0));
        out.add(new Case("depth-1-limit").presented(chainOf(client("mid-leaf-2", mids.get(1)), mids.subList(0, 2)))
                .depth(1).expect(22));
        out.add(new Case("depth-0-intermediate").chain(PKI.partnerClient()).depth(0).expect(22));
        out.add(new Case("depth-0-root-issued").chain(PKI.iotDeviceClient()).depth(0).expect(0));

        // a cycle of cross-certified CAs: A issued by B, B issued by A (without AKIDs, which BouncyCastle would
        // fill with the issuer's issuer and serial, so that names alone link them)
        KeyPair keyA = TestPki.generateKeyPair(TestPki.KeyType.EC_P256);
        TestCert aSelf = PKI.certificate("cycle-a").o(TestPki.ORG).cn("Cycle A").ca(-1).keyPair(keyA).build();
        TestCert b = PKI.certificate("cycle-b").o(TestPki.ORG).cn("Cycle B").ca(-1).noAuthorityKeyIdentifier()
                .issuedBy(aSelf).build();
        TestCert a = PKI.certificate("cycle-a2").o(TestPki.ORG).cn("Cycle A").ca(-1).keyPair(keyA)
                .noAuthorityKeyIdentifier().issuedBy(b).build();
        TestCert cycleLeaf = client("cycle-leaf", a);
        out.add(new Case("cycle-sent").presented(cycleLeaf, a, b).expect(20));
        out.add(new Case("cycle-trusted").presented(cycleLeaf).anchors(a, b).expect(22));
        out.add(new Case("cycle-sent-and-trusted").presented(cycleLeaf, a, b).anchors(b).expect(2));

        // a self-signed look-alike of the trusted root (same name, other key) is not the root
        TestCert fakeRoot = PKI.certificate("fake-root").c("DE").o(TestPki.ORG).cn("Certgate Test Root CA").ca(-1)
                .validity(NOW.minus(DAY), NOW.plus(Duration.ofDays(3650))).build();
        TestCert fakeIntermediate = PKI.certificate("fake-intermediate").c("DE").o(TestPki.ORG).cn("Fake Issuing CA")
                .ca(0).issuedBy(fakeRoot).build();
        out.add(new Case("root-look-alike").presented(client("fake-leaf", fakeIntermediate), fakeIntermediate,
                fakeRoot).expect(19));
        out.add(new Case("root-look-alike-alone").presented(fakeRoot).expect(18));
    }

    private static void trustBundles(List<Case> out) {
        TestCert[] bundle = {PKI.rootCa(), PKI.otherCa()};
        out.add(new Case("bundle-other-ca-client").chain(PKI.otherCaClient()).anchors(bundle).expect(0));
        out.add(new Case("bundle-partner").chain(PKI.partnerClient()).anchors(bundle).expect(0));
        out.add(new Case("bundle-reversed-partner").chain(PKI.partnerClient()).anchors(PKI.otherCa(), PKI.rootCa())
                .expect(0));
        out.add(new Case("bundle-expired").chain(PKI.expiredClient()).anchors(bundle).expect(10));
        out.add(new Case("bundle-self-signed").chain(PKI.selfSignedClient()).anchors(bundle).expect(18));

        // root key rotation: a new root with the same name and a new key, both in the bundle
        TestCert nextRoot = PKI.certificate("ca-next").c("DE").o(TestPki.ORG).cn("Certgate Test Root CA").ca(-1)
                .validity(NOW.minus(DAY), NOW.plus(Duration.ofDays(7300))).build();
        TestCert nextIntermediate = PKI.certificate("intermediate-next").c("DE").o(TestPki.ORG)
                .cn("Certgate Test Issuing CA").ca(0).issuedBy(nextRoot).build();
        TestCert nextClient = client("next-client", nextIntermediate);
        for (boolean newFirst : new boolean[] {false, true}) {
            TestCert[] rotation = newFirst ? new TestCert[] {nextRoot, PKI.rootCa()}
                    : new TestCert[] {PKI.rootCa(), nextRoot};
            String order = newFirst ? "new-first" : "old-first";
            out.add(new Case("rotation-" + order + "-old-client").chain(PKI.partnerClient()).anchors(rotation)
                    .expect(0));
            out.add(new Case("rotation-" + order + "-new-client").chain(nextClient).anchors(rotation).expect(0));
            // the intermediates share a name: the AKID picks the right one among those sent
            out.add(new Case("rotation-" + order + "-both-intermediates-sent")
                    .presented(nextClient, PKI.intermediateCa(), nextIntermediate).anchors(rotation).expect(0));
        }
        out.add(new Case("rotation-new-client-old-bundle").chain(nextClient).expect(20));
        out.add(new Case("rotation-old-client-new-bundle").chain(PKI.partnerClient()).anchors(nextRoot).expect(20));

        // a leaf that is itself a trust anchor
        out.add(new Case("self-signed-leaf-trusted").chain(PKI.selfSignedClient())
                .anchors(PKI.rootCa(), PKI.selfSignedClient()).expect(0));
        TestCert selfSignedServer = PKI.certificate("self-signed-server").cn("self-signed-server").serverAuth().build();
        out.add(new Case("self-signed-leaf-trusted-wrong-purpose").chain(selfSignedServer).anchors(selfSignedServer)
                .expect(26));
        out.add(new Case("issued-leaf-trusted-without-its-issuer").presented(PKI.partnerClient())
                .anchors(PKI.rootCa(), PKI.partnerClient()).expect(20));
        out.add(new Case("issued-leaf-trusted-with-chain").chain(PKI.partnerClient())
                .anchors(PKI.rootCa(), PKI.partnerClient()).expect(0));
    }

    private static void extensions(List<Case> out) {
        TestCert noCertSign = PKI.certificate("no-keycertsign-ca").c("DE").o(TestPki.ORG).cn("No keyCertSign CA")
                .ca(-1).keyUsage(KeyUsage.digitalSignature | KeyUsage.cRLSign).issuedBy(PKI.rootCa()).build();
        out.add(new Case("intermediate-without-keycertsign").chain(client("under-no-keycertsign", noCertSign))
                .expect(79));
        TestCert serverOnlyCa = PKI.certificate("server-only-ca").c("DE").o(TestPki.ORG).cn("Server Only CA").ca(-1)
                .serverAuth().issuedBy(PKI.rootCa()).build();
        out.add(new Case("intermediate-eku-server-only").chain(client("under-server-only-ca", serverOnlyCa))
                .expect(26));
        TestCert clientCa = PKI.certificate("client-ca").c("DE").o(TestPki.ORG).cn("Client CA").ca(-1).clientAuth()
                .issuedBy(PKI.rootCa()).build();
        out.add(new Case("intermediate-eku-client").chain(client("under-client-ca", clientCa)).expect(0));
        TestCert serverOnlyRoot = PKI.certificate("server-only-root").c("DE").o(TestPki.ORG).cn("Server Only Root")
                .ca(-1).serverAuth().build();
        out.add(new Case("root-eku-server-only").chain(client("under-server-only-root", serverOnlyRoot))
                .anchors(serverOnlyRoot).expect(26));
        TestCert noBcRoot = PKI.certificate("no-bc-root").c("DE").o(TestPki.ORG).cn("No BC Root").noBasicConstraints()
                .keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign).build();
        out.add(new Case("root-without-basic-constraints").chain(client("under-no-bc-root", noBcRoot))
                .anchors(noBcRoot).expect(0));
        TestCert noBcIntermediate = PKI.certificate("no-bc-intermediate").c("DE").o(TestPki.ORG).cn("No BC CA")
                .noBasicConstraints().keyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign).issuedBy(PKI.rootCa()).build();
        out.add(new Case("intermediate-without-basic-constraints")
                .chain(client("under-no-bc-intermediate", noBcIntermediate)).expect(79));

        // path length: pathLen 1 allows one CA below, not two; self-issued CAs do not count
        TestCert len1 = PKI.certificate("pathlen-1").c("DE").o(TestPki.ORG).cn("PathLen 1 CA").ca(1)
                .issuedBy(PKI.rootCa()).build();
        TestCert below1 = PKI.certificate("below-1").c("DE").o(TestPki.ORG).cn("Below 1").ca(-1).issuedBy(len1).build();
        TestCert below2 = PKI.certificate("below-2").c("DE").o(TestPki.ORG).cn("Below 2").ca(-1).issuedBy(below1)
                .build();
        out.add(new Case("pathlen-1-one-below").chain(client("pathlen-ok", below1)).expect(0));
        out.add(new Case("pathlen-1-two-below").chain(client("pathlen-too-deep", below2)).expect(25));
        TestCert selfIssued = PKI.certificate("below-1-renewed").c("DE").o(TestPki.ORG).cn("Below 1").ca(-1)
                .issuedBy(below1).build();
        out.add(new Case("pathlen-self-issued-not-counted").chain(client("under-self-issued", selfIssued)).expect(0));

        // an authorityKeyIdentifier naming an issuer whose RDN holds no attribute (SET { UTF8String "x" }): the
        // extension does not decode, so the certificate is invalid (EXFLAG_INVALID) and has no issuer
        ASN1Encodable undecodableAkid = der(0x30, 0x0b, 0xa1, 0x09, 0xa4, 0x07, 0x30, 0x05, 0x31, 0x03, 0x0c, 0x01, 0x78);
        out.add(new Case("leaf-akid-issuer-name-undecodable").chain(PKI.certificate("akid-undecodable")
                .cn("akid-undecodable").clientAuth().noAuthorityKeyIdentifier()
                .extension(Extension.authorityKeyIdentifier, false, undecodableAkid).issuedBy(PKI.intermediateCa())
                .build()).expect(20));

        // purpose of the leaf
        out.add(new Case("leaf-any-eku-only").chain(PKI.certificate("any-eku").cn("any-eku")
                .extendedKeyUsage(KeyPurposeId.anyExtendedKeyUsage).issuedBy(PKI.intermediateCa()).build()).expect(26));
        out.add(new Case("leaf-client-and-server-eku").chain(PKI.certificate("both-eku").cn("both-eku").clientAuth()
                .serverAuth().issuedBy(PKI.intermediateCa()).build()).expect(0));
        out.add(new Case("leaf-no-eku-no-ku").chain(PKI.certificate("bare").cn("bare").keyUsage(-1)
                .issuedBy(PKI.intermediateCa()).build()).expect(0));
        out.add(new Case("leaf-key-agreement-only").chain(PKI.certificate("key-agreement").cn("key-agreement")
                .clientAuth().keyUsage(KeyUsage.keyAgreement).issuedBy(PKI.intermediateCa()).build()).expect(0));
        out.add(new Case("leaf-without-akid").chain(PKI.certificate("no-akid").cn("no-akid").clientAuth()
                .noAuthorityKeyIdentifier().issuedBy(PKI.intermediateCa()).build()).expect(0));
        out.add(new Case("leaf-is-a-ca").chain(PKI.certificate("leaf-ca").cn("leaf-ca").ca(-1).clientAuth()
                .issuedBy(PKI.intermediateCa()).build()).expect(0));

        // -purpose sslserver (cert doctor --purpose server)
        out.add(new Case("server-purpose-server-cert").chain(PKI.server()).server().expect(0));
        out.add(new Case("server-purpose-client-cert").chain(PKI.partnerClient()).server().expect(26));
        out.add(new Case("server-purpose-both-eku").chain(PKI.certificate("both-eku-server").cn("both-eku-server")
                .clientAuth().serverAuth().issuedBy(PKI.intermediateCa()).build()).server().expect(0));
        out.add(new Case("server-purpose-key-encipherment-only").chain(PKI.certificate("key-encipherment")
                .cn("key-encipherment").serverAuth().keyUsage(KeyUsage.keyEncipherment).issuedBy(PKI.intermediateCa())
                .build()).server().expect(0));
        out.add(new Case("server-purpose-non-repudiation-only").chain(PKI.certificate("non-repudiation-server")
                .cn("non-repudiation-server").serverAuth().keyUsage(KeyUsage.nonRepudiation)
                .issuedBy(PKI.intermediateCa()).build()).server().expect(26));
        out.add(new Case("server-purpose-no-eku").chain(PKI.certificate("bare-server").cn("bare-server")
                .issuedBy(PKI.intermediateCa()).build()).server().expect(0));
        out.add(new Case("client-purpose-key-encipherment-only").chain(PKI.certificate("key-encipherment-client")
                .cn("key-encipherment-client").clientAuth().keyUsage(KeyUsage.keyEncipherment)
                .issuedBy(PKI.intermediateCa()).build()).expect(26));

        // critical extensions OpenSSL does not handle, on the leaf and on a CA
        ASN1ObjectIdentifier unknown = new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1.1");
        out.add(new Case("leaf-unknown-critical-extension").chain(PKI.certificate("unknown-critical")
                .cn("unknown-critical").clientAuth().extension(unknown, true, new DERUTF8String("x"))
                .issuedBy(PKI.intermediateCa()).build()).expect(34));
        out.add(new Case("leaf-unknown-noncritical-extension").chain(PKI.certificate("unknown-noncritical")
                .cn("unknown-noncritical").clientAuth().extension(unknown, false, new DERUTF8String("x"))
                .issuedBy(PKI.intermediateCa()).build()).expect(0));
        ASN1ObjectIdentifier nsCertType = new ASN1ObjectIdentifier("2.16.840.1.113730.1.1");
        out.add(new Case("leaf-critical-akid").chain(PKI.certificate("critical-akid").cn("critical-akid").clientAuth()
                .noAuthorityKeyIdentifier().extension(Extension.authorityKeyIdentifier, true,
                        new AuthorityKeyIdentifier(subjectKeyId(PKI.intermediateCa())))
                .issuedBy(PKI.intermediateCa()).build()).expect(34));
        out.add(new Case("leaf-netscape-server-only").chain(PKI.certificate("ns-server").cn("ns-server").clientAuth()
                .extension(nsCertType, false, new NetscapeCertType(NetscapeCertType.sslServer))
                .issuedBy(PKI.intermediateCa()).build()).expect(26));
        out.add(new Case("leaf-netscape-client").chain(PKI.certificate("ns-client").cn("ns-client").clientAuth()
                .extension(nsCertType, false, new NetscapeCertType(NetscapeCertType.sslClient))
                .issuedBy(PKI.intermediateCa()).build()).expect(0));
        out.add(new Case("leaf-proxy-certificate").chain(PKI.certificate("proxy").cn("proxy").clientAuth()
                .extension(new ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.14"), true,
                        new DERSequence(new DERSequence(new ASN1ObjectIdentifier("1.3.6.1.5.5.7.21.1"))))
                .issuedBy(PKI.intermediateCa()).build()).expect(40));
        TestCert criticalCa = PKI.certificate("critical-ca").c("DE").o(TestPki.ORG).cn("Critical CA").ca(-1)
                .extension(unknown, true, DERNull.INSTANCE).issuedBy(PKI.rootCa()).build();
        out.add(new Case("intermediate-unknown-critical-extension").chain(client("under-critical-ca", criticalCa))
                .expect(34));

        // signatures
        TestCert badSigCa = PKI.certificate("bad-sig-ca").c("DE").o(TestPki.ORG).cn("Bad Sig CA").ca(-1)
                .issuedBy(PKI.rootCa()).build();
        out.add(new Case("intermediate-bad-signature")
                .presented(client("under-bad-sig-ca", badSigCa).certificate(), badSignature(badSigCa)).expect(7));
        TestCert badSigRoot = PKI.certificate("bad-sig-root").c("DE").o(TestPki.ORG).cn("Bad Sig Root").ca(-1).build();
        out.add(new Case("root-bad-self-signature-not-checked")
                .presented(client("under-bad-sig-root", badSigRoot).certificate()).anchors(badSignature(badSigRoot))
                .expect(0));
        TestCert rsaLeafUnderEc = PKI.certificate("rsa-under-ec").cn("rsa-under-ec").clientAuth()
                .keyType(TestPki.KeyType.RSA_2048).issuedBy(PKI.intermediateCa()).build();
        out.add(new Case("rsa-leaf-under-ec-ca").chain(rsaLeafUnderEc).expect(0));
        TestCert ecLeafUnderRsa = RSA.certificate("ec-under-rsa").cn("ec-under-rsa").clientAuth()
                .keyType(TestPki.KeyType.EC_P256).issuedBy(RSA.intermediateCa()).build();
        out.add(new Case("ec-leaf-under-rsa-ca").chain(ecLeafUnderRsa).anchors(RSA.rootCa()).expect(0));
    }

    private static void validity(List<Case> out) {
        TestCert partner = PKI.partnerClient();
        Instant partnerNotAfter = partner.certificate().getNotAfter().toInstant();
        Instant notBefore = partner.certificate().getNotBefore().toInstant(); // also the CAs' notBefore
        out.add(new Case("at-partner-not-after").chain(partner).at(partnerNotAfter).expect(10));
        out.add(new Case("at-partner-not-after-minus-1s").chain(partner).at(partnerNotAfter.minusSeconds(1))
                .expect(0));
        out.add(new Case("at-not-before").chain(partner).at(notBefore).expect(0));
        out.add(new Case("at-not-before-minus-1s").chain(partner).at(notBefore.minusSeconds(1)).expect(9));
        out.add(new Case("at-sub-second").chain(partner).at(partnerNotAfter.minusMillis(1)).expect(0));
        out.add(new Case("far-future").chain(partner).at(NOW.plus(Duration.ofDays(4000))).expect(10));

        TestCert expiredLeafUnderExpired = client("expired-under-expired", PKI.expiredIntermediateCa(),
                NOW.minus(Duration.ofDays(30)), NOW.minus(DAY));
        out.add(new Case("expired-leaf-and-intermediate").chain(expiredLeafUnderExpired).expect(10));
        TestCert futureCa = PKI.certificate("future-ca").c("DE").o(TestPki.ORG).cn("Future CA").ca(-1)
                .validity(NOW.plus(DAY), NOW.plus(Duration.ofDays(365))).issuedBy(PKI.rootCa()).build();
        out.add(new Case("intermediate-not-yet-valid").chain(client("under-future-ca", futureCa)).expect(9));
        TestCert expiredRoot = PKI.certificate("expired-root").c("DE").o(TestPki.ORG).cn("Expired Root").ca(-1)
                .validity(NOW.minus(Duration.ofDays(400)), NOW.minus(DAY)).build();
        out.add(new Case("root-expired").chain(client("under-expired-root", expiredRoot)).anchors(expiredRoot)
                .expect(10));
        // an expired and a valid copy of the same intermediate (same key and serial, as the leaf's AKID names
        // both): the valid one is chosen, whatever the order
        TestCert expiredIntermediate = PKI.expiredIntermediateCa();
        TestCert renewedIntermediate = PKI.certificate("expired-intermediate-renewed").c("DE").o(TestPki.ORG)
                .cn("Certgate Test Expired Issuing CA").ca(0)
                .keyPair(new KeyPair(expiredIntermediate.publicKey(), expiredIntermediate.privateKey()))
                .serial(expiredIntermediate.certificate().getSerialNumber()).issuedBy(PKI.rootCa()).build();
        TestCert otherSerial = PKI.certificate("expired-intermediate-other-serial").c("DE").o(TestPki.ORG)
                .cn("Certgate Test Expired Issuing CA").ca(0)
                .keyPair(new KeyPair(expiredIntermediate.publicKey(), expiredIntermediate.privateKey()))
                .issuedBy(PKI.rootCa()).build();
        TestCert underRenewed = PKI.expiredIntermediateClient();
        out.add(new Case("renewed-intermediate-sent-second").presented(underRenewed, PKI.expiredIntermediateCa(),
                renewedIntermediate).expect(0));
        out.add(new Case("renewed-intermediate-sent-first").presented(underRenewed, renewedIntermediate,
                PKI.expiredIntermediateCa()).expect(0));
        out.add(new Case("renewed-intermediate-other-serial-ignored").presented(underRenewed, otherSerial,
                PKI.expiredIntermediateCa()).expect(10));
        out.add(new Case("renewed-intermediate-trusted").presented(underRenewed, PKI.expiredIntermediateCa())
                .anchors(PKI.rootCa(), renewedIntermediate).expect(0));
    }

    private static void revocation(List<Case> out) {
        TestCert partner = PKI.partnerClient();
        TestCert revoked = PKI.revokedClient();
        BigInteger revokedSerial = revoked.certificate().getSerialNumber();
        TestCert im = PKI.intermediateCa();
        out.add(new Case("revoked-without-crl-check").chain(revoked).expect(0));
        out.add(new Case("crl-check-no-crls").chain(partner).crls().expect(3));
        out.add(new Case("crl-check-only-root-crl").chain(partner).crls(PKI.rootCrl()).expect(3));
        out.add(new Case("crl-check-partner").chain(partner).crls(PKI.crl()).expect(0));
        out.add(new Case("crl-check-all-both-crls").chain(partner).crls(PKI.crl(), PKI.rootCrl()).all().expect(0));
        out.add(new Case("crl-check-all-missing-root-crl").chain(partner).crls(PKI.crl()).all().expect(3));
        out.add(new Case("crl-check-all-revoked").chain(revoked).crls(PKI.rootCrl(), PKI.crl()).all().expect(23));
        out.add(new Case("crl-check-other-ca-crl").chain(partner).crls(PKI.crl(PKI.otherCa())).expect(3));
        out.add(new Case("crl-check-root-issued-leaf").chain(PKI.iotDeviceClient()).crls(PKI.rootCrl()).expect(0));
        out.add(new Case("crl-check-trusted-self-signed-leaf").chain(PKI.selfSignedClient())
                .anchors(PKI.selfSignedClient()).crls().expect(3));

        X509CRL expiredCrl = PKI.crl(im, NOW.minus(Duration.ofDays(8)), NOW.minus(DAY));
        X509CRL expiredRevoking = PKI.crl(im, NOW.minus(Duration.ofDays(8)), NOW.minus(DAY), revokedSerial);
        X509CRL futureCrl = PKI.crl(im, NOW.plus(DAY), NOW.plus(Duration.ofDays(8)));
        X509CRL endingNow = PKI.crl(im, NOW.minus(DAY), NOW);
        out.add(new Case("crl-expired").chain(partner).crls(expiredCrl).expect(12));
        out.add(new Case("crl-expired-revoking").chain(revoked).crls(expiredRevoking).expect(12));
        out.add(new Case("crl-not-yet-valid").chain(partner).crls(futureCrl).expect(11));
        out.add(new Case("crl-next-update-is-now").chain(partner).crls(endingNow).expect(12));
        out.add(new Case("crl-expired-and-valid").chain(partner).crls(expiredCrl, PKI.crl()).expect(0));
        out.add(new Case("crl-newest-wins").chain(revoked)
                .crls(PKI.crl(im, NOW.minus(Duration.ofHours(5)), NOW.plus(DAY)), PKI.crl()).expect(23));
        out.add(new Case("crl-newer-not-revoking").chain(revoked)
                .crls(PKI.crl(), PKI.crl(im, NOW.minus(Duration.ofMinutes(30)), NOW.plus(DAY))).expect(0));
        TestCert revokedExpired = client("revoked-expired", im, NOW.minus(Duration.ofDays(30)), NOW.minus(DAY));
        out.add(new Case("crl-revoked-and-expired-leaf").chain(revokedExpired).crls(PKI.crl(im, NOW.minus(DAY),
                NOW.plus(DAY), revokedExpired.certificate().getSerialNumber())).expect(23));
        out.add(new Case("crl-revoked-wrong-purpose").chain(PKI.serverAuthOnlyClient()).crls(PKI.crl(im,
                NOW.minus(DAY), NOW.plus(DAY), PKI.serverAuthOnlyClient().certificate().getSerialNumber())).expect(26));

        X509CRL wrongKey = PKI.crl(im, PKI.otherCa().privateKey(), NOW.minus(DAY), NOW.plus(DAY), revokedSerial);
        out.add(new Case("crl-signed-with-wrong-key").chain(revoked).crls(wrongKey).expect(8));
        out.add(new Case("crl-wrong-key-and-good").chain(partner).crls(wrongKey, PKI.crl()).expect(0));

        TestCert noCrlSign = PKI.certificate("no-crlsign-ca").c("DE").o(TestPki.ORG).cn("No cRLSign CA").ca(-1)
                .keyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature).issuedBy(PKI.rootCa()).build();
        out.add(new Case("crl-issuer-without-crlsign").chain(client("under-no-crlsign", noCrlSign))
                .crls(PKI.crl(noCrlSign)).expect(35));
        out.add(new Case("crl-only-ca-certs-scope").chain(partner).crls(customCrl(im, true, null)).expect(44));
        out.add(new Case("crl-unknown-critical-extension").chain(partner)
                .crls(customCrl(im, false, new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.2.1"))).expect(36));
        out.add(new Case("crl-check-all-ca-revoked").chain(partner)
                .crls(PKI.crl(), PKI.crl(PKI.rootCa(), im.certificate().getSerialNumber())).all().expect(23));
        out.add(new Case("crl-check-revoked-intermediate-leaf-only").chain(partner)
                .crls(PKI.crl(), PKI.crl(PKI.rootCa(), im.certificate().getSerialNumber())).expect(0));
    }

    private static void nameConstraints(List<Case> out) {
        TestCert dnsCa = constrainedCa("nc-dns", new GeneralSubtree[] {dns("example.com")},
                new GeneralSubtree[] {dns("bad.example.com")});
        out.add(new Case("nc-dns-permitted").chain(PKI.certificate("nc-dns-ok").cn("nc-dns-ok").clientAuth()
                .dns("api.example.com").issuedBy(dnsCa).build()).expect(0));
        out.add(new Case("nc-dns-outside").chain(PKI.certificate("nc-dns-outside").cn("nc-dns-outside").clientAuth()
                .dns("api.example.com", "api.example.org").issuedBy(dnsCa).build()).expect(47));
        out.add(new Case("nc-dns-label-boundary").chain(PKI.certificate("nc-dns-boundary").cn("nc-dns-boundary")
                .clientAuth().dns("notexample.com").issuedBy(dnsCa).build()).expect(47));
        out.add(new Case("nc-dns-excluded").chain(PKI.certificate("nc-dns-excluded").cn("nc-dns-excluded").clientAuth()
                .dns("x.bad.example.com").issuedBy(dnsCa).build()).expect(48));
        out.add(new Case("nc-cn-host-outside").chain(PKI.certificate("nc-cn").cn("host.example.org").clientAuth()
                .issuedBy(dnsCa).build()).expect(47));
        out.add(new Case("nc-cn-single-label").chain(PKI.certificate("nc-cn-label").cn("billing").clientAuth()
                .issuedBy(dnsCa).build()).expect(0));
        out.add(new Case("nc-cn-ignored-with-dns-san").chain(PKI.certificate("nc-cn-san").cn("host.example.org")
                .clientAuth().dns("host.example.com").issuedBy(dnsCa).build()).expect(0));

        TestCert dnCa = constrainedCa("nc-dn", new GeneralSubtree[] {new GeneralSubtree(new GeneralName(
                new X500Name("C=DE,O=Certgate Test")))}, null);
        out.add(new Case("nc-dn-permitted").chain(PKI.certificate("nc-dn-ok").c("DE").o("certgate  test").cn("x")
                .clientAuth().issuedBy(dnCa).build()).expect(0));
        out.add(new Case("nc-dn-outside").chain(PKI.certificate("nc-dn-outside").c("DE").o("Other").cn("x")
                .clientAuth().issuedBy(dnCa).build()).expect(47));

        TestCert mixedCa = constrainedCa("nc-mixed", new GeneralSubtree[] {
            new GeneralSubtree(new GeneralName(GeneralName.rfc822Name, "example.com")),
            new GeneralSubtree(new GeneralName(GeneralName.rfc822Name, ".example.net")),
            new GeneralSubtree(new GeneralName(GeneralName.iPAddress, "10.0.0.0/8")),
            new GeneralSubtree(new GeneralName(GeneralName.uniformResourceIdentifier, ".example.org"))}, null);
        out.add(new Case("nc-email-permitted").chain(ncClient("nc-email-ok", mixedCa).email("a@example.com",
                "b@x.example.net").build()).expect(0));
        out.add(new Case("nc-email-outside").chain(ncClient("nc-email-bad", mixedCa).email("a@evil.com").build())
                .expect(47));
        out.add(new Case("nc-email-subdomain-of-host").chain(ncClient("nc-email-sub", mixedCa)
                .email("a@mail.example.com").build()).expect(47));
        out.add(new Case("nc-ip-permitted").chain(ncClient("nc-ip-ok", mixedCa).ip("10.1.2.3").build()).expect(0));
        out.add(new Case("nc-ip-outside").chain(ncClient("nc-ip-bad", mixedCa).ip("192.168.1.1").build()).expect(47));
        out.add(new Case("nc-ip-v6-vs-v4").chain(ncClient("nc-ip-v6", mixedCa).ip("::1").build()).expect(47));
        out.add(new Case("nc-uri-permitted").chain(ncClient("nc-uri-ok", mixedCa)
                .uri("spiffe://a.example.org/billing").build()).expect(0));
        out.add(new Case("nc-uri-domain-itself").chain(ncClient("nc-uri-apex", mixedCa)
                .uri("spiffe://example.org/billing").build()).expect(47));
        out.add(new Case("nc-uri-without-host").chain(ncClient("nc-uri-urn", mixedCa).uri("urn:device:a1b2").build())
                .expect(53));
        out.add(new Case("nc-dns-unconstrained-type").chain(ncClient("nc-dns-free", mixedCa).dns("any.example")
                .build()).expect(0));

        TestCert minMaxCa = constrainedCa("nc-minmax", new GeneralSubtree[] {new GeneralSubtree(
                new GeneralName(GeneralName.dNSName, "example.com"), BigInteger.ONE, null)}, null);
        out.add(new Case("nc-minimum-not-supported").chain(ncClient("nc-minmax-leaf", minMaxCa).dns("a.example.com")
                .build()).expect(49));

        // the trust anchor's constraints apply to the intermediate's subject too
        TestCert constrainedRoot = PKI.certificate("nc-root").c("DE").o(TestPki.ORG).cn("Constrained Root").ca(-1)
                .extension(Extension.nameConstraints, true, new NameConstraints(new GeneralSubtree[] {
                    new GeneralSubtree(new GeneralName(new X500Name("C=DE,O=Certgate Test")))}, null)).build();
        TestCert foreignCa = PKI.certificate("nc-foreign-ca").c("US").o("Foreign").cn("Foreign CA").ca(-1)
                .issuedBy(constrainedRoot).build();
        out.add(new Case("nc-root-constrains-intermediate").chain(client("nc-under-foreign", foreignCa))
                .anchors(constrainedRoot).expect(47));
    }

    private static TestCert constrainedCa(String name, GeneralSubtree[] permitted, GeneralSubtree[] excluded) {
        return PKI.certificate(name).c("DE").o(TestPki.ORG).cn(name).ca(-1)
                .extension(Extension.nameConstraints, true, new NameConstraints(permitted, excluded))
                .issuedBy(PKI.rootCa()).build();
    }

    private static GeneralSubtree dns(String name) {
        return new GeneralSubtree(new GeneralName(GeneralName.dNSName, name));
    }

    private static TestPki.CertBuilder ncClient(String name, TestCert issuer) {
        return PKI.certificate(name).c("DE").o(TestPki.ORG).cn(name).clientAuth().issuedBy(issuer);
    }

    private static byte[] subjectKeyId(TestCert cert) {
        return org.bouncycastle.asn1.ASN1OctetString.getInstance(org.bouncycastle.asn1.ASN1OctetString.getInstance(
                cert.certificate().getExtensionValue("2.5.29.14")).getOctets()).getOctets();
    }

    // ------------------------------------------------------------------ certificate helpers

    private static TestCert client(String name, TestCert issuer) {
        return PKI.certificate(name).c("DE").o(TestPki.ORG).cn(name).clientAuth().issuedBy(issuer).build();
    }

    private static TestCert client(String name, TestCert issuer, Instant notBefore, Instant notAfter) {
        return PKI.certificate(name).c("DE").o(TestPki.ORG).cn(name).clientAuth().validity(notBefore, notAfter)
                .issuedBy(issuer).build();
    }

    /** {@code count} CAs without path length limit, each issued by the previous one, the first by {@code root}. */
    private static List<TestCert> deepChain(String prefix, int count, TestCert root) {
        List<TestCert> out = new ArrayList<>();
        TestCert issuer = root;
        for (int i = 1; i <= count; i++) {
            issuer = PKI.certificate(prefix + "-" + i).c("DE").o(TestPki.ORG).cn(prefix + " CA " + i).ca(-1)
                    .issuedBy(issuer).build();
            out.add(issuer);
        }
        return out;
    }

    /** The leaf followed by the CAs from the one that issued it up. */
    private static TestCert[] chainOf(TestCert leaf, List<TestCert> topDown) {
        List<TestCert> out = new ArrayList<>(List.of(leaf));
        List<TestCert> bottomUp = new ArrayList<>(topDown);
        Collections.reverse(bottomUp);
        out.addAll(bottomUp);
        return out.toArray(TestCert[]::new);
    }

    /** {@code good}'s certificate with one bit of its signature flipped. */
    private static X509Certificate badSignature(TestCert good) {
        byte[] der = good.der();
        der[der.length - 1] ^= 0x01; // the last byte belongs to the signature BIT STRING
        return TestPki.parseCertificate(der);
    }

    /** A CRL of {@code issuer} (now-1d..now+1d), with an IDP onlyContainsCACerts and/or an unknown critical ext. */
    private static X509CRL customCrl(TestCert issuer, boolean onlyCaCerts, ASN1ObjectIdentifier criticalExtension) {
        try {
            X509v2CRLBuilder b = new JcaX509v2CRLBuilder(issuer.certificate().getSubjectX500Principal(),
                    Date.from(NOW.minus(DAY)));
            b.setNextUpdate(Date.from(NOW.plus(DAY)));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.certificate()));
            if (onlyCaCerts) {
                b.addExtension(Extension.issuingDistributionPoint, true,
                        new IssuingDistributionPoint(null, false, true, null, false, false));
            }
            if (criticalExtension != null) {
                b.addExtension(criticalExtension, true, DERNull.INSTANCE);
            }
            b.addCRLEntry(BigInteger.valueOf(4711), Date.from(NOW.minus(DAY)), CRLReason.keyCompromise);
            String alg = issuer.privateKey().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CRLConverter()
                    .getCRL(b.build(new JcaContentSignerBuilder(alg).build(issuer.privateKey())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ a case and how openssl sees it

    /** One verification: trust anchors, presented chain, CRLs (null = no CRL checking), depth and time. */
    static final class Case {
        final String name;
        List<X509Certificate> anchors = List.of(PKI.rootCa().certificate());
        List<X509Certificate> presented = List.of();
        List<X509CRL> crls;
        boolean crlCheckAll;
        int verifyDepth = ChainVerifier.DEFAULT_VERIFY_DEPTH;
        ChainVerifier.Purpose purpose = ChainVerifier.Purpose.SSL_CLIENT;
        Instant at = NOW;
        int expected = -1;

        Case(String name) {
            this.name = name;
        }

        Case anchors(TestCert... certs) {
            return anchors(Arrays.stream(certs).map(TestCert::certificate).toArray(X509Certificate[]::new));
        }

        Case anchors(X509Certificate... certs) {
            anchors = List.of(certs);
            return this;
        }

        /** The certificate and its issuers up to the root, as TestCert#chain() (what a TLS peer sends). */
        Case chain(TestCert leaf) {
            presented = leaf.chain();
            return this;
        }

        Case presented(TestCert... certs) {
            return presented(Arrays.stream(certs).map(TestCert::certificate).toArray(X509Certificate[]::new));
        }

        Case presented(X509Certificate... certs) {
            presented = List.of(certs);
            return this;
        }

        Case crls(X509CRL... list) {
            crls = List.of(list);
            return this;
        }

        Case all() {
            crlCheckAll = true;
            return this;
        }

        Case depth(int depth) {
            verifyDepth = depth;
            return this;
        }

        Case server() {
            purpose = ChainVerifier.Purpose.SSL_SERVER;
            return this;
        }

        Case at(Instant instant) {
            at = instant;
            return this;
        }

        Case expect(int code) {
            expected = code;
            return this;
        }

        ChainVerifier verifier() {
            ChainVerifier.Builder b = ChainVerifier.builder().trustAnchors(anchors).verifyDepth(verifyDepth)
                    .purpose(purpose);
            if (crls != null) {
                b.crls(crls);
            }
            return b.crlCheckAll(crlCheckAll).build();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    record OpenSslResult(int code, int depth, String output) {
    }

    /** Runs {@code openssl verify} for {@code c} in a directory of its own and parses its first error. */
    private static OpenSslResult openssl(String name, Case c) throws IOException, InterruptedException {
        Path caseDir = Files.createDirectories(dir.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_")));
        write(caseDir.resolve("ca.pem"), TestPki.pem(c.anchors));
        write(caseDir.resolve("leaf.pem"), TestPki.pem(c.presented.get(0)));
        List<String> cmd = new ArrayList<>(List.of(OPENSSL.toString(), "verify",
                "-attime", Long.toString(c.at.getEpochSecond()),
                "-verify_depth", Integer.toString(c.verifyDepth),
                "-CAfile", "ca.pem"));
        if (c.presented.size() > 1) {
            write(caseDir.resolve("untrusted.pem"), TestPki.pem(c.presented.subList(1, c.presented.size())));
            cmd.addAll(List.of("-untrusted", "untrusted.pem"));
        }
        if (c.crls != null) {
            cmd.add(c.crlCheckAll ? "-crl_check_all" : "-crl_check");
            if (!c.crls.isEmpty()) {
                StringBuilder pem = new StringBuilder();
                c.crls.forEach(crl -> pem.append(TestPki.pem(crl)));
                write(caseDir.resolve("crl.pem"), pem.toString());
                cmd.addAll(List.of("-CRLfile", "crl.pem"));
            }
        }
        cmd.addAll(List.of("-purpose", c.purpose.openSslName(), "leaf.pem"));
        Process p = new ProcessBuilder(cmd).directory(caseDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("openssl finished").isTrue();
        String output = String.join(" ", cmd) + "\n" + out;
        Matcher m = ERROR.matcher(out);
        if (m.find()) {
            return new OpenSslResult(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), output);
        }
        assertThat(p.exitValue()).as("openssl reported neither an error nor OK:\n%s", output).isZero();
        assertThat(out).as(output).contains("leaf.pem: OK");
        return new OpenSslResult(0, -1, output);
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.US_ASCII);
    }

    /** A DER value written out byte by byte (for encodings the builders refuse to produce). */
    private static ASN1Encodable der(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        try {
            return ASN1Primitive.fromByteArray(b);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
