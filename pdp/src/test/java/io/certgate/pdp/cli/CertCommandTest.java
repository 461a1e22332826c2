package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.cert.CertificateIdentities;
import io.certgate.pdp.cert.IdentityHeaderValues;
import io.certgate.testdata.OcspTestResponder;
import io.certgate.testdata.OpenSslCodes;
import io.certgate.testdata.TestCert;
import io.certgate.testdata.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertCommandTest {
    private static final Instant NOW = Instant.parse("2026-03-02T09:30:00Z");
    private static final TestPki PKI = TestPki.create(NOW);

    @TempDir
    static Path dir;

    @BeforeAll
    static void writePki() throws Exception {
        PKI.writeTo(dir);
    }

    private static String file(String name) {
        return dir.resolve(name).toString();
    }

    private static CliRun doctor(TestCert c, String... extra) {
        List<String> args = new ArrayList<>(List.of("cert", "doctor", "--cert",
                file(c.name() + (c.isSelfSigned() ? ".pem" : "-chain.pem")), "--ca", file("ca.pem"),
                "--at", NOW.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** The word the diagnosis of each defect must contain, by OpenSSL code. */
    private static String keyword(int code) {
        return switch (code) {
            case OpenSslCodes.CERT_HAS_EXPIRED -> "has expired";
            case OpenSslCodes.CERT_NOT_YET_VALID -> "not yet valid";
            case OpenSslCodes.UNABLE_TO_GET_ISSUER_CERT_LOCALLY -> "wrong CA";
            case OpenSslCodes.DEPTH_ZERO_SELF_SIGNED_CERT -> "self-signed";
            case OpenSslCodes.INVALID_PURPOSE -> "clientAuth";
            case OpenSslCodes.CERT_REVOKED -> "revoked";
            case OpenSslCodes.CERT_SIGNATURE_FAILURE -> "does not verify";
            case OpenSslCodes.PATH_LENGTH_EXCEEDED -> "pathLenConstraint";
            case OpenSslCodes.INVALID_CA -> "is not a CA";
            default -> throw new AssertionError("no diagnosis keyword for code " + code);
        };
    }

    @Test
    void doctorReportsEveryDefectOfTheCorpusWithItsCodeAndDiagnosis() {
        for (TestCert c : PKI.clients()) {
            int code = c.expectedVerifyCode().orElseThrow();
            boolean revoked = c.name().equals("revoked");
            CliRun r = revoked ? doctor(c, "--crl", file("crl.pem")) : doctor(c);
            if (code == OpenSslCodes.OK) {
                assertThat(r.exit()).as(c + "\n" + r.all()).isZero();
                assertThat(r.out()).as(c.name()).contains("openssl       OK")
                        .contains("result        ok").doesNotContain("FAIL");
                continue;
            }
            assertThat(r.exit()).as(c + "\n" + r.all()).isEqualTo(1);
            assertThat(r.out()).as(c + "\n" + r.all()).contains("openssl       error " + code + " at ")
                    .contains("FAIL").contains("fix: ").contains(keyword(code));
        }
    }

    @Test
    void doctorWalksTheTroubleshootingOrderAndDatesAnExpiry() {
        CliRun r = doctor(PKI.expiredClient());
        String out = r.out();
        assertThat(out).containsSubsequence("format", "chain", "trust anchor", "validity", "purpose", "revocation",
                "constraints");
        assertThat(out).containsPattern("chain +ok ").containsPattern("trust anchor +ok ")
                .containsPattern("validity +FAIL +error 10 \\(certificate has expired\\)")
                .contains("expired 1 day(s) ago").contains(PKI.expiredClient().certificate().getNotAfter()
                        .toInstant().toString())
                .contains("fix: renew the client certificate")
                .containsPattern("revocation +- +not checked: no --crl");
    }

    @Test
    void doctorNamesTheMissingIntermediate() {
        CliRun r = CliRun.of("cert", "doctor", "--cert", file("partner.pem"), "--ca", file("ca.pem"), "--at",
                NOW.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("error 20 at 0 depth lookup: unable to get local issuer certificate")
                .contains("missing intermediate")
                .contains("needs issuer: " + ChainDiagnosis.dn(PKI.intermediateCa().certificate())
                        + ", authority key id ")
                .contains("the client must send it");
        // everything about the leaf itself is still checked
        assertThat(r.out()).containsPattern("validity +ok ").containsPattern("purpose +ok ");
    }

    @Test
    void doctorReportsRevocationWithReasonAndDateAndAMissingCrl() {
        TestCert revoked = PKI.revokedClient();
        CliRun r = doctor(revoked, "--crl", file("crl.pem"));
        assertThat(r.out()).contains("error 23 at 0 depth lookup: certificate revoked")
                .contains("reason keyCompromise").contains("revoked on ")
                .contains("-crl_check -CRLfile " + file("crl.pem"));

        CliRun all = doctor(PKI.partnerClient(), "--crl", file("crl.pem"), "--crl-check-all");
        assertThat(all.exit()).isEqualTo(1);
        assertThat(all.out()).contains("error 3 at ").contains("-crl_check_all -CRLfile ").contains("no CRL of " + ChainDiagnosis.dn(PKI.rootCa()
                .certificate())).contains("mtls.crl_files");
        assertThat(doctor(PKI.partnerClient(), "--crl", file("crl.pem"), "--crl", file("ca-crl.pem"),
                "--crl-check-all").exit()).isZero();
    }

    private static String chainFile(TestCert c) throws Exception {
        Path f = dir.resolve(c.name() + "-chain.pem");
        Files.writeString(f, c.chainPem());
        return f.toString();
    }

    @Test
    void doctorAsksTheOcspResponderOfAVerifiedChain() throws Exception {
        try (OcspTestResponder responder = new OcspTestResponder(PKI.intermediateCa())) {
            TestCert good = PKI.ocspClient("ocsp-good", responder.url());
            CliRun ok = CliRun.of("cert", "doctor", "--cert", chainFile(good), "--ca", file("ca.pem"), "--at",
                    NOW.toString());
            assertThat(ok.exit()).as(ok.out()).isZero();
            assertThat(ok.out()).containsPattern("ocsp +ok +good according to " + responder.url());

            TestCert revoked = PKI.ocspClient("ocsp-revoked", responder.url());
            responder.revoke(revoked.certificate().getSerialNumber());
            CliRun no = CliRun.of("cert", "doctor", "--cert", chainFile(revoked), "--ca", file("ca.pem"), "--at",
                    NOW.toString());
            assertThat(no.exit()).isEqualTo(1);
            assertThat(no.out()).containsPattern("ocsp +FAIL +revoked according to " + responder.url())
                    .contains("(keyCompromise)").contains("fix: issue the client a new certificate");

            TestCert unknown = PKI.ocspClient("ocsp-unknown", responder.url());
            responder.unknown(unknown.certificate().getSerialNumber());
            CliRun what = CliRun.of("cert", "doctor", "--cert", chainFile(unknown), "--ca", file("ca.pem"), "--at",
                    NOW.toString());
            assertThat(what.exit()).isEqualTo(1);
            assertThat(what.out()).containsPattern("ocsp +FAIL +unknown to " + responder.url());

            CliRun skipped = CliRun.of("cert", "doctor", "--cert", chainFile(revoked), "--ca", file("ca.pem"),
                    "--at", NOW.toString(), "--no-ocsp");
            assertThat(skipped.exit()).isZero();
            assertThat(skipped.out()).containsPattern("ocsp +- +not checked: --no-ocsp");
            assertThat(responder.requests()).isEqualTo(3);
        }

        String down = "http://127.0.0.1:9/ocsp";
        CliRun unreachable = CliRun.of("cert", "doctor", "--cert", chainFile(PKI.ocspClient("ocsp-down", down)),
                "--ca", file("ca.pem"), "--at", NOW.toString());
        assertThat(unreachable.exit()).isEqualTo(1);
        assertThat(unreachable.out()).containsPattern("ocsp +FAIL +unreachable or unusable: " + down);

        assertThat(doctor(PKI.partnerClient()).out()).containsPattern("ocsp +- +not checked: no OCSP responder");
        assertThat(doctor(PKI.expiredClient()).out()).containsPattern("ocsp +- +not checked: the chain does not"
                + " verify");
    }

    @Test
    void doctorChecksThePurposeAskedFor() throws Exception {
        CliRun server = CliRun.of("cert", "doctor", "--cert", file("server.pem"), "--ca", file("ca.pem"), "--at",
                NOW.toString(), "--purpose", "server");
        assertThat(server.exit()).as(server.out()).isZero();
        assertThat(server.out()).contains("-purpose sslserver").containsPattern("purpose +ok +allowed for a TLS"
                + " server");

        CliRun clientAsServer = doctor(PKI.partnerClient(), "--purpose", "server");
        assertThat(clientAsServer.exit()).isEqualTo(1);
        assertThat(clientAsServer.out()).contains("error 26 at 0 depth lookup: unsuitable certificate purpose")
                .containsPattern("purpose +FAIL +error 26 .*not allowed for a TLS server")
                .contains("missing extendedKeyUsage serverAuth");

        CliRun serverAsClient = CliRun.of("cert", "doctor", "--cert", file("server.pem"), "--ca", file("ca.pem"),
                "--at", NOW.toString());
        assertThat(serverAsClient.exit()).isEqualTo(1);
        assertThat(serverAsClient.out()).contains("-purpose sslclient").contains("error 26")
                .contains("missing extendedKeyUsage clientAuth");

        CliRun noKu = doctor(PKI.noDigitalSignatureClient());
        assertThat(noKu.out()).containsPattern("purpose +FAIL +error 26 .*missing keyUsage digitalSignature \\(or"
                + " keyAgreement\\)");
        // without --ca the leaf's own check says the same
        CliRun noKuNoCa = CliRun.of("cert", "doctor", "--cert", file("no-digital-signature.pem"), "--at",
                NOW.toString());
        assertThat(noKuNoCa.out()).containsPattern("purpose +FAIL +keyUsage lacks digitalSignature \\(or"
                + " keyAgreement\\): not allowed for TLS client authentication")
                .contains("keyUsage: nonRepudiation");

        CliRun bad = CliRun.of("cert", "doctor", "--cert", file("server.pem"), "--purpose", "email");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--purpose must be client or server, got 'email'");
    }

    @Test
    void doctorReportsAHiddenSecondProblemAndWorksWithoutACaBundle() throws Exception {
        // trusted by the wrong bundle and expired: the first error is the chain, the expiry is reported too
        CliRun r = CliRun.of("cert", "doctor", "--cert", file("expired-chain.pem"), "--ca", file("other-ca.pem"),
                "--at", NOW.toString());
        assertThat(r.out()).contains("error 20").containsPattern("chain +FAIL").containsPattern("validity +FAIL")
                .containsPattern("trust anchor +- +not checked");

        CliRun noCa = CliRun.of("cert", "doctor", "--cert", file("server-auth-only.pem"), "--at", NOW.toString());
        assertThat(noCa.exit()).isEqualTo(1);
        assertThat(noCa.out()).contains("not run: no --ca").containsPattern("purpose +FAIL +no clientAuth EKU")
                .contains("extendedKeyUsage: serverAuth");
        assertThat(CliRun.of("cert", "doctor", "--cert", file("partner.pem"), "--at", NOW.toString()).exit())
                .isZero();
    }

    @Test
    void doctorExplainsANameConstraintViolation() throws Exception {
        TestCert ca = PKI.certificate("nc-ca").c("DE").o(TestPki.ORG).cn("Constrained CA").ca(-1)
                .extension(Extension.nameConstraints, true, new NameConstraints(new GeneralSubtree[] {
                    new GeneralSubtree(new GeneralName(GeneralName.dNSName, "example.com"))}, null))
                .issuedBy(PKI.rootCa()).build();
        TestCert leaf = PKI.certificate("nc-leaf").c("DE").o(TestPki.ORG).cn("nc-leaf").clientAuth()
                .dns("api.example.org").issuedBy(ca).build();
        Path chain = Files.writeString(dir.resolve("nc-leaf-chain.pem"), leaf.chainPem());
        CliRun r = CliRun.of("cert", "doctor", "--cert", chain.toString(), "--ca", file("ca.pem"), "--at",
                NOW.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("error 47 at ").containsPattern("constraints +FAIL +error 47")
                .contains("outside the name constraints").contains("api.example.org")
                .contains("permitted [DNS:example.com]")
                .containsPattern("validity +ok").containsPattern("chain +ok");
    }

    @Test
    void doctorSeparatesUnparsableFilesFromUsageErrors() throws Exception {
        Path key = dir.resolve("partner.key");
        CliRun wrongFile = CliRun.of("cert", "doctor", "--cert", key.toString(), "--ca", file("ca.pem"));
        assertThat(wrongFile.exit()).isEqualTo(1);
        assertThat(wrongFile.out()).containsPattern("format +FAIL").contains("partner.key")
                .contains("PRIVATE KEY, expected CERTIFICATE");

        Path der = Files.write(dir.resolve("partner.der"), PKI.partnerClient().der());
        assertThat(CliRun.of("cert", "doctor", "--cert", der.toString(), "--at", NOW.toString()).exit()).isZero();

        CliRun missing = CliRun.of("cert", "doctor", "--cert", file("nope.pem"));
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.pem: no such file");
        CliRun badTime = CliRun.of("cert", "doctor", "--cert", file("partner.pem"), "--at", "yesterday");
        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.err()).contains("--at");
        assertThat(CliRun.of("cert").exit()).isEqualTo(2);
    }

    @Test
    void inspectPrintsExactlyTheForwardedHeaderValues() throws Exception {
        TestCert partner = PKI.partnerClient();
        CliRun r = CliRun.of("cert", "inspect", "--cert", file("partner-chain.pem"), "--ca", file("ca.pem"),
                "--at", NOW.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        Map<String, String> expected = IdentityHeaderValues.of(0,
                new CertificateIdentities(Clock.systemUTC(), 1).identify(partner.chainDer()));
        for (Map.Entry<String, String> h : expected.entrySet()) {
            assertThat(r.out()).contains("  " + h.getKey() + ": " + h.getValue() + "\n");
        }
        assertThat(r.out()).contains("x-ssl-verify: 0").contains(TestPki.PARTNER_SPIFFE_ID)
                .contains("billing.partner.example.com").containsPattern("spiffe id +spiffe://");

        CliRun json = CliRun.of("cert", "inspect", "--cert", file("partner-chain.pem"), "--json", "--at",
                NOW.toString());
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertThat(doc.at("/certificate/spiffe_id").asText()).isEqualTo(TestPki.PARTNER_SPIFFE_ID);
        assertThat(doc.at("/certificate/sha1").asText()).isEqualTo(expected.get("x-ssl-client-sha1"));
        assertThat(doc.at("/certificate/expires_in_days").asLong()).isEqualTo(90);
        assertThat(doc.at("/certificate/verify_code").isMissingNode()).isTrue();
        assertThat(doc.at("/headers/x-ssl-verify").isMissingNode()).isTrue();
        assertThat(doc.at("/headers/x-ssl-client-dn").asText()).isEqualTo(expected.get("x-ssl-client-dn"));
    }

    @Test
    void inspectShowsTheVerifyCodeAndSafeHeaderValues() {
        CliRun expired = CliRun.of("cert", "inspect", "--cert", file("expired-chain.pem"), "--ca", file("ca.pem"),
                "--at", NOW.toString());
        assertThat(expired.out()).contains("x-ssl-verify: 10").contains("expired 1 day(s) ago")
                .contains("cert doctor");
        assertThat(CliRun.of("cert", "inspect", "--cert", file("partner.pem"), "--crl", file("crl.pem")).exit())
                .isEqualTo(2);
        CliRun injection = CliRun.of("cert", "inspect", "--cert", file("header-injection.pem"));
        assertThat(injection.exit()).isZero();
        assertThat(injection.out()).contains("x-ssl-client-cn: ").contains("%0D%0A");
    }
}
