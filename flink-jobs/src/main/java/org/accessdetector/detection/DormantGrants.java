package org.accessdetector.detection;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.rules.AgreementHistory;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Violation;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The {@code dormant_sensitive_grants{partner}} gauge, keyed by partner over the uses of its ALLOWED calls
 * (the latest per hour, combined before the shuffle by {@link ScopeUse.Latest}) and its agreement versions:
 * how many sensitive resource/actions the version in force grants that the partner has not used for
 * {@code detector.grants.dormant-after} (90 days) of event time, or since the detector started watching if
 * that is shorter. The least-privilege review's headline for the dashboard; `grants report` has the detail.
 * Writes no record: its output stream stays empty.
 *
 * <p>Recomputed once an hour of event time, on one timer per partner with an agreement (not in replay, whose
 * event time ends at the end of its input). State per partner with an agreement: its versions (few) and the
 * last use of each resource/action (a few dozen at most), uses dropped once older than the period; none for
 * the calls of unregistered partners. After a restart the gauge reappears at the partner's next hourly
 * recomputation.
 */
public class DormantGrants extends KeyedCoProcessFunction<String, ScopeUse, PartnerAgreement, Violation> {
    private static final long serialVersionUID = 1L;
    private static final long HOUR = 3_600_000L;

    private final DetectorConfig config;
    private final long period;
    private transient ValueState<List<PartnerAgreement>> versions;
    private transient MapState<String, Long> lastUsed;
    private transient ValueState<Long> nextTick;
    private transient MetricGroup metrics;
    /** The gauges' values, per partner of this subtask with an agreement. */
    private transient Map<String, Long> dormant;

    public DormantGrants(DetectorConfig config) {
        this.config = config;
        this.period = config.dormantAfterMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        versions = getRuntimeContext().getState(new ValueStateDescriptor<>("dormant-agreements",
                new ListTypeInfo<>(new AvroTypeInfo<>(PartnerAgreement.class))));
        lastUsed = getRuntimeContext().getMapState(new MapStateDescriptor<>("dormant-last-used", Types.STRING,
                Types.LONG));
        nextTick = getRuntimeContext().getState(new ValueStateDescriptor<>("dormant-next-tick", Types.LONG));
        metrics = getRuntimeContext().getMetricGroup().addGroup(DetectorMetrics.GROUP);
        dormant = new HashMap<>();
    }

    @Override
    public void processElement1(ScopeUse use, Context ctx, Collector<Violation> out) throws Exception {
        if (nextTick.value() == null) {
            // No recomputation scheduled: an unregistered partner (one with an agreement always has one), so no
            // grants to be dormant and no state for its id. Checked without reading the versions on every call.
            return;
        }
        String scope = use.scope();
        Long last = lastUsed.get(scope);
        if (last == null || use.lastUsedAt() > last) {
            lastUsed.put(scope, use.lastUsedAt());
        }
    }

    @Override
    public void processElement2(PartnerAgreement agreement, Context ctx, Collector<Violation> out) throws Exception {
        List<PartnerAgreement> list = versions.value() == null ? new ArrayList<>(1) : new ArrayList<>(versions.value());
        list.add(agreement);
        versions.update(list);
        tick(agreement.getEffectiveFrom(), ctx);
    }

    /** Makes sure the partner's hourly recomputation is scheduled. */
    private void tick(long t, Context ctx) throws Exception {
        if (nextTick.value() == null) {
            long at = nextHour(Math.max(t, ctx.timerService().currentWatermark()));
            nextTick.update(at);
            ctx.timerService().registerEventTimeTimer(at);
        }
    }

    private static long nextHour(long t) {
        return t >= Long.MAX_VALUE - HOUR ? Long.MAX_VALUE : Math.floorDiv(t, HOUR) * HOUR + HOUR;
    }

    /** The first hourly recomputation that reads a use at {@code t}: on the hour, at or after it. */
    static long recomputationAtOrAfter(long t) {
        long floor = Math.floorDiv(t, HOUR) * HOUR;
        return floor == t ? t : nextHour(t);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        nextTick.clear();
        long now = Math.max(timestamp, ctx.timerService().currentWatermark());
        if (now == Long.MAX_VALUE) {
            return; // the end of a replay's input: there is no "now" to be dormant at
        }
        Iterator<Map.Entry<String, Long>> it = lastUsed.iterator();
        while (it.hasNext()) {
            if (it.next().getValue() <= now - period) {
                it.remove(); // dormant again: the same as never used
            }
        }
        String partner = ctx.getCurrentKey();
        long count = count(versions.value(), now);
        if (!dormant.containsKey(partner)) {
            metrics.addGroup("partner", partner).gauge("dormant_sensitive_grants",
                    (Gauge<Long>) () -> dormant.getOrDefault(partner, 0L));
        }
        dormant.put(partner, count);
        // Hourly for as long as the partner has an agreement: its grants can go dormant or lapse at any time.
        nextTick.update(nextHour(now));
        ctx.timerService().registerEventTimeTimer(nextHour(now));
    }

    /** The sensitive grants of the version in force at {@code t} without a use in the period before it. */
    long count(List<PartnerAgreement> partnerVersions, long t) throws Exception {
        AgreementHistory history = AgreementHistory.of(partnerVersions);
        if (!history.inForceAndActiveAt(t)) {
            return 0; // nothing granted
        }
        long n = 0;
        for (Grant g : history.inForceAt(t).getGrants()) {
            if (config.isSensitive(g.getResource())) {
                for (Action a : g.getActions()) {
                    Long last = lastUsed.get(ScopeUse.scope(g.getResource(), a));
                    if (last == null || last <= t - period || last > t) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** The value of the partner's gauge as last computed, or null before its first recomputation. */
    Long dormantSensitiveGrants(String partner) {
        return dormant.get(partner);
    }
}
