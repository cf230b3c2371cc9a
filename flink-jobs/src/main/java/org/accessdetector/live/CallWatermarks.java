package org.accessdetector.live;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.accessdetector.schema.PartnerApiCall;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.types.Either;

/**
 * Event time of one calls partition, from the calls themselves: the newest call's time minus the allowed
 * out-of-orderness. A backlog of any size is read at its own pace and judged in its own time order, never
 * against the wall clock. Two exceptions keep detection moving:
 * <ul>
 *   <li>A partition that has yielded no call for {@code quiet} (wall clock) is caught up: its event time then
 *       moves on with the wall clock from its newest call, so the last calls before a quiet spell are judged
 *       within about {@code quiet} and a quiet partition does not stop the others. While a backlog is being
 *       read a partition is never quiet, so this never runs ahead of the data.
 *   <li>A partition that has never yielded a call is idle after {@code quiet}: it does not hold the others
 *       back (dead letters and skewed calls do not count).
 * </ul>
 * A call stamped more than {@code maxFutureSkew} past the wall clock does not move event time (one bad clock
 * must not make every other call late); it is judged once event time reaches its stamp.
 */
public final class CallWatermarks<X> implements WatermarkGenerator<Either<PartnerApiCall, X>> {

    private final long outOfOrderness;
    private final long maxFutureSkew;
    private final long quiet;
    private final LongSupplier clock;
    private long maxTimestamp = Long.MIN_VALUE;
    /** When this partition last yielded a call that may move event time (not a dead letter, not skewed). */
    private long lastCallAt;

    CallWatermarks(Duration outOfOrderness, Duration maxFutureSkew, Duration quiet, LongSupplier clock) {
        this.outOfOrderness = outOfOrderness.toMillis();
        this.maxFutureSkew = maxFutureSkew.toMillis();
        this.quiet = quiet.toMillis();
        this.clock = clock;
        this.lastCallAt = clock.getAsLong();
    }

    public static <X> WatermarkStrategy<Either<PartnerApiCall, X>> strategy(
            Duration outOfOrderness, Duration maxFutureSkew, Duration quiet) {
        return WatermarkStrategy.<Either<PartnerApiCall, X>>forGenerator(
                        ctx -> new CallWatermarks<>(outOfOrderness, maxFutureSkew, quiet, System::currentTimeMillis))
                .withTimestampAssigner((e, kafkaTs) -> e.isLeft() ? e.left().getEventTime() : kafkaTs);
    }

    /** Whether a call's time is too far ahead of the wall clock to be trusted for event time. */
    static boolean skewed(long eventTime, long now, long maxFutureSkew) {
        return eventTime > now + maxFutureSkew;
    }

    @Override
    public void onEvent(Either<PartnerApiCall, X> event, long timestamp, WatermarkOutput output) {
        long now = clock.getAsLong();
        if (event.isLeft() && !skewed(timestamp, now, maxFutureSkew)) {
            maxTimestamp = Math.max(maxTimestamp, timestamp);
            lastCallAt = now; // dead letters and skewed calls alone must not keep a partition from counting as quiet
        }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long quietFor = clock.getAsLong() - lastCallAt;
        if (maxTimestamp == Long.MIN_VALUE) {
            if (quietFor >= quiet) {
                output.markIdle();
            }
            return; // nothing to go on yet
        }
        long fromData = maxTimestamp - outOfOrderness - 1;
        long caughtUp = quietFor >= quiet ? saturatedAdd(maxTimestamp, quietFor - quiet) : Long.MIN_VALUE;
        output.emitWatermark(new Watermark(Math.max(fromData, caughtUp)));
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
