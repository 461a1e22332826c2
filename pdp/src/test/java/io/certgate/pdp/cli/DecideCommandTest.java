package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.support.TestBundles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecideCommandTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = PdpMain.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void decidesOneInputFromABundle(@TempDir Path tmp) throws Exception {
        Path bundle = tmp.resolve("b.tar.gz");
        Files.write(bundle, TestBundles.compile(TestBundles.testPolicies("basic"), "what-if"));
        Path input = Files.writeString(tmp.resolve("in.json"), "{\"user\": \"alice\"}");
        Run r = run("decide", "--bundle", bundle.toString(), "--input", input.toString(),
                "--entrypoint", "test/authz/decision");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode d = new ObjectMapper().readTree(r.out());
        assertThat(d.get("effect").asText()).isEqualTo("allow");
        assertThat(d.get("revision").asText()).isEqualTo("what-if");
        assertThat(d.at("/obligations/headers/x-user").asText()).isEqualTo("alice");
    }

    @Test
    void compilesAPolicyDirectory(@TempDir Path tmp) throws Exception {
        Path input = Files.writeString(tmp.resolve("in.json"), "{\"user\": \"mallory\"}");
        Run r = run("decide", "--policies", TestBundles.testPolicies("basic").toString(), "--input",
                input.toString(), "--entrypoint", "test/authz/decision");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode d = new ObjectMapper().readTree(r.out());
        assertThat(d.get("effect").asText()).isEqualTo("deny");
        assertThat(d.at("/reasons/0/code").asText()).isEqualTo("USER_NOT_ALLOWED");
    }

    @Test
    void reportsBadInputAndMissingBundleClearly(@TempDir Path tmp) throws Exception {
        Path bundle = tmp.resolve("b.tar.gz");
        Files.write(bundle, TestBundles.compile(TestBundles.testPolicies("basic"), "x"));
        Path array = Files.writeString(tmp.resolve("a.json"), "[1, 2]");
        Run notObject = run("decide", "--bundle", bundle.toString(), "--input", array.toString(),
                "--entrypoint", "test/authz/decision");
        assertThat(notObject.exit()).isEqualTo(2);
        assertThat(notObject.err()).contains("a.json").contains("must be a JSON object");

        Run missing = run("decide", "--bundle", tmp.resolve("nope.tar.gz").toString(), "--input", array.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.tar.gz").contains("does not exist");
    }

    @Test
    void aMissingOrMalformedInputFileIsOneLocatedLineAndExit2(@TempDir Path tmp) throws Exception {
        String policies = TestBundles.testPolicies("opa-plain").toString();
        Run missing = run("decide", "--policies", policies, "--entrypoint", "httpapi/authz/allow",
                "--input", tmp.resolve("nope.json").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip()).isEqualTo("decide: --input " + tmp.resolve("nope.json") + ": no such file");

        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\"user\": ");
        Run malformed = run("decide", "--policies", policies, "--entrypoint", "httpapi/authz/allow",
                "--input", bad.toString());
        assertThat(malformed.exit()).isEqualTo(2);
        assertThat(malformed.err().strip()).startsWith("decide: " + bad + " is not valid JSON (line 1, column")
                .doesNotContain("\n").doesNotContain("Source:").doesNotContain("Exception");
    }

    @Test
    void anyRuleOfAPlainOpaPolicyPrintsItsValue(@TempDir Path tmp) throws Exception {
        String policies = TestBundles.testPolicies("opa-plain").toString();
        // an OPA request body, as POSTed to /v1/data, is unwrapped
        Path wrapped = Files.writeString(tmp.resolve("in.json"), "{\"input\": {\"user\": \"alice\"}}");
        Run allow = run("decide", "--policies", policies, "--entrypoint", "httpapi/authz/allow",
                "--input", wrapped.toString());
        assertThat(allow.exit()).as(allow.err()).isZero();
        assertThat(allow.out().strip()).isEqualTo("true");

        Path eve = Files.writeString(tmp.resolve("eve.json"), "{\"user\": \"eve\"}");
        Run deny = run("decide", "--policies", policies, "--entrypoint", "httpapi/authz/deny",
                "--input", eve.toString());
        assertThat(deny.exit()).as(deny.err()).isZero();
        assertThat(new ObjectMapper().readTree(deny.out()).toString()).isEqualTo("[\"eve is blocked\"]");

        Run undefined = run("decide", "--policies", policies, "--entrypoint", "httpapi/authz/greeting",
                "--input", Files.writeString(tmp.resolve("empty.json"), "{}").toString());
        assertThat(undefined.exit()).isEqualTo(1);
        assertThat(undefined.err()).contains("decide: httpapi/authz/greeting is undefined for this input");
    }

    @Test
    void aPolicyThatDoesNotCompileIsReportedOnceWithExit1(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copy(TestBundles.testPolicies("opa-plain"), tmp.resolve("p"));
        Files.writeString(dir.resolve("broken.rego"), "package broken\n\nx := \n");
        Run r = run("decide", "--policies", dir.toString(), "--entrypoint", "httpapi/authz/allow",
                "--input", Files.writeString(tmp.resolve("in.json"), "{}").toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("decide: cannot load the policy: ").contains("broken.rego:4")
                .doesNotContain("decisions are denied");
        assertThat(r.err().split("opa build failed", -1)).hasSize(2);
    }
}
