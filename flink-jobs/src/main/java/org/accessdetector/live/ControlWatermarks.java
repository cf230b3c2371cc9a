package org.accessdetector.live;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.TimestampAssigner;

/**
 * Event time of the control streams (agreements, consents): they never hold event time back. Control records
 * are state changes with their own effective times, often in the past or the future; a record that arrives
 * after the calls it covers were judged makes the judges look at those calls again (within the late horizon).
 */
public final class ControlWatermarks<T> implements WatermarkGenerator<T> {

    /** Just below Long.MAX_VALUE, which Flink reserves for "end of input". */
    static final long AHEAD_OF_EVERYTHING = Long.MAX_VALUE - 1;

    public static <T> WatermarkStrategy<T> strategy() {
        return WatermarkStrategy.<T>forGenerator(ctx -> new ControlWatermarks<>())
                .withTimestampAssigner(ctx -> (TimestampAssigner<T>) (e, kafkaTs) -> kafkaTs);
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {}

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.emitWatermark(new Watermark(AHEAD_OF_EVERYTHING));
    }
}
