package org.accessdetector.detection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.ConsentHistory;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Consent, keyed by user: keeps the user's consent events (per partner, and the platform-wide sharing
 * setting) and answers each {@link ConsentCheck} by the state at the call's own event time. Checks wait until
 * the watermark passes their time so consent events that arrive out of order still apply. Answered checks
 * are kept for the late horizon: a consent event that arrives after the checks it covers were answered
 * (a late withdrawal) answers them again, and a check that now fails is reported.
 */
public class ConsentJudge extends KeyedCoProcessFunction<String, ConsentCheck, ConsentEvent, ConsentFinding> {
    private static final long serialVersionUID = 1L;

    private final long lateHorizonMillis;

    /** The key under which platform-wide sharing events are kept (partner ids are never empty). */
    static final String PLATFORM_WIDE = "";

    private static final Comparator<ConsentCheck> BY_CALL_ID = Comparator.comparing(ConsentCheck::callId);

    private transient MapState<String, List<ConsentEvent>> eventsByPartner;
    private transient MapState<Long, List<ConsentCheck>> pendingChecks;
    private transient MapState<Long, List<JudgedCheck>> judgedChecks;
    private transient Counter lateConsents;

    /** @param lateHorizonMillis how long answered checks are kept for consent events that arrive late */
    public ConsentJudge(long lateHorizonMillis) {
        this.lateHorizonMillis = lateHorizonMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        eventsByPartner = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "consent-events", Types.STRING, new ListTypeInfo<>(new AvroTypeInfo<>(ConsentEvent.class))));
        pendingChecks = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "pending-checks", Types.LONG, new ListTypeInfo<>(TypeInformation.of(ConsentCheck.class))));
        judgedChecks = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "judged-checks", Types.LONG, new ListTypeInfo<>(TypeInformation.of(JudgedCheck.class))));
        lateConsents = new LabeledCounters(getRuntimeContext().getMetricGroup(), "late_control_records", "kind")
                .with("consent");
    }

    @Override
    public void processElement1(ConsentCheck check, Context ctx, Collector<ConsentFinding> out) throws Exception {
        long t = check.eventTime();
        List<ConsentCheck> atT = pendingChecks.get(t);
        if (atT == null) {
            atT = new ArrayList<>(1);
            ctx.timerService().registerEventTimeTimer(t);
        }
        atT.add(check);
        pendingChecks.put(t, atT);
    }

    @Override
    public void processElement2(ConsentEvent event, Context ctx, Collector<ConsentFinding> out) throws Exception {
        String key = isSharingEvent(event.getType()) ? PLATFORM_WIDE : event.getPartnerId();
        if (key == null) {
            return; // the parsers reject a per-partner event without a partner; nothing to key it by here
        }
        List<ConsentEvent> events = eventsByPartner.get(key);
        if (events == null) {
            events = new ArrayList<>(1);
        }
        events.add(event);
        eventsByPartner.put(key, events);
        if (event.getEventTime() <= ctx.timerService().currentWatermark()) {
            lateConsents.inc();
            recheckFrom(event.getEventTime(), out);
        }
    }

    /** Answers again the kept checks at or after {@code from}; a check that now fails is reported as a revision. */
    private void recheckFrom(long from, Collector<ConsentFinding> out) throws Exception {
        List<ConsentEvent> sharing = eventsByPartner.get(PLATFORM_WIDE);
        List<Map.Entry<Long, List<JudgedCheck>>> updates = new ArrayList<>();
        for (Map.Entry<Long, List<JudgedCheck>> entry : judgedChecks.entries()) {
            if (entry.getKey() < from) {
                continue;
            }
            List<JudgedCheck> again = new ArrayList<>(entry.getValue().size());
            boolean changed = false;
            for (JudgedCheck j : entry.getValue()) {
                String failure = failure(j.check(), sharing);
                if (failure != null && !j.failed()) {
                    out.collect(new ConsentFinding(j.check(), failure, true));
                    changed = true;
                }
                again.add(new JudgedCheck(j.check(), j.failed() || failure != null));
            }
            if (changed) {
                updates.add(Map.entry(entry.getKey(), again));
            }
        }
        for (Map.Entry<Long, List<JudgedCheck>> u : updates) {
            judgedChecks.put(u.getKey(), u.getValue());
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ConsentFinding> out) throws Exception {
        if (lateHorizonMillis > 0) {
            judgedChecks.remove(timestamp - lateHorizonMillis); // beyond the horizon: late events no longer apply
        }
        List<ConsentCheck> checks = pendingChecks.get(timestamp);
        if (checks == null) {
            return;
        }
        pendingChecks.remove(timestamp);
        checks.sort(BY_CALL_ID);
        List<ConsentEvent> sharing = eventsByPartner.get(PLATFORM_WIDE);
        List<JudgedCheck> judged = new ArrayList<>(checks.size());
        for (ConsentCheck check : checks) {
            String failure = failure(check, sharing);
            out.collect(new ConsentFinding(check, failure, false));
            judged.add(new JudgedCheck(check, failure != null));
        }
        if (lateHorizonMillis > 0) {
            judgedChecks.put(timestamp, judged);
            long expiry = timestamp + lateHorizonMillis;
            ctx.timerService().registerEventTimeTimer(expiry < timestamp ? Long.MAX_VALUE : expiry);
        }
    }

    private String failure(ConsentCheck check, List<ConsentEvent> sharing) throws Exception {
        List<String> problems = new ArrayList<>(2);
        if (check.checkAuthorization()) {
            List<ConsentEvent> partnerEvents = eventsByPartner.get(check.partnerId());
            if (!ConsentHistory.authorizedAt(partnerEvents, check.eventTime())) {
                boolean withdrawn = ConsentHistory.latestAt(partnerEvents, check.eventTime()) != null;
                problems.add(check.role().phrase()
                        + (withdrawn ? " had deauthorized partner " : " had not authorized partner ")
                        + check.partnerId());
            }
        }
        if (ConsentHistory.sharingDisabledAt(sharing, check.eventTime())) {
            problems.add(check.role().phrase() + " had turned sharing off");
        }
        return problems.isEmpty() ? null : String.join(" and ", problems);
    }

    static boolean isSharingEvent(ConsentEventType type) {
        return type == ConsentEventType.SHARING_DISABLED || type == ConsentEventType.SHARING_ENABLED;
    }
}
