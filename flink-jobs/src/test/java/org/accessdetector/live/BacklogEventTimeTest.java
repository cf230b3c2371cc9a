package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The event time a control topic gives the calls: none while its backlog is read (calls wait), then idle for good,
 * never the end of time that the backlog's end brings (it would let event time run ahead of the calls).
 */
class BacklogEventTimeTest {

    private static final long APPENDED = 1_700_000_000_000L;

    /** What an operator sent downstream, in order, other than records: watermarks and statuses. */
    private static List<Object> signals(OneInputStreamOperatorTestHarness<String, String> harness) {
        List<Object> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof Watermark || o instanceof WatermarkStatus) {
                out.add(o);
            }
        }
        return out;
    }

    private static List<String> records(OneInputStreamOperatorTestHarness<String, String> harness) {
        List<String> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((String) r.getValue());
            }
        }
        return out;
    }

    @Test
    void theBacklogSaysNothingWhileItIsReadAndItsEndOnAnActiveOutput() throws Exception {
        try (var harness = new OneInputStreamOperatorTestHarness<String, String>(new EndOfBacklog<>())) {
            harness.open();
            harness.processElement("an agreement", APPENDED - 3_600_000);
            harness.processWatermarkStatus(WatermarkStatus.IDLE); // a reader whose splits are all read
            harness.processElement("a consent", APPENDED - 60_000);
            assertThat(signals(harness)).as("while reading").isEmpty();

            harness.endInput();
            assertThat(signals(harness)).containsExactly(WatermarkStatus.ACTIVE, Watermark.MAX_WATERMARK);
            assertThat(records(harness)).containsExactly("an agreement", "a consent");
        }
    }

    @Test
    void theControlStreamHoldsEventTimeUntilTheBacklogEndsThenIsIdleForGood() throws Exception {
        try (var harness = new OneInputStreamOperatorTestHarness<String, String>(new IdleAfterBacklog<>())) {
            harness.open();
            harness.processWatermarkStatus(WatermarkStatus.IDLE); // before any split: no release
            harness.processElement("an agreement", APPENDED - 3_600_000);
            harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
            assertThat(signals(harness)).as("while the backlog is read: active, no watermark").isEmpty();

            harness.processWatermark(Watermark.MAX_WATERMARK); // the backlog's end
            assertThat(signals(harness)).containsExactly(WatermarkStatus.IDLE);

            harness.processElement("a new consent", APPENDED);
            harness.processWatermarkStatus(WatermarkStatus.ACTIVE); // what follows the backlog wakes up
            harness.processWatermark(Watermark.MAX_WATERMARK); // a restored, finished backlog's end, again
            assertThat(signals(harness)).as("idle for good, never the end of time").containsExactly(WatermarkStatus.IDLE);
            assertThat(records(harness)).containsExactly("an agreement", "a new consent");
        }
    }
}
