package io.certgate.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestJsonTest {
    static JsonNode read(String text) throws RequestJson.InvalidJsonException {
        return RequestJson.read(text.getBytes(StandardCharsets.UTF_8), "the request body");
    }

    static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    @Test
    void ordinaryJsonIsRead() throws Exception {
        JsonNode n = read(" {\"input\": {\"a\": [1, 2.5, -1e308, \"caf\u00e9 \\ud83d\\ude00 \ud83d\ude00\", null,"
                + " true]}}\n\t ");
        assertThat(n.at("/input/a/0").asInt()).isEqualTo(1);
        assertThat(n.at("/input/a/3").asText()).isEqualTo("caf\u00e9 \ud83d\ude00 \ud83d\ude00");
        assertThat(read("\"just a string\"").asText()).isEqualTo("just a string");
    }

    @Test
    void nestingUpToTheLimitIsReadDeeperIsRejected() throws Exception {
        assertThat(read(nested(RequestJson.MAX_DEPTH)).isArray()).isTrue();
        for (int depth : new int[] {RequestJson.MAX_DEPTH + 1, 1_000, 5_000}) {
            assertThatThrownBy(() -> read(nested(depth)))
                    .isInstanceOf(RequestJson.InvalidJsonException.class)
                    .hasMessage("the request body is nested deeper than 64 levels");
            assertThatThrownBy(() -> read("{\"input\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth + 1)))
                    .hasMessage("the request body is nested deeper than 64 levels");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"input\": {\"x\": 1e999}}      | the request body has a number out of the range of a double at /input/x",
        "{\"input\": {\"x\": [0, -1e999]}} | the request body has a number out of the range of a double at /input/x/1",
        "1E400                            | the request body has a number out of the range of a double at /",
        "{\"a\": \"\\ud800\"}              | the request body has a string with an unpaired UTF-16 surrogate at /a",
        "{\"a\": [\"x\\udc00y\"]}          | the request body has a string with an unpaired UTF-16 surrogate at /a/0",
        "{\"a\": \"\\ude00\\ud83d\"}       | the request body has a string with an unpaired UTF-16 surrogate at /a",
        "{\"a/b~\": {\"\\ud800\": 1}} | the request body has a member name with an unpaired UTF-16 surrogate in /a~1b~0",
    })
    void inputsThatOnlyLenientReadersAcceptAreRejectedWithTheirPlace(String text, String message) {
        assertThatThrownBy(() -> read(text)).isInstanceOf(RequestJson.InvalidJsonException.class).hasMessage(message);
    }

    @Test
    void aSurrogateEncodedAsUtf8BytesIsRejected() {
        // CESU-8 style: U+D800 encoded as three UTF-8 bytes, which no valid UTF-8 text contains
        byte[] body = {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};
        assertThatThrownBy(() -> RequestJson.read(body, "the request body"))
                .isInstanceOf(RequestJson.InvalidJsonException.class)
                .hasMessageStartingWith("the request body ");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"input\": {}} xyz         | Unrecognized token",
        "{\"input\": {}}{\"input\": 1} | Trailing token",
        "{\"input\": {}} 1           | Trailing token",
        "{\"a\": 1, \"a\": 2}        | Duplicate field",
        "{\"input\": {\"a\": NaN}}   | Non-standard token",
        "{\"input\":                 | end-of-input",
    })
    void trailingContentDuplicateNamesAndBrokenTextAreInvalid(String text, String detail) {
        assertThatThrownBy(() -> read(text)).isInstanceOf(RequestJson.InvalidJsonException.class)
                .hasMessageStartingWith("the request body is not valid JSON (line 1, column ")
                .hasMessageContaining(detail);
    }

    @Test
    void emptyTextIsRejected() {
        assertThatThrownBy(() -> read("  ")).hasMessage("the request body is empty");
    }
}
