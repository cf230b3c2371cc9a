package org.accessdetector.detection.anomaly;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.accessdetector.config.AnomalyConfig;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.PartnerApiCall;
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
 * FIRST_SEEN, keyed by partner: a resource and action, or for server-to-server calls (no signed-in user) a
 * source network, that the partner had not used within the lookback. Uses are grouped into episodes of calls
 * no more than the lookback apart; an episode that begins after the partner's warm-up (from its first call)
 * raises one FIRST_SEEN naming its first call.
 *
 * <p>Calls are judged a second of event time at a time, in order, once the watermark passes the second (in
 * replay: when the input ends), so the verdicts do not depend on arrival order. A call arriving after its
 * second was judged, within the horizon, is applied to the episodes as they stand: earlier than an episode's
 * first call it moves the episode's start (the FIRST_SEEN is retracted and raised again for it, or only
 * retracted when it joins the episode to the one before); later, it starts or extends one. Calls older than
 * the horizon are counted and change nothing.
 *
 * <p>State per partner: its first call; the uses of seconds not yet judged; one episode per resource/action
 * (a few dozen at most) and per server network (at most {@code detector.anomaly.first-seen.max-networks}),
 * each dropped once the lookback after its last call has passed; all of it, warm-up included, once the partner
 * has been idle that long. Timers: one per second with calls until it is judged, and one cleanup timer per
 * partner, coalesced to the hour.
 */
public class FirstSeenJudge extends KeyedProcessFunction<String, PartnerApiCall, Violation> {
    private static final long serialVersionUID = 1L;
    private static final long HOUR = Baseline.HOUR_MILLIS;
    private static final long SECOND = 1000L;

    private final DetectorConfig config;
    private final AnomalyConfig anomalies;
    private final long retention;
    private transient ValueState<Long> firstCall;
    private transient MapState<Long, PendingUses> pending;
    private transient MapState<String, SeenEpisode> episodes;
    private transient ValueState<Integer> networks;
    private transient ValueState<Long> nextCleanup;
    private transient Counter beyondHorizon;
    private transient Counter networksOverCap;
    private transient LabeledCounters retractions;

