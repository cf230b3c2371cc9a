package org.accessdetector.detection;

import org.accessdetector.config.DetectorConfig;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Violation;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Rates, keyed by partner, resource and action: sums the records of in-scope calls per epoch-aligned minute
 * and, once the watermark passes the minute, raises one RATE_LIMIT violation if the sum exceeds the limit
 * that was in force at the minute's start.
 */
public class RateJudge extends KeyedProcessFunction<String, RateSample, Violation> {
    private static final long serialVersionUID = 1L;

    private final DetectorConfig config;
    private transient MapState<Long, RateWindow> windows;

    public RateJudge(DetectorConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        windows = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "rate-windows", Types.LONG, TypeInformation.of(RateWindow.class)));
    }

    @Override
    public void processElement(RateSample sample, Context ctx, Collector<Violation> out) throws Exception {
        RateWindow window = windows.get(sample.windowStart());
        if (window == null) {
            window = RateWindow.startedBy(sample);
            ctx.timerService().registerEventTimeTimer(lastMillisOf(sample.windowStart()));
        }
        windows.put(sample.windowStart(), window.plus(sample.recordCount()));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        long windowStart = timestamp - (Violations.MINUTE_MILLIS - 1);
        RateWindow window = windows.get(windowStart);
        windows.remove(windowStart);
        if (window == null || window.observed() <= window.limit()) {
            return;
        }
        out.collect(Violations.rateLimit(config, window.partnerId(), window.resource(), window.action(), windowStart,
                window.observed(), window.limit(), window.agreementVersion()));
    }

    /** The window's violation carries the minute's last millisecond as its event time. */
    static long lastMillisOf(long windowStart) {
        return windowStart + Violations.MINUTE_MILLIS - 1;
    }
}
