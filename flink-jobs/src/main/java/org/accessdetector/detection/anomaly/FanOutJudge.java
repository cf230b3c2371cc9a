package org.accessdetector.detection.anomaly;

import org.accessdetector.typeinfo.RecordTypes;
import java.util.Iterator;
import org.accessdetector.config.AnomalyConfig;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * FAN_OUT, keyed by credential: a partner's access token, or for calls without one the signed-in user they
 * were made for (calls with neither are not judged). Counts the distinct subject users of each epoch-aligned
 * window; it is judged as soon as it is over its threshold (users only add up) and again once event time
 * passes it, with the final count: above the ceiling always, and with enough history
 * above the factor times the credential's median busiest window too (never at or below the floor). Like the
 * other window rules, a window is kept for the retention horizon after it ends and judged again when late
 * calls add users; a window over the baseline (not the ceiling) during the key's warm-up is in shadow mode.
 *
 * <p>State per key: for each window of the horizon its users (at most the ceiling plus one, so one credential
 * cannot grow state without bound; dropped when the window expires) and its figures; the busiest window of each active hour of the baseline
 * window; the first window. Timers: a window's end and expiry, and one coalesced cleanup timer.
 */
public class FanOutJudge extends KeyedProcessFunction<String, PartnerApiCall, Violation> {
    private static final long serialVersionUID = 1L;
    private static final int ACTIONS = Action.values().length;

    private final DetectorConfig config;
    private final AnomalyConfig anomalies;
    private final long retention;
    private final long width;
    private transient MapState<Long, FanOutWindow> windows;
    private transient MapState<String, Boolean> users;
    private transient HourlyPeaks history;
    private transient ValueState<Long> firstWindow;
    private transient Counter beyondHorizon;
    private transient LabeledCounters retractions;

    public FanOutJudge(DetectorConfig config) {
        this.config = config;
        this.anomalies = config.anomalies();
        this.retention = config.callRetentionMillis();
        this.width = anomalies.fanOutWindowMillis();
    }

    /** Whether a call carries a credential to judge: a token, or a signed-in user. */
    public static boolean hasCredential(PartnerApiCall call) {
        return call.getTokenId() != null || call.getActingUserId() != null;
    }

    /** The key: partner and token, or partner and signed-in user for calls without a token. */
    public static String credentialKey(PartnerApiCall call) {
        return call.getTokenId() != null
                ? call.getPartnerId() + "|t:" + call.getTokenId()
                : call.getPartnerId() + "|u:" + call.getActingUserId();
    }

