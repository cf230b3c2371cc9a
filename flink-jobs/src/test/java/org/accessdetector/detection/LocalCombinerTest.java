package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Combining before a shuffle: what the keyed stage after it holds when its timers fire is the same as without
 * it, because a key's combination goes on before the watermark that reaches the key's due time, late records go
 * on alone at once, and nothing is held across a checkpoint, an idle input or the end of the input.
 */
class LocalCombinerTest {

    /** A minute the rate stage judges at its last millisecond, {@code MINUTE_END}. */
    private static final long MINUTE = BEFORE_REVOCATION;
    private static final long MINUTE_END = MINUTE + ONE_MINUTE - 1;
    private static final long NEXT_MINUTE = MINUTE + ONE_MINUTE;

    private static RateSample sample(long windowStart, long records) {
        return new RateSample(PARTNER, Resource.MESSAGES, Action.READ, windowStart, records);
    }

    private static RateSample otherAction(long windowStart, long records) {
        return new RateSample(PARTNER, Resource.MESSAGES, Action.WRITE, windowStart, records);
    }

    private static OneInputStreamOperatorTestHarness<RateSample, RateSample> rateHarness(
            LocalCombiner<RateSample, ?, RateSample> combiner) throws Exception {
        var harness = new OneInputStreamOperatorTestHarness<>(combiner);
        harness.open();
        return harness;
    }

    /** What went downstream, in order: records and watermarks. */
    private static List<Object> output(OneInputStreamOperatorTestHarness<?, ?> harness) {
        List<Object> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            out.add(o instanceof StreamRecord<?> r ? r.getValue() : o);
        }
        harness.getOutput().clear();
        return out;
    }

    @Test
    void aMinutesSamplesGoOnAsOneSumJustBeforeTheWatermarkThatEndsIt() throws Exception {
        var combiner = new LocalCombiner<>(new RateSampleSums());
        try (var harness = rateHarness(combiner)) {
            harness.processElement(sample(MINUTE, 3), MINUTE + 10);
            harness.processElement(otherAction(MINUTE, 2), MINUTE + 20);
            harness.processElement(sample(MINUTE, 4), MINUTE + 30);
            harness.processElement(sample(MINUTE, -1), MINUTE + 40); // a call taken back out of scope
            harness.processElement(sample(NEXT_MINUTE, 5), NEXT_MINUTE + 5);
            harness.processWatermark(new Watermark(MINUTE_END - 1));
            assertThat(output(harness)).as("nothing due before the minute's last millisecond")
                    .containsExactly(new Watermark(MINUTE_END - 1));
            assertThat(combiner.heldKeys()).isEqualTo(3);

            harness.processWatermark(new Watermark(MINUTE_END));
            List<Object> out = output(harness);
            assertThat(out).as("the minute's sums, then the watermark that ends it").hasSize(3)
                    .last().isEqualTo(new Watermark(MINUTE_END));
            assertThat(out.subList(0, 2)).containsExactlyInAnyOrder(sample(MINUTE, 6), otherAction(MINUTE, 2));
            assertThat(combiner.heldKeys()).as("the next minute is still held").isEqualTo(1);
        }
    }

    @Test
    void aSampleOfAMinuteThatEndedAlreadyGoesOnAtOnceAndAlone() throws Exception {
        var combiner = new LocalCombiner<>(new RateSampleSums());
        try (var harness = rateHarness(combiner)) {
            harness.processWatermark(new Watermark(MINUTE_END));
            output(harness);
            harness.processElement(sample(MINUTE, 3), MINUTE + 10);
            harness.processElement(sample(MINUTE, 4), MINUTE + 20);
            assertThat(output(harness)).as("each late sample as it comes, so the judge re-judges as it does today")
                    .containsExactly(sample(MINUTE, 3), sample(MINUTE, 4));
            assertThat(combiner.heldKeys()).isZero();
        }
    }

    @Test
    void nothingIsHeldAcrossACheckpointAnIdleInputOrTheEndOfTheInput() throws Exception {
        var combiner = new LocalCombiner<>(new RateSampleSums());
        try (var harness = rateHarness(combiner)) {
            harness.processElement(sample(MINUTE, 3), MINUTE + 10);
            harness.processElement(sample(MINUTE, 4), MINUTE + 20);
            harness.prepareSnapshotPreBarrier(1L);
            assertThat(output(harness)).as("before the barrier").containsExactly(sample(MINUTE, 7));
            assertThat(combiner.heldKeys()).isZero();

            harness.processElement(sample(MINUTE, 1), MINUTE + 30);
            harness.processWatermarkStatus(WatermarkStatus.IDLE);
            assertThat(output(harness)).as("an idle input: no watermark may come to release it")
                    .containsExactly(sample(MINUTE, 1), WatermarkStatus.IDLE);

            harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
            harness.processElement(sample(NEXT_MINUTE, 2), NEXT_MINUTE);
            harness.endInput();
            assertThat(output(harness)).contains(sample(NEXT_MINUTE, 2));
            assertThat(combiner.heldKeys()).isZero();
        }
    }

    @Test
    void aPartnersLatestUseOfAScopeGoesOnAtTheFirstHourlyRecomputationOnOrAfterIt() throws Exception {
        long hour = BEFORE_REVOCATION - BEFORE_REVOCATION % ONE_HOUR;
        var combiner = new LocalCombiner<>(new ScopeUse.Latest());
        try (var harness = new OneInputStreamOperatorTestHarness<PartnerApiCall, ScopeUse>(combiner)) {
            harness.open();
            harness.processElement(use("c1", hour + 10), hour + 10);
            harness.processElement(use("c2", hour + 30), hour + 30);
            harness.processElement(use("c3", hour + 20), hour + 20);
            harness.processElement(use("c4", hour + ONE_HOUR), hour + ONE_HOUR); // on the hour: read then
            harness.processElement(use("c5", hour + ONE_HOUR + 1), hour + ONE_HOUR + 1);
            harness.processWatermark(new Watermark(hour + ONE_HOUR - 1));
            assertThat(output(harness)).containsExactly(new Watermark(hour + ONE_HOUR - 1));

            harness.processWatermark(new Watermark(hour + ONE_HOUR));
            assertThat(output(harness)).containsExactly(
                    new ScopeUse(PARTNER, Resource.MESSAGES, Action.READ, hour + ONE_HOUR),
                    new Watermark(hour + ONE_HOUR));
            assertThat(combiner.heldKeys()).as("the call after the hour waits for the next").isEqualTo(1);
        }
    }

    private static PartnerApiCall use(String callId, long at) {
        return call(callId).setResource(Resource.MESSAGES).setAction(Action.READ).setEventTime(at).build();
    }
}
