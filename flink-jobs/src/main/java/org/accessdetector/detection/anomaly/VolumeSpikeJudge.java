package org.accessdetector.detection.anomaly;

import org.accessdetector.config.AnomalyConfig;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.RateSample;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.Violations;
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
 * VOLUME_SPIKE, keyed by partner, resource and action over the rate samples of in-scope calls (counted once
 * per call, redeliveries dropped): records per epoch-aligned minute against the key's own learned busiest
 * minute. Once event time passes a minute it is judged by the {@link Baseline} of the hours before it; a spike
 * is above the floor, the factor times the median, and the median plus the configured robust deviations. A
 * minute is kept for the retention horizon after it ends and judged again whenever late records change it;
 * a changed verdict is written again under the minute's id (RETRACTED when it is no longer a spike). Spikes
 * while the key is still in its warm-up are written in shadow mode. With too few hours of history, none.
 *
 * <p>State per key: the minutes of the horizon; the busiest minute of each active hour of the baseline window
 * (at most one entry per hour, folded in as minutes expire); the key's first minute. Timers: a minute's end and
 * expiry, and one coalesced cleanup timer that clears the history of a key idle for the baseline window.
 */
public class VolumeSpikeJudge extends KeyedProcessFunction<String, RateSample, Violation> {
    private static final long serialVersionUID = 1L;
    private static final long MINUTE = Violations.MINUTE_MILLIS;

    private final DetectorConfig config;
    private final AnomalyConfig anomalies;
    private final long retention;
    private transient MapState<Long, VolumeMinute> minutes;
    private transient HourlyPeaks history;
    private transient ValueState<Long> firstMinute;
    private transient Counter beyondHorizon;
    private transient LabeledCounters retractions;

    public VolumeSpikeJudge(DetectorConfig config) {
        this.config = config;
        this.anomalies = config.anomalies();
        this.retention = config.callRetentionMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        minutes = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "volume-minutes", Types.LONG, TypeInformation.of(VolumeMinute.class)));
        history = new HourlyPeaks(getRuntimeContext(), "volume", anomalies, retention);
        firstMinute = getRuntimeContext().getState(new ValueStateDescriptor<>("volume-first-minute", Types.LONG));
        beyondHorizon = getRuntimeContext().getMetricGroup().addGroup(DetectorMetrics.GROUP)
                .counter("volume_samples_beyond_horizon");
        retractions = new LabeledCounters(getRuntimeContext().getMetricGroup(), "violations_retracted", "rule");
    }

    @Override
    public void processElement(RateSample sample, Context ctx, Collector<Violation> out) throws Exception {
        long start = sample.windowStart();
        VolumeMinute minute = minutes.get(start);
        if (minute == null) {
            if (start + MINUTE - 1 + retention < ctx.timerService().currentWatermark()) {
                beyondHorizon.inc(); // final long ago: counted, not reopened as a fragment
                return;
            }
            minute = new VolumeMinute();
            minute.partnerId = sample.partnerId();
            minute.resource = sample.resource();
            minute.action = sample.action();
            ctx.timerService().registerEventTimeTimer(start + MINUTE - 1);
            ctx.timerService().registerEventTimeTimer(expiry(start));
            Long first = firstMinute.value();
            if (first == null || start < first) {
                firstMinute.update(start);
            }
        }
        minute.observed += sample.records();
        if (minute.closed) {
            judge(start, minute, out);
        }
        minutes.put(start, minute);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        long endingStart = timestamp - (MINUTE - 1);
        VolumeMinute ending = minutes.get(endingStart);
        if (ending != null && !ending.closed) {
            ending.closed = true;
            judge(endingStart, ending, out);
            minutes.put(endingStart, ending);
        }
        long expiringStart = timestamp - retention - MINUTE;
        VolumeMinute expiring = expiringStart == endingStart ? null : minutes.get(expiringStart);
        if (expiring != null && expiry(expiringStart) == timestamp) {
            history.fold(expiringStart, expiring.observed, ctx.timerService());
            minutes.remove(expiringStart);
        }
        if (history.onTimer(timestamp, ctx.timerService()) && minutes.isEmpty()) {
            firstMinute.clear(); // idle for the baseline window: forgotten, and warms up again
        }
    }

    /** Writes the minute's verdict if it differs from the one in force. */
    private void judge(long start, VolumeMinute m, Collector<Violation> out) throws Exception {
        Baseline baseline = history.before(start);
        double threshold = baseline == null ? Double.POSITIVE_INFINITY : threshold(baseline);
        if (m.observed > threshold) {
            boolean shadow = start < firstMinute.value() + anomalies.warmUpMillis();
            boolean same = m.raisedObserved != null && m.raisedObserved == m.observed
                    && m.raisedThreshold == threshold && m.raisedShadow == shadow;
            if (!same) {
                out.collect(spike(start, m, baseline, threshold, shadow));
                m.raisedObserved = m.observed;
                m.raisedThreshold = threshold;
                m.raisedShadow = shadow;
            }
        } else if (m.raisedObserved != null) {
            retractions.with(ViolationRule.VOLUME_SPIKE.name()).inc();
            Violation raised = spike(start, m, baseline, m.raisedThreshold, m.raisedShadow);
            out.collect(Violations.retracted(raised, "Retracted: records that arrived late put the minute at "
                    + m.observed + " records, not above its threshold."));
            m.raisedObserved = null;
            m.raisedThreshold = null;
        }
    }

    private Violation spike(long start, VolumeMinute m, Baseline baseline, double threshold, boolean shadow) {
        return Violations.volumeSpike(config, m.partnerId, m.resource, m.action, start, m.observed,
                baseline == null ? 0 : baseline.median(), threshold, baseline == null ? 0 : baseline.hours(), shadow);
    }

    /** The figure a minute must exceed to be a spike. */
    double threshold(Baseline b) {
        return Math.max(anomalies.volumeFloor(), Math.max(anomalies.volumeFactor() * b.median(),
                b.median() + anomalies.volumeDeviations() * b.robustDeviation()));
    }

    private long expiry(long start) {
        long e = start + MINUTE + retention;
        return e < start ? Long.MAX_VALUE : e;
    }
}
