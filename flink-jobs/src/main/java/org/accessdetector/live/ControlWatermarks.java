package org.accessdetector.live;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Event time of the control streams (agreements, consents). Control records are state changes with their own
 * effective times, often in the past or the future, so once a control topic has been read these streams stay
 * idle for watermarking and event time follows the calls; a control record that arrives after the calls it
 * covers were judged makes the judges look at those calls again (within the late horizon).
 *
 * <p>Until then, at start-up, a control partition holds event time back: a new job reads the compacted topics
 * from the start, and a call judged before its partner's agreement or its user's consent is read would be
 * reported wrongly, and a violation is never retracted. A partition has been read once it yields a record
 * appended after the reader started (its backlog is behind it) or has been quiet for {@code quiet} (its
 * backlog is read, or it has none); {@code maxHold} bounds the wait whatever happens. Record timestamps are
 * the broker's append times (the control topics keep log-append time).
 */
public final class ControlWatermarks<T> implements WatermarkGenerator<T> {

    private final long quiet;
    private final long maxHold;
    private final LongSupplier clock;
    private final long startedAt;
    private long lastRecordAt;
    private boolean read;

    ControlWatermarks(Duration quiet, Duration maxHold, LongSupplier clock) {
        this.quiet = quiet.toMillis();
        this.maxHold = maxHold.toMillis();
        this.clock = clock;
        this.startedAt = clock.getAsLong();
        this.lastRecordAt = startedAt;
    }

    public static <T> WatermarkStrategy<T> strategy(Duration quiet, Duration maxHold) {
        return WatermarkStrategy.<T>forGenerator(ctx -> new ControlWatermarks<>(quiet, maxHold, System::currentTimeMillis))
                .withTimestampAssigner(ctx -> (TimestampAssigner<T>) (e, appendedAt) -> appendedAt);
    }

    /** Whether this partition has been read up to the time the reader started, so it no longer holds event time. */
    boolean read() {
        return read;
    }

    @Override
    public void onEvent(T event, long appendedAt, WatermarkOutput output) {
        lastRecordAt = clock.getAsLong();
        // Allow for the broker's clock being a little behind ours: what was appended a moment before the start
        // is read a moment after the release, in offset order.
        if (appendedAt >= startedAt - quiet) {
            read = true;
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long now = clock.getAsLong();
        if (!read && (now - lastRecordAt >= quiet || now - startedAt >= maxHold)) {
            read = true;
        }
        if (read) {
            output.markIdle();
        }
        // Otherwise neither a watermark nor idle: this input keeps event time where it is, so calls wait.
    }
}
