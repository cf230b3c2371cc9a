package org.accessdetector.detection;

import java.util.List;
import java.util.Map;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.AgreementHistory;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.runtime.state.KeyedStateFunction;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Rates, keyed by partner, resource and action, with the agreements broadcast: sums the records of in-scope
 * calls per epoch-aligned minute and, once event time passes the minute, judges it by the limit of the
 * version in force at the minute's start. Each minute has at most one RATE_LIMIT violation, whose id is the
 * minute's. A minute is kept for the retention horizon after it ends and judged again whenever it changes:
 * records that arrive late (or are taken back when a call turns out out of scope), or a late agreement
 * version that changes the limit in force at its start. A changed verdict is written again under the same
 * id: new figures RAISED, or RETRACTED when the minute is no longer above its limit.
 *
 * <p>State: one small entry per partner/resource/action minute with in-scope calls, for the minute plus the
 * horizon. Timers: two per such minute (its end, and the end of its horizon).
 */
public class RateJudge extends KeyedBroadcastProcessFunction<String, RateSample, PartnerAgreement, Violation> {
    private static final long serialVersionUID = 1L;

    private final DetectorConfig config;
    private final long retention;
    private transient MapStateDescriptor<Long, RateWindow> windowsDescriptor;
    private transient MapState<Long, RateWindow> windows;
    private transient Counter beyondHorizon;
    private transient LabeledCounters retractions;

    public RateJudge(DetectorConfig config) {
        this.config = config;
        this.retention = config.callRetentionMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        windowsDescriptor = new MapStateDescriptor<>("rate-windows", Types.LONG, TypeInformation.of(RateWindow.class));
        windows = getRuntimeContext().getMapState(windowsDescriptor);
        beyondHorizon = getRuntimeContext().getMetricGroup().addGroup(DetectorMetrics.GROUP)
                .counter("rate_samples_beyond_horizon");
        retractions = new LabeledCounters(getRuntimeContext().getMetricGroup(), "violations_retracted", "rule");
    }

    @Override
    public void processElement(RateSample sample, ReadOnlyContext ctx, Collector<Violation> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        long last = lastMillisOf(sample.windowStart());
        RateWindow window = windows.get(sample.windowStart());
        if (window == null) {
            if (last + retention < watermark) {
                beyondHorizon.inc(); // its minute was final long ago: counted, not reopened as a fragment
                return;
            }
            window = RateWindow.of(sample);
            ctx.timerService().registerEventTimeTimer(last);
            ctx.timerService().registerEventTimeTimer(expiry(last));
        }
        window.observed += sample.records();
        if (window.closed) {
            judge(sample.windowStart(), window, history(ctx.getBroadcastState(AgreementBroadcast.VERSIONS),
                    window.partnerId), out);
        }
        windows.put(sample.windowStart(), window);
    }

    @Override
    public void processBroadcastElement(PartnerAgreement agreement, Context ctx, Collector<Violation> out)
            throws Exception {
        long from = AgreementBroadcast.changesFrom(ctx.getBroadcastState(AgreementBroadcast.VERSIONS), agreement);
        AgreementHistory history = AgreementBroadcast.add(ctx.getBroadcastState(AgreementBroadcast.VERSIONS), agreement);
        if (from > ctx.currentWatermark()) {
            return;
        }
        // The limit in force at the start of closed minutes from the version's start may have changed.
        String partner = agreement.getPartnerId();
        ctx.applyToKeyedState(windowsDescriptor, (KeyedStateFunction<String, MapState<Long, RateWindow>>) (key, state) -> {
            for (Map.Entry<Long, RateWindow> e : state.entries()) {
                RateWindow w = e.getValue();
                if (w.closed && e.getKey() >= from && w.partnerId.equals(partner)) {
                    judge(e.getKey(), w, history, out);
                    e.setValue(w);
                }
            }
        });
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        long windowStart = timestamp - (Violations.MINUTE_MILLIS - 1);
        RateWindow ending = windows.get(windowStart);
        if (ending != null && !ending.closed) {
            ending.closed = true;
            judge(windowStart, ending, history(ctx.getBroadcastState(AgreementBroadcast.VERSIONS), ending.partnerId),
                    out);
            windows.put(windowStart, ending);
        }
        // The minute whose horizon ends now can no longer change.
        for (Map.Entry<Long, RateWindow> e : windows.entries()) {
            if (e.getKey() < windowStart && expiry(lastMillisOf(e.getKey())) == timestamp) {
                windows.remove(e.getKey());
                break;
            }
        }
    }

    /** Writes the minute's verdict if it differs from the one in force. */
    private void judge(long windowStart, RateWindow w, AgreementHistory history, Collector<Violation> out) {
        AgreementHistory.RateLimit limit = history.rateLimitAt(windowStart, w.resource, w.action);
        boolean above = limit != null && w.observed > limit.maxRecordsPerMinute();
        if (above) {
            boolean same = w.raisedObserved != null && w.raisedObserved == w.observed
                    && w.raisedLimit == limit.maxRecordsPerMinute() && w.raisedVersion == limit.agreementVersion();
            if (!same) {
                out.collect(Violations.rateLimit(config, w.partnerId, w.resource, w.action, windowStart, w.observed,
                        limit.maxRecordsPerMinute(), limit.agreementVersion()));
                w.raisedObserved = w.observed;
                w.raisedLimit = limit.maxRecordsPerMinute();
                w.raisedVersion = limit.agreementVersion();
            }
        } else if (w.raisedObserved != null) {
            retractions.with(ViolationRule.RATE_LIMIT.name()).inc();
            Violation raised = Violations.rateLimit(config, w.partnerId, w.resource, w.action, windowStart, w.observed,
                    limit == null ? w.raisedLimit : limit.maxRecordsPerMinute(),
                    limit == null ? w.raisedVersion : limit.agreementVersion());
            out.collect(Violations.retracted(raised, "Retracted: records or an agreement version that arrived late "
                    + "put the minute at " + w.observed + " records, "
                    + (limit == null ? "with no limit in force." : "within its limit of " + limit.maxRecordsPerMinute()
                    + ".")));
            w.raisedObserved = null;
            w.raisedLimit = null;
            w.raisedVersion = null;
        }
    }

    private static AgreementHistory history(ReadOnlyBroadcastState<String, List<PartnerAgreement>> state,
            String partnerId) throws Exception {
        return AgreementBroadcast.history(state, partnerId);
    }

    private long expiry(long lastMillis) {
        long e = lastMillis + retention + 1;
        return e < lastMillis ? Long.MAX_VALUE : e;
    }

    /** The window's violation carries the minute's last millisecond as its event time. */
    static long lastMillisOf(long windowStart) {
        return windowStart + Violations.MINUTE_MILLIS - 1;
    }
}
