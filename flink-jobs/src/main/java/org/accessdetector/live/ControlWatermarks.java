package org.accessdetector.live;

import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time of the control streams (agreements, consents). Control records are state changes with their own
 * effective times, often in the past or the future, so they do not drive event time: it follows the calls, and a
 * control record that arrives after the calls it covers were judged makes the judges look at those calls again
 * (within the late horizon).
 *
 * <p>Except at the start of a new job, which reads the compacted control topics from their beginning: a call
 * judged before its partner's agreement or its user's consent is read would be reported wrongly. So each control
 * topic is read by two sources ({@link ControlHandoff}): the backlog, up to each partition's end offset at the
 * start, emits no watermark of its own ({@link #backlog()}); {@link EndOfBacklog} sends the end of event time when
 * it has all been read, and {@link IdleAfterBacklog} holds event time (and every call) back until then, and marks
 * the control stream idle from then on. What follows the backlog is {@link #afterBacklog() idle} for
 * watermarking. Record timestamps are the broker's append times (the control topics keep log-append time).
 */
public final class ControlWatermarks<T> implements WatermarkGenerator<T> {

    private ControlWatermarks() {}

    /** The backlog's: no watermark until it ends (then the end of input's). */
    public static <T> WatermarkStrategy<T> backlog() {
        return WatermarkStrategy.<T>noWatermarks().withTimestampAssigner(ctx -> appendedAt());
    }

    /** What follows the backlog: always idle, so the calls alone move event time on. */
    public static <T> WatermarkStrategy<T> afterBacklog() {
        return WatermarkStrategy.<T>forGenerator(ctx -> new ControlWatermarks<>())
                .withTimestampAssigner(ctx -> appendedAt());
    }

    private static <T> TimestampAssigner<T> appendedAt() {
        return (e, appendedAt) -> appendedAt;
    }

    @Override
    public void onEvent(T event, long appendedAt, WatermarkOutput output) {}

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        output.markIdle();
    }
}
