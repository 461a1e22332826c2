package io.certgate.pdp.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link PdpConfig#parse} with YAML text; the seeds are the documented {@code pdp.yaml} examples.
 *
 * <p>Properties: only {@link ConfigException} escapes (anything else is a stack trace instead of a located
 * error at start or in {@code config check}), with at least one error, each naming where it is; and the same
 * text always parses to the same configuration.
 */
class PdpConfigFuzzTest {
    @FuzzTest
    void parse(byte[] yaml) {
        String text = new String(yaml, StandardCharsets.UTF_8);
        PdpConfig config;
        try {
            config = PdpConfig.parse(text, "pdp.yaml");
        } catch (ConfigException e) {
            assertThat(e.errors()).isNotEmpty().allSatisfy(error -> assertThat(error).isNotBlank());
            assertThat(e.getMessage()).startsWith("pdp.yaml has ");
            return;
        }
        try {
            assertThat(PdpConfig.parse(text, "pdp.yaml")).isEqualTo(config);
        } catch (ConfigException e) {
            throw new AssertionError("the same text failed the second time", e);
        }
    }
}
