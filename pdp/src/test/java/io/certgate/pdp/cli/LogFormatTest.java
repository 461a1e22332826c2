package io.certgate.pdp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogFormatTest {
    @Test
    void textJsonAndUnsetAreAccepted() {
        assertThat(LogFormat.problem(Map.of())).isNull();
        assertThat(LogFormat.problem(Map.of(LogFormat.VARIABLE, "text"))).isNull();
        assertThat(LogFormat.problem(Map.of(LogFormat.VARIABLE, "json"))).isNull();
    }

    @Test
    void anythingElseIsRejectedWithTheVariableAndTheChoices() {
        assertThat(LogFormat.problem(Map.of(LogFormat.VARIABLE, "JSON ")))
                .isEqualTo("CERTGATE_LOG_FORMAT='JSON ' is not a log format: use 'text' (the default) or 'json'");
    }
}
