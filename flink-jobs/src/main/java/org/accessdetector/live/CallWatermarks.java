package org.accessdetector.live;

import java.time.Duration;
import org.accessdetector.schema.PartnerApiCall;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.types.Either;

/**
 * Event time of the calls stream: bounded out-of-orderness, except that a call stamped too far in the
 * future (past the wall clock plus the allowed skew) does not move the watermark, so one bad clock cannot
 * make every other call late; and event time never lags the wall clock by more than the maximum delay, so a
 * quiet stream or partition does not leave its last calls unjudged.
 */
public final class CallWatermarks<X> implements WatermarkGenerator<Either<PartnerApiCall, X>> {

    private final long outOfOrderness;
    private final long maxFutureSkew;
    private final long maxDelay;
    private long maxTimestamp;

    CallWatermarks(Duration outOfOrderness, Duration maxFutureSkew, Duration maxDelay) {
        this.outOfOrderness = outOfOrderness.toMillis();
        this.maxFutureSkew = maxFutureSkew.toMillis();
        this.maxDelay = maxDelay.toMillis();
        this.maxTimestamp = Long.MIN_VALUE + this.outOfOrderness + 1;
    }

    public static <X> WatermarkStrategy<Either<PartnerApiCall, X>> strategy(
            Duration outOfOrderness, Duration maxFutureSkew, Duration maxDelay) {
        return WatermarkStrategy.<Either<PartnerApiCall, X>>forGenerator(
                        ctx -> new CallWatermarks<>(outOfOrderness, maxFutureSkew, maxDelay))
                .withTimestampAssigner((e, kafkaTs) -> e.isLeft() ? e.left().getEventTime() : kafkaTs);
    }

    /** Whether a call's time is too far ahead of the wall clock to be trusted for event time. */
    static boolean skewed(long eventTime, long now, long maxFutureSkew) {
        return eventTime > now + maxFutureSkew;
    }

    @Override
    public void onEvent(Either<PartnerApiCall, X> event, long timestamp, WatermarkOutput output) {
        if (event.isLeft() && !skewed(timestamp, System.currentTimeMillis(), maxFutureSkew)) {
            maxTimestamp = Math.max(maxTimestamp, timestamp);
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long floor = System.currentTimeMillis() - maxDelay;
        output.emitWatermark(new Watermark(Math.max(maxTimestamp - outOfOrderness - 1, floor)));
    }
}
