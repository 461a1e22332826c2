package io.certgate.pdp.opa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.certgate.pdp.support.TestBundles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpaToolchainTest {
    @Test
    void withoutOpaOrGoTheMessageNamesBothWaysOut(@TempDir Path tools) {
        assertThatThrownBy(() -> OpaToolchain.locate(tools, Map.of("PATH", tools.toString())))
                .isInstanceOf(OpaToolchainException.class)
                .hasMessageContaining("install Go")
                .hasMessageContaining("OPA_BIN")
                .hasMessageContaining("go install github.com/open-policy-agent/opa@v" + OpaToolchain.PINNED_VERSION);
    }

    @Test
    void opaBinMustBeExecutable(@TempDir Path tools) throws Exception {
        Path notExecutable = Files.writeString(tools.resolve("opa"), "#!/bin/sh\n");
        assertThatThrownBy(() -> OpaToolchain.locate(tools, Map.of("OPA_BIN", notExecutable.toString())))
                .hasMessageContaining("OPA_BIN").hasMessageContaining("not an executable");
    }

    @Test
    void pinnedCopyInToolsFolderIsFound() {
        Path tools = Path.of(System.getProperty("certgate.tools.dir", "../.tools"));
        OpaToolchain opa = OpaToolchain.locate(tools, Map.of("PATH", "/nonexistent"));
        assertThat(opa.binary()).isEqualTo(OpaToolchain.pinnedLocation(tools));
        assertThat(opa.version()).isEqualTo(OpaToolchain.PINNED_VERSION);
    }

    @Test
    void unformattedOrBrokenPoliciesAreRejectedWithOpasOwnMessage(@TempDir Path dir) throws Exception {
        OpaToolchain opa = TestBundles.opa();
        Files.writeString(dir.resolve("p.rego"), "package p\nallow if {   input.x == 1 }\n");
        assertThatThrownBy(() -> opa.check(dir)).hasMessageContaining("opa fmt").hasMessageContaining("p.rego");

        Files.writeString(dir.resolve("p.rego"), "package p\n\nallow if input.x ==\n");
        assertThatThrownBy(() -> opa.buildWasmBundle(dir, dir.resolve("out.tar.gz"), "x", List.of()))
                .hasMessageContaining("opa build failed").hasMessageContaining("p.rego:");
    }

    @Test
    void failingRegoTestsFailTheBuild(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("p.rego"), "package p\n\nallow if input.x == 1\n");
        Files.writeString(dir.resolve("p_test.rego"), "package p_test\n\nimport data.p\n\n"
                + "test_allow if p.allow with input as {\"x\": 2}\n");
        assertThatThrownBy(() -> TestBundles.opa().test(dir)).hasMessageContaining("opa test failed")
                .hasMessageContaining("test_allow");
    }
}
