package io.certgate.pep.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.certgate.pdp.config.ConfigException;
import io.certgate.testdata.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes {@link GatewayConfig#parse} with YAML text, relative to a directory holding the files the seeds name
 * (a test PKI's certificates, keys and CRLs, an embedded {@code pdp.yaml}, a policy directory); the seeds are
 * the documented {@code gateway.yaml} examples.
 *
 * <p>Properties: only {@link ConfigException} escapes, with at least one error, each naming where it is; and the
 * same text always parses to the same configuration.
 */
class GatewayConfigFuzzTest {
    @TempDir
    static Path baseDir;

    @BeforeAll
    static void writeFiles() throws IOException {
        TestPki.create(Instant.now()).writeTo(baseDir);
        Files.createDirectories(baseDir.resolve("policies"));
        Files.writeString(baseDir.resolve("pdp.yaml"), "time: {timezone: Europe/Berlin}\n");
    }

    @FuzzTest
    void parse(byte[] yaml) {
        String text = new String(yaml, StandardCharsets.UTF_8);
        GatewayConfig config;
        try {
            config = GatewayConfig.parse(text, "gateway.yaml", baseDir);
        } catch (ConfigException e) {
            assertThat(e.errors()).isNotEmpty().allSatisfy(error -> assertThat(error).isNotBlank());
            assertThat(e.getMessage()).startsWith("gateway.yaml has ");
            return;
        }
        try {
            assertThat(GatewayConfig.parse(text, "gateway.yaml", baseDir)).isEqualTo(config);
        } catch (ConfigException e) {
            throw new AssertionError("the same text failed the second time", e);
        }
    }
}
