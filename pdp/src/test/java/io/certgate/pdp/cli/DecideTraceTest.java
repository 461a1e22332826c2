package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.support.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecideTraceTest {
    @TempDir
    static Path tmp;
    static Path bundle;

    @BeforeAll
    static void compileReferencePolicy() throws Exception {
        bundle = Files.write(tmp.resolve("reference.tar.gz"),
                TestBundles.compile(TestBundles.referencePolicies(), "trace-test"));
    }

    private static String input(String name) {
        return TestBundles.referencePolicies().resolveSibling("testdata/inputs/" + name).toString();
    }

    @Test
    void traceShowsWhichClassDecidedWithItsReasonsAndData() {
        CliRun r = CliRun.of("decide", "--bundle", bundle.toString(), "--input", input("deny_ip.json"), "--trace");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).startsWith("decision  deny 403 (class policy)")
                .containsSubsequence("1. certificate  passed", "2. method", "3. rate_limit", "4. policy",
                        "5. challenge")
                .containsPattern("4\\. policy +FAILED -> deny 403  \\(decides\\)")
                .contains("   reason IP_NOT_ALLOWED: the client IP address is not allowed: ")
                .containsPattern("   client_ip = \"[0-9.:a-f]+\"")
                .contains("   allowed_cidrs = {")
                .contains("   input.certificate = {");
    }

    @Test
    void traceShowsAnOutrankedClassAndAnAllow() {
        CliRun challenge = CliRun.of("decide", "--bundle", bundle.toString(), "--input", input("mfa_challenge.json"),
                "--trace");
        assertThat(challenge.out()).startsWith("decision  challenge 401 (class challenge)")
                .containsPattern("5\\. challenge +FAILED -> challenge 401  \\(decides\\)")
                .contains("   required = true");
        CliRun allow = CliRun.of("decide", "--bundle", bundle.toString(), "--input", input("allow.json"), "--trace");
        assertThat(allow.out()).startsWith("decision  allow 200 (no class failed)")
                .contains("          header x-client-id: ").doesNotContain("FAILED");
    }

    @Test
    void traceAsJsonCarriesTheDecisionAndTheTraceOfTheSameInput() throws Exception {
        CliRun r = CliRun.of("decide", "--bundle", bundle.toString(), "--input", input("expired_cert.json"),
                "--trace", "--json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.at("/decision/effect").asText()).isEqualTo("deny");
        assertThat(doc.at("/trace/winning_class").asText()).isEqualTo("certificate");
        assertThat(doc.at("/trace/decision/reasons")).isEqualTo(doc.at("/decision/reasons"));
        assertThat(doc.at("/trace/classes/0/won").asBoolean()).isTrue();
        assertThat(doc.at("/trace/classes/0/reasons/0/code").asText()).isEqualTo("CERT_EXPIRED");
    }

    @Test
    void aPolicyWithoutATraceRuleIsAClearUsageError(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("in.json"), "{\"user\": \"alice\"}");
        CliRun r = CliRun.of("decide", "--policies", TestBundles.testPolicies("basic").toString(), "--input",
                in.toString(), "--entrypoint", "test/authz/decision", "--trace");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--trace: the policy has no entrypoint test/authz/decision_trace");
    }
}
