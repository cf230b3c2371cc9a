package org.accessdetector.live;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time of the control streams (agreements, consents): they never hold event time back, nor push it.
 * Control records are state changes with their own effective times, often in the past or the future, so the
 * streams stay idle for watermarking and event time follows the calls. A control record that arrives after
 * the calls it covers were judged makes the judges look at those calls again (within the late horizon).
 */
public final class ControlWatermarks<T> implements WatermarkGenerator<T> {

    public static <T> WatermarkStrategy<T> strategy() {
        return WatermarkStrategy.<T>forGenerator(ctx -> new ControlWatermarks<>())
                .withTimestampAssigner(ctx -> (TimestampAssigner<T>) (e, kafkaTs) -> kafkaTs);
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {}

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.markIdle();
    }
}
