package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
                .containsPattern("opa test +ok, coverage 100\\.0%");
        assertThat(CliRun.of("policy", "test", dir.toString()).out()).containsPattern("opa test +PASS: 2/2");
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
}
