package io.certgate.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FileNamePatternTest {

    @Test
    void matchesAsGosPathMatchDoes() {
        FileNamePattern p = FileNamePattern.compile("notes/[a-c]?.md");
        assertThat(p.matches("notes/b1.md")).isTrue();
        assertThat(p.matches("notes/d1.md")).isFalse();
        assertThat(p.matches("notes/b/.md")).as("no class or ? crosses a /").isFalse();
        assertThat(FileNamePattern.compile("[^a]x").matches("bx")).isTrue();
        assertThat(FileNamePattern.compile("[^a]x").matches("ax")).isFalse();
        assertThat(FileNamePattern.compile("[-a]").matches("-")).isTrue();
        assertThat(FileNamePattern.compile("\\*").matches("*")).isTrue();
        assertThat(FileNamePattern.compile("\\*").matches("x")).isFalse();
    }

    @Test
    void refusesAReversedRangeBeforeAnyRegexIsCompiled() {
        assertThatThrownBy(() -> FileNamePattern.compile("[a-@]?.md")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has the range a-@, whose end comes before its start");
        assertThatThrownBy(() -> FileNamePattern.compile("[ab")).hasMessageContaining("without its ]");
    }
}
