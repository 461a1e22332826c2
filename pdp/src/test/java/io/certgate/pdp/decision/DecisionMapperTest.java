package io.certgate.pdp.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.certgate.pdp.decision.DecisionMapper.MalformedDecisionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The rate-limit obligations of a decision ({@code obligations.rate_limits}): a well-formed one is read and
 * written back unchanged; every malformed shape makes the decision malformed, with a message that names the
 * obligation's index and field and says what was expected and what came.
 */
class DecisionMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Decision map(String rateLimits) throws Exception {
        JsonNode value = JSON.readTree("""
                {"effect": "allow", "status": 200, "reasons": [],
                 "obligations": {"headers": {"x-client-id": "acme-erp"}, "rate_limits": %s},
                 "ttl_seconds": 60}""".formatted(rateLimits));
        return DecisionMapper.toDecision(value, "d-1", "rev-1");
    }

    @Test
    void wellFormedLimitsAreReadAndWrittenBack() throws Exception {
        Decision d = map("""
                [{"name": "partner", "key": "acme-erp", "rate": 100, "period_seconds": 1, "burst": 200},
                 {"name": "iot", "key": "6e1d", "rate": 5, "period_seconds": 60}]""");
        assertThat(d.rateLimits()).containsExactly(
                new RateLimitObligation("partner", "acme-erp", 100, 1, 200),
                new RateLimitObligation("iot", "6e1d", 5, 60, 5));
        JsonNode out = DecisionMapper.toJson(d, JSON).path("obligations").path("rate_limits");
        assertThat(out.toString()).isEqualTo("[{\"name\":\"partner\",\"key\":\"acme-erp\",\"rate\":100,"
                + "\"period_seconds\":1,\"burst\":200},{\"name\":\"iot\",\"key\":\"6e1d\",\"rate\":5,"
                + "\"period_seconds\":60,\"burst\":5}]");
    }

    @Test
    void absentNullOrEmptyMeansNoLimit() throws Exception {
        assertThat(map("null").rateLimits()).isEmpty();
        assertThat(map("[]").rateLimits()).isEmpty();
        Decision none = DecisionMapper.toDecision(JSON.readTree(
                "{\"effect\": \"allow\", \"status\": 200, \"obligations\": {\"headers\": {}}}"), "d", "r");
        assertThat(none.rateLimits()).isEmpty();
        assertThat(DecisionMapper.toJson(none, JSON).path("obligations").has("rate_limits")).isFalse();
    }

    @Test
    void aKeyWithControlCharactersIsEncodedNotRefused() throws Exception {
        Decision d = map("[{\"name\": \"n\", \"key\": \"a\\r\\nb\", \"rate\": 1, \"period_seconds\": 1}]");
        assertThat(d.rateLimits().get(0).key()).isEqualTo("a%0D%0Ab");
    }

    @Test
    void boundsAreInclusive() throws Exception {
        Decision d = map("[{\"name\": \"" + "n".repeat(64) + "\", \"key\": \"" + "k".repeat(512)
                + "\", \"rate\": 1000000000, \"period_seconds\": 2678400, \"burst\": 1}]");
        assertThat(d.rateLimits().get(0)).isEqualTo(
                new RateLimitObligation("n".repeat(64), "k".repeat(512), 1_000_000_000L, 2_678_400L, 1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            not an array         | {"name": "n"}                                                           | obligations.rate_limits must be an array, got OBJECT
            a string             | "100/s"                                                                 | obligations.rate_limits must be an array, got STRING
            element not object   | [42]                                                                    | obligations.rate_limits[0] must be an object
            second element       | [{"name": "a", "key": "k", "rate": 1, "period_seconds": 1}, null]       | obligations.rate_limits[1] must be an object
            name missing         | [{"key": "k", "rate": 1, "period_seconds": 1}]                          | obligations.rate_limits[0].name must be 1-64 letters, digits, '.', '_', ':' or '-', got 
            name empty           | [{"name": "", "key": "k", "rate": 1, "period_seconds": 1}]              | obligations.rate_limits[0].name must be 1-64 letters, digits, '.', '_', ':' or '-', got ""
            name with a space    | [{"name": "a b", "key": "k", "rate": 1, "period_seconds": 1}]           | obligations.rate_limits[0].name must be 1-64 letters, digits, '.', '_', ':' or '-', got "a b"
            name with a quote    | [{"name": "a\\"b", "key": "k", "rate": 1, "period_seconds": 1}]         | obligations.rate_limits[0].name must be 1-64 letters
            name a number        | [{"name": 7, "key": "k", "rate": 1, "period_seconds": 1}]               | obligations.rate_limits[0].name must be 1-64 letters, digits, '.', '_', ':' or '-', got 7
            name too long        | [{"name": "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", "key": "k", "rate": 1, "period_seconds": 1}] | obligations.rate_limits[0].name must be 1-64
            key missing          | [{"name": "n", "rate": 1, "period_seconds": 1}]                         | obligations.rate_limits[0].key must be a non-empty string of at most 512 characters, got 
            key empty            | [{"name": "n", "key": "", "rate": 1, "period_seconds": 1}]              | obligations.rate_limits[0].key must be a non-empty string of at most 512 characters, got ""
            key a number         | [{"name": "n", "key": 12, "rate": 1, "period_seconds": 1}]              | obligations.rate_limits[0].key must be a non-empty string of at most 512 characters, got 12
            key an object        | [{"name": "n", "key": {"id": 1}, "rate": 1, "period_seconds": 1}]       | obligations.rate_limits[0].key must be a non-empty string of at most 512 characters, got {"id":1}
            rate missing         | [{"name": "n", "key": "k", "period_seconds": 1}]                        | obligations.rate_limits[0].rate must be an integer in [1, 1000000000], got nothing
            rate zero            | [{"name": "n", "key": "k", "rate": 0, "period_seconds": 1}]             | obligations.rate_limits[0].rate must be an integer in [1, 1000000000], got 0
            rate negative        | [{"name": "n", "key": "k", "rate": -5, "period_seconds": 1}]            | obligations.rate_limits[0].rate must be an integer in [1, 1000000000], got -5
            rate fractional      | [{"name": "n", "key": "k", "rate": 1.5, "period_seconds": 1}]           | obligations.rate_limits[0].rate must be an integer in [1, 1000000000], got 1.5
            rate a string        | [{"name": "n", "key": "k", "rate": "100", "period_seconds": 1}]         | obligations.rate_limits[0].rate must be an integer in [1, 1000000000], got "100"
            rate too large       | [{"name": "n", "key": "k", "rate": 1000000001, "period_seconds": 1}]    | obligations.rate_limits[0].rate must be an integer in [1, 1000000000], got 1000000001
            rate beyond a long   | [{"name": "n", "key": "k", "rate": 99999999999999999999, "period_seconds": 1}] | obligations.rate_limits[0].rate must be an integer in [1, 1000000000], got 99999999999999999999
            period missing       | [{"name": "n", "key": "k", "rate": 1}]                                  | obligations.rate_limits[0].period_seconds must be an integer in [1, 2678400], got nothing
            period a duration    | [{"name": "n", "key": "k", "rate": 1, "period_seconds": "1s"}]          | obligations.rate_limits[0].period_seconds must be an integer in [1, 2678400], got "1s"
            period over 31 days  | [{"name": "n", "key": "k", "rate": 1, "period_seconds": 2678401}]       | obligations.rate_limits[0].period_seconds must be an integer in [1, 2678400], got 2678401
            burst zero           | [{"name": "n", "key": "k", "rate": 1, "period_seconds": 1, "burst": 0}] | obligations.rate_limits[0].burst must be an integer in [1, 1000000000], got 0
            burst null           | [{"name": "n", "key": "k", "rate": 1, "period_seconds": 1, "burst": null}] | obligations.rate_limits[0].burst must be an integer in [1, 1000000000], got null
            """)
    void everyMalformedShapeIsALocatedError(String ignoredCase, String rateLimits, String message) {
        assertThatThrownBy(() -> map(rateLimits))
                .isInstanceOf(MalformedDecisionException.class)
                .hasMessageStartingWith(message.strip());
    }
}