    @Override
    public void open(OpenContext openContext) {
        windows = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "fan-out-windows", Types.LONG, TypeInformation.of(FanOutWindow.class)));
        users = getRuntimeContext().getMapState(new MapStateDescriptor<>("fan-out-users",
                RecordTypes.inState(Types.STRING), Types.BOOLEAN));
        history = new HourlyPeaks(getRuntimeContext(), "fan-out", anomalies, retention);
        firstWindow = getRuntimeContext().getState(new ValueStateDescriptor<>("fan-out-first-window", Types.LONG));
        beyondHorizon = getRuntimeContext().getMetricGroup().addGroup(DetectorMetrics.GROUP)
                .counter("fan_out_calls_beyond_horizon");
        retractions = new LabeledCounters(getRuntimeContext().getMetricGroup(), "violations_retracted", "rule");
    }

    @Override
    public void processElement(PartnerApiCall call, Context ctx, Collector<Violation> out) throws Exception {
        long start = Math.floorDiv(call.getEventTime(), width) * width;
        FanOutWindow w = windows.get(start);
        if (w == null) {
            if (start + width - 1 + retention < ctx.timerService().currentWatermark()) {
                beyondHorizon.inc(); // final long ago: counted, not reopened as a fragment
                return;
            }
            w = new FanOutWindow();
            w.partnerId = call.getPartnerId();
            w.tokenId = call.getTokenId();
            w.actingUserId = call.getTokenId() == null ? call.getActingUserId() : null;
            ctx.timerService().registerEventTimeTimer(start + width - 1);
            ctx.timerService().registerEventTimeTimer(expiry(start));
            Long first = firstWindow.value();
            if (first == null || start < first) {
                firstWindow.update(start);
            }
        }
        long before = w.distinct;
        long scopesBefore = w.scopes;
        w.scopes |= 1L << (call.getResource().ordinal() * ACTIONS + call.getAction().ordinal());
        if (w.distinct <= anomalies.fanOutCeiling()) {
            String user = start + "|" + call.getSubjectUserId();
            if (!users.contains(user)) {
                users.put(user, Boolean.TRUE);
                w.distinct++;
            }
        }
        if (w.closed && (w.distinct != before || w.scopes != scopesBefore)) {
            judge(start, w, out);
        } else if (!w.closed && w.raisedDistinct == null && w.distinct != before && w.distinct > anomalies.fanOutFloor()
                && ctx.timerService().currentWatermark() >= start) {
            // Users only ever add up, so a window over its threshold is raised at once, not at its end (which
            // writes the final count under the same id). Its baseline is final from its start on.
            if (w.threshold == null) {
                w.threshold = threshold(history.before(start));
            }
            if (w.distinct > w.threshold) {
                judge(start, w, out);
            }
        }
        windows.put(start, w);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        long endingStart = timestamp + 1 - width;
        FanOutWindow ending = windows.get(endingStart);
        if (ending != null && !ending.closed) {
            ending.closed = true;
            judge(endingStart, ending, out);
            windows.put(endingStart, ending);
        }
        long expiringStart = timestamp - retention - width;
        FanOutWindow expiring = windows.get(expiringStart);
        if (expiring != null && expiry(expiringStart) == timestamp) {
            history.fold(expiringStart, expiring.distinct, ctx.timerService());
            windows.remove(expiringStart);
            if (windows.isEmpty()) {
                users.clear();
            } else {
                // Its users go with it: a pass over the few windows' users of the horizon, once per window.
                Iterator<String> it = users.keys().iterator();
                while (it.hasNext()) {
                    String user = it.next();
                    if (Long.parseLong(user.substring(0, user.indexOf('|'))) <= expiringStart) {
                        it.remove();
                    }
                }
            }
        }
        if (history.onTimer(timestamp, ctx.timerService()) && windows.isEmpty()) {
            firstWindow.clear(); // idle for the baseline window: forgotten, and warms up again
        }
    }

    private void judge(long start, FanOutWindow w, Collector<Violation> out) throws Exception {
        Baseline baseline = history.before(start);
        double threshold = threshold(baseline);
        if (w.distinct > threshold) {
            // Over the ceiling needs no history; over a baseline still being learned is only shadowed.
            boolean shadow = w.distinct <= anomalies.fanOutCeiling()
                    && start < firstWindow.value() + anomalies.warmUpMillis();
            boolean same = w.raisedDistinct != null && w.raisedDistinct == w.distinct
                    && w.raisedThreshold == threshold && w.raisedScopes == w.scopes && w.raisedShadow == shadow;
            if (!same) {
                out.collect(fanOut(start, w, baseline, threshold, shadow));
                w.raisedDistinct = w.distinct;
                w.raisedThreshold = threshold;
                w.raisedScopes = w.scopes;
                w.raisedShadow = shadow;
            }
        }
        // Users are only ever added, so a window over its threshold stays over it: nothing to retract.
    }

    private Violation fanOut(long start, FanOutWindow w, Baseline baseline, double threshold, boolean shadow) {
        int bit = Long.numberOfTrailingZeros(w.scopes);
        Resource resource = Resource.values()[bit / ACTIONS];
        Action action = Action.values()[bit % ACTIONS];
        return Violations.fanOut(config, w.partnerId, w.tokenId, w.actingUserId, resource, action, start,
                start + width, w.distinct, baseline == null ? null : baseline.median(), threshold, shadow);
    }

    /** The distinct users a window must exceed: the ceiling, or with history the factor over its median. */
    double threshold(Baseline b) {
        if (b == null) {
            return anomalies.fanOutCeiling();
        }
        return Math.min(anomalies.fanOutCeiling(), Math.max(anomalies.fanOutFloor(),
                anomalies.fanOutFactor() * b.median()));
    }

    private long expiry(long start) {
        long e = start + width + retention;
        return e < start ? Long.MAX_VALUE : e;
    }
}
