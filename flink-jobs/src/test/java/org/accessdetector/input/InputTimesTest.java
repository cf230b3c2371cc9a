package org.accessdetector.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InputTimesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** 2018-12-18T10:00:00Z, worked out by hand: 17883 days * 86400000 + 10 h * 3600000. */
    private static final long DEC_18_10_00_UTC = 1_545_127_200_000L;

    private static long parse(String json) throws Exception {
        return InputTimes.parse(JSON.readTree(json), "eventTime");
    }

    @Test
    void epochMillisNumbersAreTakenAsTheyAre() throws Exception {
        assertThat(parse("1545127200000")).isEqualTo(DEC_18_10_00_UTC);
        assertThat(parse("0")).isZero();
        assertThat(parse("-1000")).as("before 1970").isEqualTo(-1000L);
        assertThat(parse("1545127200000.0")).as("a whole number written with a fraction").isEqualTo(DEC_18_10_00_UTC);
    }

    @ParameterizedTest
    @CsvSource({
        "2018-12-18T10:00:00Z,           1545127200000",
        "2018-12-18T10:00:00.123Z,       1545127200123",
        "2018-12-18T10:00Z,              1545127200000",
        "2018-12-18T12:00:00+02:00,      1545127200000",
        "2018-12-18T05:00:00-05:00,      1545127200000",
        "2018-12-18T10:00:00.000000001Z, 1545127200000",
        "2018-12-31T23:59:59.999Z,       1546300799999",
        "1970-01-01T00:00:00Z,           0",
    })
    void isoStringsWithAnOffsetAreInstants(String iso, long expected) throws Exception {
        assertThat(parse("\"" + iso + "\"")).isEqualTo(expected);
    }

    @Test
    void aStringWithoutAnOffsetIsRejectedAsSuch() {
        assertThatThrownBy(() -> parse("\"2018-12-18T10:00:00\""))
                .isInstanceOf(InputRejectedException.class)
                .hasMessageContaining("'eventTime'")
                .hasMessageContaining("no offset");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"yesterday\"", "\"2018-12-18\"", "\"2018-12-18 10:00:00Z\"", "\"1545127200000\"",
        "\"2018-13-01T00:00:00Z\"", "\"2018-12-18T10:00:00+0200\"", "\"\"",
        "\"2018-12-18T10:00:00Z[Europe/Berlin]\""})
    void unparseableStringsAreRejected(String json) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(InputRejectedException.class)
                .hasMessageContaining("'eventTime'")
                .hasMessageContaining("is not a time");
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "{}", "[1545127200000]"})
    void otherTypesAreRejected(String json) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(InputRejectedException.class)
                .hasMessageContaining("'eventTime'")
                .hasMessageContaining("must be epoch milliseconds or an ISO-8601 string");
    }

    @Test
    void fractionalMillisAreRejected() {
        assertThatThrownBy(() -> parse("1545127200000.5"))
                .isInstanceOf(InputRejectedException.class)
                .hasMessageContaining("'eventTime'")
                .hasMessageContaining("whole");
    }

    @Test
    void timesBeyondTheRangeOfALongAreRejected() {
        assertThatThrownBy(() -> parse("99999999999999999999"))
                .isInstanceOf(InputRejectedException.class)
                .hasMessageContaining("'eventTime' is out of range");
        assertThatThrownBy(() -> parse("\"+999999999-12-31T00:00:00Z\""))
                .isInstanceOf(InputRejectedException.class)
                .hasMessageContaining("'eventTime' is out of range");
    }

    @Test
    void missingOrNullIsRejectedAsMissing() {
        for (JsonNode node : new JsonNode[] {null, MissingNode.getInstance(), JSON.nullNode()}) {
            assertThatThrownBy(() -> InputTimes.parse(node, "effectiveFrom"))
                    .isInstanceOf(InputRejectedException.class)
                    .hasMessage("missing required field 'effectiveFrom'");
        }
    }

    @Test
    void hugeValuesAreCutInTheReason() {
        String huge = "x".repeat(5000);
        assertThatThrownBy(() -> parse("\"" + huge + "\""))
                .isInstanceOf(InputRejectedException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }
}
