package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.certgate.pdp.Pdp;
import io.certgate.pdp.bundle.BundleVerification;
import io.certgate.pdp.config.PdpConfig;
import io.certgate.testdata.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
    private static final String POLICY = """
            # METADATA
            # description: A minimal decision for the CLI tests.
            package acme.authz

            # METADATA
            # entrypoint: true
            decision := {"effect": effect, "status": status}

            default effect := "deny"

            effect := "allow" if input.user == "alice"

            status := 200 if effect == "allow"

            status := 403 if effect == "deny"
            """;
    private static final String TESTS = """
            package acme.authz_test

            import data.acme.authz

            test_alice_allowed if authz.decision.effect == "allow" with input as {"user": "alice"}

            test_others_denied if authz.decision == {"effect": "deny", "status": 403} with input as {"user": "bob"}
            """;

    private static Path policies(Path dir, String policy, String tests) throws Exception {
        Path pkg = Files.createDirectories(dir.resolve("acme/authz"));
        Files.writeString(pkg.resolve("decision.rego"), policy);
        Files.writeString(pkg.resolve("decision_test.rego"), tests);
        Files.writeString(dir.resolve("data.json"), "{}");
        return dir;
    }

    @Test
    void testRunsFmtCheckLintAndTestsWithCoverage(@TempDir Path tmp) throws Exception {
        Path dir = policies(tmp, POLICY, TESTS);
        CliRun r = CliRun.of("policy", "test", dir.toString(), "--coverage");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).containsPattern("opa fmt, check --strict +ok").containsPattern("regal lint +(ok|skipped)")
                .containsPattern("opa test +ok, coverage 100\\.0% \\(\\d+ of \\d+ lines\\)");
        assertThat(CliRun.of("policy", "test", dir.toString()).out()).containsPattern("opa test +PASS: 2/2");
    }

    @Test
    void testWithoutTestFilesSaysSoAndFails(@TempDir Path tmp) throws Exception {
        Path dir = policies(tmp, POLICY, TESTS);
        Files.delete(dir.resolve("acme/authz/decision_test.rego"));
        CliRun r = CliRun.of("policy", "test", dir.toString());
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.out()).containsPattern("opa test +FAILED: no \\*_test\\.rego files under " + Pattern.quote(
                dir.toString()));
    }

    @Test
    void coverageNeverReadsFullWhileALineIsNotCovered() throws Exception {
        // opa's own figure rounds 4999 of 5000 up to 100.0
        String json = """
                {"files": {"big.rego": {"not_covered": [{"start": {"row": 211}, "end": {"row": 211}}],
                  "covered_lines": 4999, "not_covered_lines": 1, "coverage": 99.98}},
                 "covered_lines": 4999, "not_covered_lines": 1, "coverage": 99.98}
                """;
        assertThat(PolicyCommand.Test.coverageReport(json)).startsWith("ok, coverage 99.9% (4999 of 5000 lines)")
                .contains("big.rego: not covered: lines 211");
    }

    @Test
    void regalFindingsArePlainText(@TempDir Path tmp) throws Exception {
        Path dir = policies(tmp, POLICY + "\nfooBar := 1\n", TESTS);
        CliRun r = CliRun.of("policy", "test", dir.toString());
        assumeThat(r.out()).as("regal is available").doesNotContainPattern("regal lint +skipped");
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.out()).containsPattern("regal lint +FAILED").contains("prefer-snake-case")
                .doesNotContain("\u001b[");
    }

    @Test
    void testReportsEveryFailingStep(@TempDir Path tmp) throws Exception {
        Path dir = policies(tmp, POLICY.replace("decision := {", "decision   :=   {"),
                TESTS.replace("\"status\": 403", "\"status\": 401"));
        CliRun r = CliRun.of("policy", "test", dir.toString(), "--coverage");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).containsPattern("opa fmt, check --strict +FAILED").contains("not formatted")
                .contains("decision.rego")
                .containsPattern("opa test +FAILED").contains("test_others_denied");

        Path broken = policies(tmp.resolve("broken"), POLICY + "\nbroken := \n", TESTS);
        CliRun syntax = CliRun.of("policy", "test", broken.toString());
        assertThat(syntax.exit()).isEqualTo(1);
        assertThat(syntax.out()).doesNotContain("not formatted").contains("opa check --strict failed")
                .contains("rego_parse_error").containsPattern("regal lint +skipped \\(the policy does not compile\\)")
                .containsPattern("opa test +skipped");

        CliRun missing = CliRun.of("policy", "test", tmp.resolve("nope").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope: not a directory");
    }

    @Test
    void buildCompilesAndSmokeTestsTheBundle(@TempDir Path tmp) throws Exception {
        Path dir = policies(tmp.resolve("src"), POLICY, TESTS);
        Path out = tmp.resolve("out/authz.tar.gz");
        CliRun r = CliRun.of("policy", "build", dir.toString(), "-o", out.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("built " + out).contains("revision authz").contains("entrypoints: acme/authz/decision")
                .contains("activation smoke test: ok");
        assertThat(out).isRegularFile();

        Path input = Files.writeString(tmp.resolve("in.json"), "{\"user\": \"alice\"}");
        CliRun decided = CliRun.of("decide", "--bundle", out.toString(), "--input", input.toString(),
                "--entrypoint", "acme/authz/decision");
        assertThat(decided.out()).contains("\"effect\" : \"allow\"").contains("\"revision\" : \"authz\"");
    }

    @Test
    void buildRejectsWhatActivationWouldReject(@TempDir Path tmp) throws Exception {
        // http.send is not a wasm builtin: opa compiles it, the engine cannot evaluate it
        Path dir = policies(tmp.resolve("src"), POLICY.replace("decision := {\"effect\": effect, \"status\": status}",
                "decision := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:1/\"})"), TESTS);
        CliRun r = CliRun.of("policy", "build", dir.toString(), "-o", tmp.resolve("b.tar.gz").toString());
        assertThat(r.exit()).as(r.all()).isEqualTo(1);
        assertThat(r.out()).contains("was compiled but does not activate").contains("acme/authz/decision");

        Path broken = policies(tmp.resolve("broken"), POLICY.replace("if input.user", "if input.user =="), TESTS);
        CliRun compile = CliRun.of("policy", "build", broken.toString(), "-o", tmp.resolve("c.tar.gz").toString());
        assertThat(compile.exit()).isEqualTo(1);
        assertThat(compile.out()).contains("build FAILED: opa build failed").contains("decision.rego");
        assertThat(CliRun.of("policy", "build", broken.toString()).exit()).isEqualTo(2); // -o is required
    }

    @Test
    void buildSignsTheBundleAndAPdpVerifyingWithThePublicKeyServesIt(@TempDir Path tmp) throws Exception {
        Path dir = policies(tmp.resolve("src"), POLICY, TESTS);
        KeyPair key = TestPki.generateKeyPair(TestPki.KeyType.EC_P256);
        Path privatePem = Files.writeString(tmp.resolve("signing.pem"), TestPki.pem(key.getPrivate()));
        Path claims = Files.writeString(tmp.resolve("claims.json"), "{\"iss\": \"ci\"}");
        Path out = tmp.resolve("out/authz.tar.gz");
        CliRun r = CliRun.of("policy", "build", dir.toString(), "-o", out.toString(), "--signing-key",
                privatePem.toString(), "--signing-alg", "ES256", "--key-id", "ci-2026", "--scope", "authz",
                "--claims-file", claims.toString());
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("activation smoke test: ok").contains("signed: ES256 with " + privatePem
                + ", key id 'ci-2026', scope 'authz' (PDPs verify it with the public key under"
                + " bundle.verification.keys.ci-2026)");

        Path publicPem = Files.writeString(tmp.resolve("public.pem"),
                TestPki.pem("PUBLIC KEY", key.getPublic().getEncoded()));
        PdpConfig config = PdpConfig.parse("""
                policy: {bundle: %s, entrypoint: acme/authz/decision}
                bundle:
                  verification:
                    scope: authz
                    keys: {ci-2026: {algorithm: ES256, key_file: %s}}
                """.formatted(out, publicPem), "pdp.yaml");
        try (Pdp pdp = Pdp.start(config, new SimpleMeterRegistry(), Clock.systemUTC())) {
            assertThat(pdp.bundles().status().lastError()).isNull();
            assertThat(pdp.bundles().status().revision()).isEqualTo("authz");
        }
        PdpConfig otherScope = config.withVerification(
                new BundleVerification(config.verification().keys(), null, "write", List.of()));
        try (Pdp pdp = Pdp.start(otherScope, new SimpleMeterRegistry(), Clock.systemUTC())) {
            assertThat(pdp.bundles().status().revision()).isNull();
            assertThat(pdp.bundles().status().lastError()).contains("the signature's scope is 'authz', expected 'write'");
        }

        CliRun rsa = CliRun.of("policy", "build", dir.toString(), "-o", tmp.resolve("rsa.tar.gz").toString(),
                "--signing-key", Files.writeString(tmp.resolve("rsa.pem"),
                        TestPki.pem(TestPki.generateKeyPair(TestPki.KeyType.RSA_2048).getPrivate())).toString());
        assertThat(rsa.exit()).as(rsa.all()).isZero();
        assertThat(rsa.out()).contains("signed: RS256 with ").contains("key id 'default' (PDPs verify");
    }

    @Test
    void signingOptionsAreCheckedBeforeAnythingIsBuilt(@TempDir Path tmp) throws Exception {
        Path dir = policies(tmp.resolve("src"), POLICY, TESTS);
        String out = tmp.resolve("b.tar.gz").toString();
        Path key = Files.writeString(tmp.resolve("k.pem"),
                TestPki.pem(TestPki.generateKeyPair(TestPki.KeyType.EC_P256).getPrivate()));

        CliRun hmac = CliRun.of("policy", "build", dir.toString(), "-o", out, "--signing-key", key.toString(),
                "--signing-alg", "HS256");
        assertThat(hmac.exit()).isEqualTo(2);
        assertThat(hmac.err()).contains("--signing-alg HS256: HMAC secrets are not taken from files or the command line");

        CliRun unknown = CliRun.of("policy", "build", dir.toString(), "-o", out, "--signing-key", key.toString(),
                "--signing-alg", "EdDSA");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--signing-alg: 'EdDSA' is not one of RS256, RS384");

        CliRun scopeOnly = CliRun.of("policy", "build", dir.toString(), "-o", out, "--scope", "authz");
        assertThat(scopeOnly.exit()).isEqualTo(2);
        assertThat(scopeOnly.err()).contains("--signing-alg, --key-id, --scope and --claims-file need --signing-key");

        CliRun missingKey = CliRun.of("policy", "build", dir.toString(), "-o", out, "--signing-key",
                tmp.resolve("nope.pem").toString());
        assertThat(missingKey.exit()).isEqualTo(2);
        assertThat(missingKey.err()).contains("--signing-key: cannot read " + tmp.resolve("nope.pem"));

        Path notAnObject = Files.writeString(tmp.resolve("claims.json"), "[1]");
        CliRun claims = CliRun.of("policy", "build", dir.toString(), "-o", out, "--signing-key", key.toString(),
                "--signing-alg", "ES256", "--claims-file", notAnObject.toString());
        assertThat(claims.exit()).isEqualTo(2);
        assertThat(claims.err()).contains("--claims-file: " + notAnObject + " must hold a JSON object of claims");
        assertThat(tmp.resolve("b.tar.gz")).doesNotExist();

        CliRun wrongKeyType = CliRun.of("policy", "build", dir.toString(), "-o", out, "--signing-key", key.toString(),
                "--signing-alg", "RS256");
        assertThat(wrongKeyType.exit()).as(wrongKeyType.all()).isEqualTo(1);
        assertThat(wrongKeyType.out()).contains("build FAILED: opa build failed");
    }
}
