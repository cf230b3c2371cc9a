package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import org.accessdetector.config.DetectorConfig;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateJudgeTest {

    private static final long MINUTE = BEFORE_REVOCATION; // aligned to the epoch minute
    private static final long NEXT_MINUTE = MINUTE + ONE_MINUTE;

    private KeyedOneInputStreamOperatorTestHarness<String, RateSample, Violation> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new RateJudge(DetectorConfig.defaults()), RateSample::rateKey, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void send(long windowStart, long records, long at) throws Exception {
        harness.processElement(new RateSample(PARTNER, Resource.FRIENDS, Action.READ, windowStart, records, 100, 2), at);
    }

    @Test
    void minuteAboveTheLimitRaisesOneViolation() throws Exception {
        send(MINUTE, 60, MINUTE);
        send(MINUTE, 41, MINUTE + 59_999);
        harness.processWatermark(new Watermark(MINUTE + 59_998));
        assertThat(harness.extractOutputValues()).as("the minute is not over yet").isEmpty();

        harness.processWatermark(new Watermark(MINUTE + 59_999));

        assertThat(harness.extractOutputValues()).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.RATE_LIMIT);
            assertThat(v.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(v.getWindowStart()).isEqualTo(MINUTE);
            assertThat(v.getWindowEnd()).isEqualTo(NEXT_MINUTE);
            assertThat(v.getObservedRecords()).isEqualTo(101L);
            assertThat(v.getLimitRecords()).isEqualTo(100L);
            assertThat(v.getAgreementVersion()).isEqualTo(2);
            assertThat(v.getCallId()).isNull();
        });
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void exactlyTheLimitIsAllowed() throws Exception {
        send(MINUTE, 100, MINUTE);
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void eachMinuteIsCountedOnItsOwn() throws Exception {
        send(MINUTE, 90, MINUTE + 59_000);
        send(NEXT_MINUTE, 90, NEXT_MINUTE);
        send(NEXT_MINUTE, 20, NEXT_MINUTE + 1);
        harness.processWatermark(new Watermark(Long.MAX_VALUE));

        assertThat(harness.extractOutputValues())
                .extracting(Violation::getWindowStart, Violation::getObservedRecords)
                .containsExactly(tuple(NEXT_MINUTE, 110L));
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
