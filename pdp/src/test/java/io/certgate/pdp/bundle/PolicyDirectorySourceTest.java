package io.certgate.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.engine.EngineOptions;
import io.certgate.pdp.engine.PolicyEngine;
import io.certgate.pdp.support.TestBundles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --policies DIR}: compiled at start and on change; a broken edit never replaces a good policy. */
class PolicyDirectorySourceTest {
    @Test
    void recompilesOnChangeAndKeepsTheLastGoodPolicyOnACompileError(@TempDir Path tmp) throws Exception {
        Path dir = TestBundles.copy(TestBundles.testPolicies("basic"), tmp.resolve("p"));
        ObjectMapper json = new ObjectMapper();
        try (PolicyEngine engine = new PolicyEngine(EngineOptions.defaults(), json, List.of("test/authz/decision"));
                BundleManager manager = new BundleManager(
                        new PolicyDirectorySource(dir, TestBundles.opa(), List.of()), new BundleReader(json), engine,
                        Clock.systemUTC(), new SimpleMeterRegistry())) {
            assertThat(manager.pollOnce()).isTrue();
            String first = manager.status().revision();
            assertThat(first).startsWith("dir-");
            assertThat(manager.pollOnce()).as("unchanged directory").isFalse();

            Path rego = dir.resolve("test/authz.rego");
            Files.writeString(rego, Files.readString(rego) + "\nbroken := \n");
            touch(rego, 5);
            assertThat(manager.pollOnce()).isFalse();
            assertThat(manager.status().revision()).isEqualTo(first);
            assertThat(manager.status().lastError()).contains("opa build failed").contains("authz.rego");

            Files.writeString(dir.resolve("data.json"), "{\"rev\": \"C\", \"allowed\": []}");
            Files.writeString(rego, Files.readString(rego).replace("\nbroken := \n", ""));
            touch(rego, 10);
            assertThat(manager.pollOnce()).isTrue();
            assertThat(manager.status().revision()).isNotEqualTo(first);
            String out = engine.require().evaluate("test/authz/decision", "{\"user\":\"alice\"}");
            assertThat(out).contains("\"x-rev\":\"C\"").contains("\"effect\":\"deny\"");
        }
    }

    private static void touch(Path file, int secondsAhead) throws Exception {
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + secondsAhead * 1000L));
    }
}
