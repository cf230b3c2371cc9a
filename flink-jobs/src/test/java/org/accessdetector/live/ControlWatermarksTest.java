package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

class ControlWatermarksTest {

    private static final long START = 1_700_000_000_000L;
    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final Duration MAX_HOLD = Duration.ofMinutes(5);

    private final AtomicLong now = new AtomicLong(START);
    private final ControlWatermarks<String> generator = new ControlWatermarks<>(QUIET, MAX_HOLD, now::get);
    private final Output output = new Output();

    /** Records what the generator told its input. */
    private static final class Output implements WatermarkOutput {
        int idle;
        int watermarks;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks++;
        }

        @Override
        public void markIdle() {
            idle++;
        }

        @Override
        public void markActive() {}
    }

    private void at(long millisAfterStart) {
        now.set(START + millisAfterStart);
        generator.onPeriodicEmit(output);
    }

    @Test
    void holdsEventTimeWhileReadingTheBacklogThenIsIdleOnceARecordAppendedAfterTheStartArrives() {
        for (int i = 0; i < 100; i++) { // the backlog: appended long before the start, read quickly
            now.set(START + 10 * i);
            generator.onEvent("old", START - 3_600_000 + i, output);
            generator.onPeriodicEmit(output);
        }
        assertThat(output.idle).as("never idle while the backlog is read").isZero();
        assertThat(output.watermarks).as("never a watermark from a control topic").isZero();

        generator.onEvent("new", START + 1_500, output);
        at(1_510);

        assertThat(generator.read()).isTrue();
        assertThat(output.idle).isEqualTo(1);
    }

    @Test
    void aPartitionWithNothingToReadIsReleasedAfterTheQuietPeriod() {
        at(QUIET.toMillis() - 1);
        assertThat(output.idle).isZero();

        at(QUIET.toMillis());

        assertThat(output.idle).isEqualTo(1);
    }

    @Test
    void aBacklogReadToItsEndIsReleasedAfterTheQuietPeriodFromItsLastRecord() {
        now.set(START + 5_000);
        generator.onEvent("last old record", START - 60_000, output);
        at(5_000 + QUIET.toMillis() - 1);
        assertThat(output.idle).isZero();

        at(5_000 + QUIET.toMillis());

        assertThat(output.idle).isEqualTo(1);
    }

    @Test
    void aNeverEndingBacklogIsReleasedAfterTheLongestHold() {
        long t = 0;
        for (; t < MAX_HOLD.toMillis(); t += 1_000) {
            now.set(START + t);
            generator.onEvent("old", START - 3_600_000, output);
            generator.onPeriodicEmit(output);
        }
        assertThat(output.idle).isZero();

        at(MAX_HOLD.toMillis());

        assertThat(output.idle).isEqualTo(1);
    }

    @Test
    void onceReadItStaysIdleForGoodEvenWhenRecordsKeepComing() {
        at(QUIET.toMillis());
        generator.onEvent("a consent change", START + 10_000, output);
        at(10_001);
        generator.onEvent("an old correction", START - 1_000_000, output);
        at(10_002);

        assertThat(output.idle).isEqualTo(3);
        assertThat(output.watermarks).isZero();
    }
}
