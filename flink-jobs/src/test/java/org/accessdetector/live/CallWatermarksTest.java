package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.testing.TestData;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

class CallWatermarksTest {

    private static final long START = 1_700_000_000_000L; // the wall clock when the job starts
    private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(5);
    private static final Duration MAX_SKEW = Duration.ofMinutes(1);
    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final long OOO = OUT_OF_ORDERNESS.toMillis();

    private final AtomicLong now = new AtomicLong(START);
    private final CallWatermarks<String> generator =
            new CallWatermarks<>(OUT_OF_ORDERNESS, MAX_SKEW, QUIET, now::get);
    private final Output output = new Output();

    /** Records what the generator told its partition. */
    private static final class Output implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        int idle;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            idle++;
        }

        @Override
        public void markActive() {}

        Long last() {
            return watermarks.isEmpty() ? null : watermarks.get(watermarks.size() - 1);
        }
    }

    private void callRead(long eventTime) {
        PartnerApiCall call = TestData.call("c" + eventTime).setEventTime(eventTime).build();
        generator.onEvent(Either.Left(call), eventTime, output);
    }

    private void otherRecordRead(long kafkaTimestamp) {
        generator.onEvent(Either.Right("not a call"), kafkaTimestamp, output);
    }

    private void emitAt(long wallClock) {
        now.set(wallClock);
        generator.onPeriodicEmit(output);
    }

    @Test
    void aBacklogReadFastYieldsWatermarksFromTheCallsNeverFromTheWallClock() {
        long oldest = START - 3_600_000; // an hour of backlog
        for (int i = 0; i < 1_000; i++) {
            now.set(START + i); // a thousand calls a second of wall clock, an hour of event time
            long t = oldest + i * 3_600L;
            callRead(t);
            if (i % 10 == 9) {
                emitAt(START + i);
                assertThat(output.last()).as("call %d", i).isEqualTo(t - OOO - 1);
            }
        }
        assertThat(output.idle).isZero();
        assertThat(output.watermarks).isSorted().allSatisfy(w -> assertThat(w).isLessThan(START - OOO));
    }

    @Test
    void anOutOfOrderCallDoesNotMoveTheWatermarkBack() {
        callRead(START - 10_000);
        callRead(START - 20_000);
        emitAt(START + 1);

        assertThat(output.last()).isEqualTo(START - 10_000 - OOO - 1);
    }

    @Test
    void afterTheQuietPeriodTheWatermarkMovesOnWithTheWallClockFromTheNewestCall() {
        long newest = START - 60_000; // the last call before a quiet spell, read at START
        callRead(newest);
        emitAt(START + QUIET.toMillis() - 1);
        assertThat(output.last()).as("still reading").isEqualTo(newest - OOO - 1);

        emitAt(START + QUIET.toMillis());
        assertThat(output.last()).as("caught up: the newest call can be judged").isEqualTo(newest);

        emitAt(START + QUIET.toMillis() + 7_000);
        assertThat(output.last()).isEqualTo(newest + 7_000);

        now.set(START + QUIET.toMillis() + 8_000);
        callRead(newest + 1_000); // records flow again: back to the calls
        emitAt(START + QUIET.toMillis() + 8_001);
        assertThat(output.last()).isEqualTo(newest + 1_000 - OOO - 1);
        assertThat(output.idle).isZero();
    }

    @Test
    void recordsThatAreNotCallsNeitherMoveEventTimeNorKeepThePartitionFromCountingAsQuiet() {
        callRead(START - 60_000); // read at START
        for (long t = 500; t <= 10_000; t += 500) { // dead letters only, from now on
            now.set(START + t);
            otherRecordRead(START + t);
            emitAt(START + t);
        }

        // Quiet since START as far as calls go: event time follows the wall clock from the newest call.
        assertThat(output.last()).isEqualTo(START - 60_000 + 10_000 - QUIET.toMillis());
    }

    @Test
    void aPartitionWithOnlyDeadLettersIsIdleAfterTheQuietPeriod() {
        for (long t = 500; t <= QUIET.toMillis(); t += 500) {
            now.set(START + t);
            otherRecordRead(START + t);
            emitAt(START + t);
        }
        assertThat(output.idle).isPositive();
        assertThat(output.watermarks).isEmpty();
    }

    @Test
    void aPartitionWithNoCallsIsIdleAfterTheQuietPeriod() {
        emitAt(START + QUIET.toMillis() - 1);
        assertThat(output.idle).isZero();

        emitAt(START + QUIET.toMillis());

        assertThat(output.idle).isEqualTo(1);
        assertThat(output.watermarks).isEmpty();
    }

    @Test
    void aCallStampedFarInTheFutureDoesNotMoveTheWatermark() {
        callRead(START - 1_000);
        now.set(START);
        callRead(START + MAX_SKEW.toMillis() + 1); // one bad clock
        emitAt(START + 1);
        assertThat(output.last()).isEqualTo(START - 1_000 - OOO - 1);

        callRead(START + MAX_SKEW.toMillis()); // at the limit of the allowed skew: trusted
        emitAt(START + 2);
        assertThat(output.last()).isEqualTo(START + MAX_SKEW.toMillis() - OOO - 1);
    }

    @Test
    void onlySkewedCallsLeaveNoWatermarkAndAQuietPartitionIdle() {
        now.set(START);
        callRead(START + 10 * MAX_SKEW.toMillis());
        emitAt(START + QUIET.toMillis());

        assertThat(output.watermarks).isEmpty();
        assertThat(output.idle).isEqualTo(1);
    }
}
