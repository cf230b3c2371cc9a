package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class ControlWatermarksTest {

    private static final long APPENDED = 1_700_000_000_000L;

    /** Records what a generator told its input. */
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

    private static WatermarkGenerator<String> generator(WatermarkStrategy<String> strategy) {
        return strategy.createWatermarkGenerator(new WatermarkGeneratorSupplier.Context() {
            @Override
            public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public org.apache.flink.util.clock.RelativeClock getInputActivityClock() {
                return org.apache.flink.util.clock.SystemClock.getInstance();
            }
        });
    }

    private static long timestamp(WatermarkStrategy<String> strategy) {
        return strategy.createTimestampAssigner(new TimestampAssignerSupplier.Context() {
            @Override
            public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }
        }).extractTimestamp("a consent", APPENDED);
    }

    @Test
    void theBacklogNeverEmitsAWatermarkNorGoesIdleSoEventTimeWaitsUntilItEnds() {
        WatermarkGenerator<String> backlog = generator(ControlWatermarks.backlog());
        Output output = new Output();
        for (int i = 0; i < 100; i++) {
            backlog.onEvent("old", APPENDED - 3_600_000 + i, output);
            backlog.onPeriodicEmit(output);
        }
        backlog.onPeriodicEmit(output); // a quiet spell changes nothing
        assertThat(output.watermarks).isZero();
        assertThat(output.idle).isZero();
    }

    @Test
    void whatFollowsTheBacklogIsIdleWhateverItReads() {
        WatermarkGenerator<String> after = generator(ControlWatermarks.afterBacklog());
        Output output = new Output();
        after.onPeriodicEmit(output);
        assertThat(output.idle).isEqualTo(1);
        after.onEvent("new", APPENDED, output);
        after.onPeriodicEmit(output);
        assertThat(output.idle).isEqualTo(2);
        assertThat(output.watermarks).isZero();
    }

    @Test
    void bothStampRecordsWithTheBrokersAppendTime() {
        assertThat(timestamp(ControlWatermarks.backlog())).isEqualTo(APPENDED);
        assertThat(timestamp(ControlWatermarks.afterBacklog())).isEqualTo(APPENDED);
    }
}
