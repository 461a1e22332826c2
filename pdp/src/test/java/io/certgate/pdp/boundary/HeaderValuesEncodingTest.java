package io.certgate.pdp.boundary;

import static org.assertj.core.api.Assertions.assertThat;

import io.certgate.pdp.decision.HeaderValues;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The header encoding of certificate and policy values is injective and decodes back. */
class HeaderValuesEncodingTest {
    @Test
    void aRealLineBreakAndItsPercentSpellingStayApart() {
        assertThat(HeaderValues.encode("a\r\nb")).isEqualTo("a%0D%0Ab");
        assertThat(HeaderValues.encode("a%0D%0Ab")).isEqualTo("a%250D%250Ab");
    }

    @Test
    void encodingRoundTrips() {
        for (String v : List.of("plain", "a%b", "ü漢字", "tab\there", "100%", "%%", "\u007f", "a+b c")) {
            String encoded = HeaderValues.encode(v);
            assertThat(encoded.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
            assertThat(URLDecoder.decode(encoded.replace("+", "%2B"), StandardCharsets.UTF_8)).as(v).isEqualTo(v);
        }
    }

    @Test
    void listSeparatorsCanBeEncodedToo() {
        assertThat(HeaderValues.encode("https://a.test/x,y", ",")).isEqualTo("https://a.test/x%2Cy");
    }
}