    public FirstSeenJudge(DetectorConfig config) {
        this.config = config;
        this.anomalies = config.anomalies();
        this.retention = config.callRetentionMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        firstCall = getRuntimeContext().getState(new ValueStateDescriptor<>("first-seen-first-call", Types.LONG));
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "first-seen-pending", Types.LONG, TypeInformation.of(PendingUses.class)));
        episodes = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "first-seen-episodes", Types.STRING, TypeInformation.of(SeenEpisode.class)));
        networks = getRuntimeContext().getState(new ValueStateDescriptor<>("first-seen-networks", Types.INT));
        nextCleanup = getRuntimeContext().getState(new ValueStateDescriptor<>("first-seen-cleanup", Types.LONG));
        var group = getRuntimeContext().getMetricGroup().addGroup(DetectorMetrics.GROUP);
        beyondHorizon = group.counter("first_seen_calls_beyond_horizon");
        networksOverCap = group.counter("first_seen_networks_over_cap");
        retractions = new LabeledCounters(getRuntimeContext().getMetricGroup(), "violations_retracted", "rule");
    }

    @Override
    public void processElement(PartnerApiCall call, Context ctx, Collector<Violation> out) throws Exception {
        long t = call.getEventTime();
        long watermark = ctx.timerService().currentWatermark();
        if (t + retention < watermark) {
            beyondHorizon.inc();
            return;
        }
        Long first = firstCall.value();
        if (first == null || t < first) {
            firstCall.update(t);
        }
        String network = call.getActingUserId() == null ? SourceNetwork.of(call.getSourceIp()) : null;
        long second = Math.floorDiv(t, SECOND) * SECOND;
        if (second + SECOND - 1 > watermark) {
            PendingUses uses = pending.get(second);
            if (uses == null) {
                uses = new PendingUses();
                ctx.timerService().registerEventTimeTimer(second + SECOND - 1);
            }
            add(uses, call.getResource() + "/" + call.getAction(), null, call);
            if (network != null) {
                add(uses, "n:" + network, network, call);
            }
            pending.put(second, uses);
        } else {
            // Its second was judged already: apply it to the episodes as they stand.
            judge(call.getResource() + "/" + call.getAction(), use(null, call), ctx, out);
            if (network != null) {
                judge("n:" + network, use(network, call), ctx, out);
            }
        }
    }

    private static void add(PendingUses uses, String key, String network, PartnerApiCall call) {
        PendingUses.Use u = uses.uses.get(key);
        long t = call.getEventTime();
        if (u == null) {
            uses.uses.put(key, use(network, call));
        } else if (t < u.firstAt || (t == u.firstAt && call.getCallId().compareTo(u.callId) < 0)) {
            PendingUses.Use earlier = use(network, call);
            earlier.lastAt = Math.max(u.lastAt, t);
            uses.uses.put(key, earlier);
        } else {
            u.lastAt = Math.max(u.lastAt, t);
        }
    }

    private static PendingUses.Use use(String network, PartnerApiCall call) {
        PendingUses.Use u = new PendingUses.Use();
        u.firstAt = call.getEventTime();
        u.lastAt = call.getEventTime();
        u.callId = call.getCallId();
        u.subjectUserId = call.getSubjectUserId();
        u.actingUserId = call.getActingUserId();
        u.appendedAt = call.getAppendedAt();
        u.resource = call.getResource();
        u.action = call.getAction();
        u.network = network;
        return u;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        long second = timestamp + 1 - SECOND;
        PendingUses uses = pending.get(second);
        if (uses != null) {
            pending.remove(second);
            for (Map.Entry<String, PendingUses.Use> e : new TreeMap<>(uses.uses).entrySet()) {
                judge(e.getKey(), e.getValue(), ctx, out);
            }
        }
        Long cleanup = nextCleanup.value();
        if (cleanup != null && cleanup == timestamp) {
            cleanUp(timestamp, ctx);
        }
    }

    /** Applies a use (the calls of one use in one second, or one late call) to its episode. */
    private void judge(String key, PendingUses.Use u, Context ctx, Collector<Violation> out) throws Exception {
        String partner = ctx.getCurrentKey();
        SeenEpisode e = episodes.get(key);
        if (e == null && u.network != null) {
            int n = networks.value() == null ? 0 : networks.value();
            if (n >= anomalies.maxNetworks()) {
                networksOverCap.inc();
                return;
            }
            networks.update(n + 1);
        }
        if (e == null || u.firstAt > e.lastAt + anomalies.lookbackMillis()) {
            SeenEpisode next = new SeenEpisode();
            if (e != null) {
                next.previousStart = e.start;
                next.previousLastAt = e.lastAt;
            }
            begin(partner, next, u, out);
            next.lastAt = u.lastAt;
            e = next;
        } else if (u.firstAt < e.start) {
            if (e.raised) {
                retractions.with(ViolationRule.FIRST_SEEN.name()).inc();
                out.collect(Violations.retracted(firstSeen(partner, e, u.network), "Retracted: a call that "
                        + "arrived late shows the partner used it earlier, at " + Instant.ofEpochMilli(u.firstAt)
                        + "."));
            }
            if (e.previousLastAt != null && u.firstAt <= e.previousLastAt + anomalies.lookbackMillis()) {
                // The late call bridges the gap: it is all one episode, begun long before.
                e.start = e.previousStart;
                e.raised = false;
                e.previousStart = null;
                e.previousLastAt = null;
            } else {
                begin(partner, e, u, out);
            }
            e.lastAt = Math.max(e.lastAt, u.lastAt);
        } else if (u.lastAt > e.lastAt) {
            e.lastAt = u.lastAt;
        } else {
            return; // nothing new: a redelivery, or a call inside the episode
        }
        episodes.put(key, e);
        if (nextCleanup.value() == null) {
            schedule(e.lastAt, ctx);
        }
    }

    private void begin(String partner, SeenEpisode e, PendingUses.Use u, Collector<Violation> out)
            throws Exception {
        e.start = u.firstAt;
        e.callId = u.callId;
        e.subjectUserId = u.subjectUserId;
        e.actingUserId = u.actingUserId;
        e.appendedAt = u.appendedAt;
        e.resource = u.resource;
        e.action = u.action;
        e.raised = e.start >= firstCall.value() + anomalies.warmUpMillis();
        if (e.raised) {
            out.collect(firstSeen(partner, e, u.network));
        }
    }

    private Violation firstSeen(String partnerId, SeenEpisode e, String network) {
        return Violations.firstSeen(config, partnerId, e.resource, e.action, network, e.callId, e.subjectUserId,
                e.actingUserId, e.start, e.appendedAt);
    }

    private void cleanUp(long now, Context ctx) throws Exception {
        long earliest = Long.MAX_VALUE;
        int networksLeft = 0;
        Iterator<Map.Entry<String, SeenEpisode>> it = episodes.iterator();
        while (it.hasNext()) {
            Map.Entry<String, SeenEpisode> entry = it.next();
            long lastAt = entry.getValue().lastAt;
            if (expiry(lastAt) <= now) {
                it.remove();
            } else {
                earliest = Math.min(earliest, lastAt);
                networksLeft += entry.getKey().startsWith("n:") ? 1 : 0;
            }
        }
        nextCleanup.clear();
        if (earliest != Long.MAX_VALUE) {
            networks.update(networksLeft);
            schedule(earliest, ctx);
        } else if (pending.isEmpty()) {
            // Idle for the whole lookback: forgotten, warm-up included.
            episodes.clear(); // an emptied map may still hold the key
            pending.clear();
            firstCall.clear();
            networks.clear();
        }
    }

    private void schedule(long lastAt, Context ctx) throws Exception {
        long at = Math.floorDiv(expiry(lastAt) + HOUR - 1, HOUR) * HOUR;
        nextCleanup.update(at);
        ctx.timerService().registerEventTimeTimer(at);
    }

    /** When an episode's entry may go: no call within the horizon can still join it. */
    private long expiry(long lastAt) {
        long e = lastAt + anomalies.lookbackMillis() + retention + 1;
        return e < lastAt ? Long.MAX_VALUE : e;
    }
}
