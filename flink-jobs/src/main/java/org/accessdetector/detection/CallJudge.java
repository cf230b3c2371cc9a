package org.accessdetector.detection;

import org.accessdetector.typeinfo.RecordTypes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.AgreementHistory;
import org.accessdetector.rules.ConsentHistory;
import org.accessdetector.rules.ScopeVerdict;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.runtime.state.KeyedStateFunction;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The per-call rules, keyed by the consenting user (the acting user if present, else the subject), with every
 * partner's agreement versions broadcast. A call waits until event time passes it, then is judged by the
 * agreement version and the user's consent in force at its own time: NO_AGREEMENT, AFTER_REVOCATION,
 * OUT_OF_SCOPE (exclusive, in that order), else FRIEND_DATA and NO_USER_CONSENT; an in-scope call's records
 * go to its rate window.
 *
 * <p>Every judged call is kept for the retention horizon, with what is in force for it. An agreement version
 * or consent event that arrives after calls it covers were judged judges them again, and only the
 * difference is written: a new violation RAISED, one whose content changed RAISED again under its id, one
 * overturned RETRACTED under its id, and rate records added or taken back. So, whatever the arrival order
 * within the horizon, what is in force in the end is what replay finds. A call id seen again within the
 * horizon is a redelivery and is dropped.
 *
 * <p>State, per user: the calls of the last horizon (compact, see {@link CallState});
 * the user's consent events, compacted beyond the horizon to the one in force at its start plus the later
 * ones; corrections of the subject's sharing that came before their friend call, until it comes or for the
 * horizon. Timers: one per distinct call time (judging), and one cleanup timer per user, coalesced to
 * {@link #CLEANUP_GRANULARITY_MILLIS}.
 */
public class CallJudge extends KeyedBroadcastProcessFunction<String, UserInput, PartnerAgreement, Violation> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<RateSample> RATE_SAMPLES =
            new OutputTag<>("rate-samples", TypeInformation.of(RateSample.class));

    /** The key under which platform-wide sharing events are kept (partner ids are never empty). */
    static final String PLATFORM_WIDE = "";
    static final long CLEANUP_GRANULARITY_MILLIS = 10_000L;

    private final DetectorConfig config;
    private final long retention;

    private transient MapState<String, CallState> calls;
    private transient MapState<String, List<ConsentEvent>> consents;
    private transient ValueState<Long> nextCleanup;
    private transient MapState<String, EarlyCorrection> earlyCorrections;
    private transient MapStateDescriptor<String, CallState> callsDescriptor;

    private transient Map<String, AgreementHistory> histories;
    private transient Counter lateAgreements;
    private transient Counter lateConsents;
    private transient Counter lateCalls;
    private transient Counter redeliveries;
    private transient LabeledCounters callsJudged;
    private transient LabeledCounters revokedPartnerCalls;
    private transient LabeledCounters retractions;
    private transient volatile long lastWatermark;
    /** Partners with an agreement, and whether one is in force and active now (the agreements_in_force gauge). */
    private transient Map<String, Boolean> activeNow;

    public CallJudge(DetectorConfig config) {
        this.config = config;
        this.retention = config.callRetentionMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        // The largest state: buffered, so a heap snapshot writes each entry in one call.
        callsDescriptor = new MapStateDescriptor<>("calls", RecordTypes.inState(Types.STRING),
                RecordTypes.inState(TypeInformation.of(CallState.class)));
        calls = getRuntimeContext().getMapState(callsDescriptor);
        consents = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "consent-events", RecordTypes.inState(Types.STRING),
                RecordTypes.inState(new ListTypeInfo<>(new AvroTypeInfo<>(ConsentEvent.class)))));
        nextCleanup = getRuntimeContext().getState(new ValueStateDescriptor<>("next-cleanup", Types.LONG));
        earlyCorrections = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "early-corrections", Types.STRING, TypeInformation.of(EarlyCorrection.class)));
        histories = new HashMap<>();

        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        lateAgreements = new LabeledCounters(metrics, "late_control_records", "kind").with("agreement");
        lateConsents = new LabeledCounters(metrics, "late_control_records", "kind").with("consent");
        lateCalls = metrics.addGroup(DetectorMetrics.GROUP).counter("late_calls");
        redeliveries = metrics.addGroup(DetectorMetrics.GROUP).counter("redelivered_calls");
        callsJudged = new LabeledCounters(metrics, "calls_judged", "partner", "resource", "action");
        revokedPartnerCalls = new LabeledCounters(metrics, "revoked_partner_calls", "partner");
        retractions = new LabeledCounters(metrics, "violations_retracted", "rule");
        lastWatermark = Long.MIN_VALUE;
        activeNow = new ConcurrentHashMap<>();
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            // Every subtask holds every agreement: one reports them, so a sum over subtasks is right.
            metrics.addGroup(DetectorMetrics.GROUP).<Long, Gauge<Long>>gauge("agreements_in_force",
                    () -> activeNow.values().stream().filter(Boolean::booleanValue).count());
        }
        // How far event time lags the wall clock: how complete detection is right now.
        metrics.addGroup(DetectorMetrics.GROUP).<Long, Gauge<Long>>gauge("event_time_lag_ms",
                () -> lastWatermark == Long.MIN_VALUE ? 0L : System.currentTimeMillis() - lastWatermark);
    }

    // ---------------------------------------------------------------------------------------------------
    // Inputs.

    @Override
    public void processElement(UserInput input, ReadOnlyContext ctx, Collector<Violation> out) throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (input.call != null) {
            addCall(input.call, input.subjectSharingOff, watermark, ctx);
        } else if (input.consent != null) {
            addConsent(input.consent, watermark, ctx, out);
        } else if (input.correctedCallId != null) {
            CallState c = calls.get(input.correctedCallId);
            if (c == null) {
                // The correction overtook its call: a batch run sorts this input by time, and a correction
                // carries its sharing event's time, which is not after the call's. It is newer than the
                // answer the call carries, so the call takes it when it comes.
                earlyCorrections.put(input.correctedCallId,
                        new EarlyCorrection(input.correctedCallTime, input.subjectSharingOff));
                scheduleCleanup(input.correctedCallTime, ctx.timerService());
            } else if (!Objects.equals(c.subjectSharingOff, input.subjectSharingOff)) {
                c.subjectSharingOff = input.subjectSharingOff;
                if (c.judged) {
                    judge(ctx.getCurrentKey(), input.correctedCallId, c, history(ctx.getBroadcastState(AgreementBroadcast.VERSIONS),
                            c.partnerId), "the subject's sharing setting at the call arrived late", out, ctx::output);
                }
                calls.put(input.correctedCallId, c);
            }
        }
    }

    private void addCall(PartnerApiCall call, Boolean subjectSharingOff, long watermark, ReadOnlyContext ctx)
            throws Exception {
        if (calls.contains(call.getCallId())) {
            redeliveries.inc(); // the first delivery's verdict stands
            return;
        }
        if (subjectSharingOff != null) { // a friend call: the only kind a correction can overtake
            EarlyCorrection early = earlyCorrections.get(call.getCallId());
            if (early != null) {
                subjectSharingOff = early.subjectSharingOff();
                earlyCorrections.remove(call.getCallId());
            }
        }
        long t = call.getEventTime();
        if (t <= watermark) {
            lateCalls.inc(); // judged at the next watermark, by the state in force at its own time
        }
        calls.put(call.getCallId(), CallState.of(call, subjectSharingOff));
        ctx.timerService().registerEventTimeTimer(t); // one per key and time: calls at the same time share it
        scheduleCleanup(t, ctx.timerService());
    }

    private void addConsent(ConsentEvent event, long watermark, ReadOnlyContext ctx, Collector<Violation> out)
            throws Exception {
        String key = isSharingEvent(event.getType()) ? PLATFORM_WIDE : event.getPartnerId();
        if (key == null) {
            return; // the validators reject a per-partner event without a partner; nothing to key it by here
        }
        List<ConsentEvent> events = consents.get(key);
        if (events == null) {
            events = new ArrayList<>(1);
        }
        events.add(event);
        consents.put(key, events);
        scheduleCleanup(event.getEventTime(), ctx.timerService());
        if (event.getEventTime() <= watermark) {
            lateConsents.inc();
            ReadOnlyBroadcastState<String, List<PartnerAgreement>> agreements =
                    ctx.getBroadcastState(AgreementBroadcast.VERSIONS);
            String cause = "a consent event of the user (" + event.getType() + " at " + event.getEventTime()
                    + ") arrived after the call was judged";
            for (Map.Entry<String, CallState> e : calls.entries()) {
                CallState c = e.getValue();
                if (c.judged && c.eventTime >= event.getEventTime()
                        && (key.equals(PLATFORM_WIDE) || key.equals(c.partnerId))) {
                    if (judge(ctx.getCurrentKey(), e.getKey(), c, history(agreements, c.partnerId), cause, out,
                            ctx::output)) {
                        e.setValue(c);
                    }
                }
            }
        }
    }

    @Override
    public void processBroadcastElement(PartnerAgreement agreement, Context ctx, Collector<Violation> out)
            throws Exception {
        long from = AgreementBroadcast.changesFrom(ctx.getBroadcastState(AgreementBroadcast.VERSIONS), agreement);
        AgreementHistory history = AgreementBroadcast.add(ctx.getBroadcastState(AgreementBroadcast.VERSIONS), agreement);
        histories.put(agreement.getPartnerId(), history);
        activeNow.put(agreement.getPartnerId(), history.inForceAndActiveAt(System.currentTimeMillis()));
        if (from > ctx.currentWatermark()) {
            return;
        }
        // A version covering calls already judged (a revocation or correction published late): every user's
        // kept calls of the partner from its start are judged again. Rare, so a scan of the keyed state is fine.
        lateAgreements.inc();
        String partner = agreement.getPartnerId();
        String cause = "agreement version " + agreement.getVersion() + " of partner " + partner
                + " arrived after the call was judged";
        ctx.applyToKeyedState(callsDescriptor, (KeyedStateFunction<String, MapState<String, CallState>>) (user, state) -> {
            for (Map.Entry<String, CallState> e : state.entries()) {
                CallState c = e.getValue();
                if (c.judged && c.eventTime >= from && c.partnerId.equals(partner)) {
                    if (judge(user, e.getKey(), c, history, cause, out, ctx::output)) {
                        e.setValue(c);
                    }
                }
            }
        });
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        lastWatermark = ctx.timerService().currentWatermark();
        // A user's calls of the horizon are few: finding those due now by a scan costs less memory than an index.
        List<Map.Entry<String, CallState>> due = new ArrayList<>(1);
        for (Map.Entry<String, CallState> e : calls.entries()) {
            if (e.getValue().eventTime == timestamp && !e.getValue().judged) {
                due.add(e);
            }
        }
        if (!due.isEmpty()) {
            ReadOnlyBroadcastState<String, List<PartnerAgreement>> agreements =
                    ctx.getBroadcastState(AgreementBroadcast.VERSIONS);
            due.sort(Map.Entry.comparingByKey()); // the same output order however the calls arrived
            for (Map.Entry<String, CallState> e : due) {
                CallState c = e.getValue();
                c.judged = true;
                AgreementHistory history = history(agreements, c.partnerId);
                countFirstJudgement(c, history);
                judge(ctx.getCurrentKey(), e.getKey(), c, history, null, out, ctx::output);
                calls.put(e.getKey(), c);
            }
        }
        Long cleanup = nextCleanup.value();
        if (cleanup != null && timestamp >= cleanup) {
            cleanUp(timestamp, ctx.timerService());
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Judging.

    /**
     * Judges a call by the state now known and writes what changed since its last judgement (null cause: its
     * first). Returns whether anything in force for the call changed.
     */
    private boolean judge(String user, String callId, CallState c, AgreementHistory history, String cause,
            Collector<Violation> out, Output rates) throws Exception {
        ScopeVerdict verdict = history.judge(c.resource, c.action, c.eventTime);
        boolean changed = false;

        ViolationRule scopeRule = verdict.brokenRule();
        Integer scopeVersion = verdict.agreementVersion();
        if (c.scopeRule != null && c.scopeRule != scopeRule) {
            retract(user, callId, c, c.scopeRule, c.scopeVersion, cause + (scopeRule == null
                    ? "; the call is within the agreement" : "; the call breaks " + scopeRule + " instead"), out);
        }
        if (scopeRule != null && (scopeRule != c.scopeRule || !Objects.equals(scopeVersion, c.scopeVersion))) {
            out.collect(violation(user, callId, c, scopeRule, scopeVersion,
                    Violations.scopeReason(verdict, c.partnerId, c.resource, c.action, c.eventTime)));
        }
        changed |= scopeRule != c.scopeRule || !Objects.equals(scopeVersion, c.scopeVersion);
        c.scopeRule = scopeRule;
        c.scopeVersion = scopeVersion;

        Integer friendData = null;
        String consentReason = null;
        if (verdict.inScope()) {
            if (c.aboutAnotherUser() && !verdict.grant().getAllowFriendData()) {
                friendData = scopeVersion;
            }
            consentReason = consentFailure(c, verdict.grant().getRequiresUserConsent());
        }
        if (c.friendDataVersion != null && friendData == null) {
            retract(user, callId, c, ViolationRule.FRIEND_DATA, c.friendDataVersion,
                    cause + "; the grant in force allows it, or the call is no longer in scope", out);
        }
        if (friendData != null && !friendData.equals(c.friendDataVersion)) {
            out.collect(violation(user, callId, c, ViolationRule.FRIEND_DATA, friendData,
                    Violations.friendDataReason(c.partnerId, c.resource, friendData)));
        }
        changed |= !Objects.equals(friendData, c.friendDataVersion);
        c.friendDataVersion = friendData;

        if (c.consentReason != null && consentReason == null) {
            retract(user, callId, c, ViolationRule.NO_USER_CONSENT, c.consentVersion,
                    cause + "; consent was in order, or the call is no longer in scope", out);
        }
        if (consentReason != null
                && (!consentReason.equals(c.consentReason) || !Objects.equals(scopeVersion, c.consentVersion))) {
            out.collect(violation(user, callId, c, ViolationRule.NO_USER_CONSENT, scopeVersion, consentReason));
        }
        changed |= !Objects.equals(consentReason, c.consentReason)
                || (consentReason != null && !Objects.equals(scopeVersion, c.consentVersion));
        c.consentReason = consentReason;
        c.consentVersion = consentReason == null ? null : scopeVersion;

        boolean counted = verdict.inScope() && c.recordCount > 0;
        if (counted != c.rateCounted) {
            long windowStart = Math.floorDiv(c.eventTime, Violations.MINUTE_MILLIS) * Violations.MINUTE_MILLIS;
            rates.output(RATE_SAMPLES, new RateSample(c.partnerId, c.resource, c.action, windowStart,
                    counted ? c.recordCount : -c.recordCount));
            c.rateCounted = counted;
            changed = true;
        }
        return changed;
    }

    /** Why the call lacks consent (the acting user's before the subject's), or null when it does not. */
    private String consentFailure(CallState c, boolean consentRequired) throws Exception {
        List<String> failures = new ArrayList<>(2);
        String role = c.actingUserId != null ? "the acting user" : "the subject user";
        List<String> problems = new ArrayList<>(2);
        if (consentRequired) {
            List<ConsentEvent> partnerEvents = consents.get(c.partnerId);
            if (!ConsentHistory.authorizedAt(partnerEvents, c.eventTime)) {
                boolean withdrawn = ConsentHistory.latestAt(partnerEvents, c.eventTime) != null;
                problems.add(role + (withdrawn ? " had deauthorized partner " : " had not authorized partner ")
                        + c.partnerId);
            }
        }
        if (ConsentHistory.sharingDisabledAt(consents.get(PLATFORM_WIDE), c.eventTime)) {
            problems.add(role + " had turned sharing off");
        }
        if (!problems.isEmpty()) {
            failures.add(String.join(" and ", problems));
        }
        if (c.aboutAnotherUser() && Boolean.TRUE.equals(c.subjectSharingOff)) {
            failures.add("the subject user had turned sharing off");
        }
        if (failures.isEmpty()) {
            return null;
        }
        return "No user consent for partner " + c.partnerId + ": " + String.join("; ", failures) + ".";
    }

    private Violation violation(String user, String callId, CallState c, ViolationRule rule, Integer version,
            String reason) {
        return Violations.perCall(config, rule, callId, c.partnerId, c.resource, c.action, c.subject(user),
                c.actingUserId, c.eventTime, c.appendedAt, version, reason);
    }

    private void retract(String user, String callId, CallState c, ViolationRule rule, Integer version, String why,
            Collector<Violation> out) {
        retractions.with(rule.name()).inc();
        String sentence = "Retracted: " + why + ".";
        Violation raised = violation(user, callId, c, rule, version, sentence);
        out.collect(Violations.retracted(raised, sentence));
    }

    private void countFirstJudgement(CallState c, AgreementHistory history) {
        ScopeVerdict verdict = history.judge(c.resource, c.action, c.eventTime);
        callsJudged.with(verdict.agreement() == null ? DetectorMetrics.UNREGISTERED_PARTNER : c.partnerId,
                c.resource.name(), c.action.name()).inc();
        if (verdict.brokenRule() == ViolationRule.AFTER_REVOCATION) {
            revokedPartnerCalls.with(c.partnerId).inc();
        }
    }

    private AgreementHistory history(ReadOnlyBroadcastState<String, List<PartnerAgreement>> state, String partnerId)
            throws Exception {
        AgreementHistory h = histories.get(partnerId);
        if (h == null) {
            h = AgreementBroadcast.history(state, partnerId);
            histories.put(partnerId, h);
            activeNow.put(partnerId, h.inForceAndActiveAt(System.currentTimeMillis()));
        }
        return h;
    }

    // ---------------------------------------------------------------------------------------------------
    // Retention.

    /** Makes sure a cleanup runs once event time passes {@code eventTime} plus the horizon. */
    private void scheduleCleanup(long eventTime, org.apache.flink.streaming.api.TimerService timers) throws Exception {
        long due = coalesced(eventTime + retention);
        Long scheduled = nextCleanup.value();
        if (scheduled == null || due < scheduled) {
            // The later timer stays (timers are one per key and time: a call may be due then); firing, it finds
            // no cleanup due.
            timers.registerEventTimeTimer(due);
            nextCleanup.update(due);
        }
    }

    /** Forgets the calls beyond the horizon and compacts consent history to the state in force at its start. */
    private void cleanUp(long now, org.apache.flink.streaming.api.TimerService timers) throws Exception {
        long horizonStart = now - retention;
        Long oldestKept = null;
        List<String> expired = new ArrayList<>();
        for (Map.Entry<String, CallState> e : calls.entries()) {
            long t = e.getValue().eventTime;
            if (t < horizonStart) {
                expired.add(e.getKey());
            } else if (oldestKept == null || t < oldestKept) {
                oldestKept = t;
            }
        }
        for (String id : expired) {
            calls.remove(id);
        }
        List<String> unclaimed = new ArrayList<>();
        for (Map.Entry<String, EarlyCorrection> e : earlyCorrections.entries()) {
            long t = e.getValue().callTime();
            if (t < horizonStart) {
                unclaimed.add(e.getKey()); // its call never came within the horizon
            } else if (oldestKept == null || t < oldestKept) {
                oldestKept = t;
            }
        }
        for (String id : unclaimed) {
            earlyCorrections.remove(id);
        }
        Long newestCompactable = null;
        for (Iterator<Map.Entry<String, List<ConsentEvent>>> it = consents.iterator(); it.hasNext(); ) {
            Map.Entry<String, List<ConsentEvent>> e = it.next();
            List<ConsentEvent> kept = ConsentHistory.compactedBefore(e.getValue(), horizonStart);
            if (kept != e.getValue()) {
                e.setValue(kept);
            }
            if (kept.size() > 1) {
                long newest = Long.MIN_VALUE;
                for (ConsentEvent c : kept) {
                    newest = Math.max(newest, c.getEventTime());
                }
                newestCompactable = newestCompactable == null ? newest : Math.min(newestCompactable, newest);
            }
        }
        nextCleanup.clear();
        Long next = oldestKept;
        if (newestCompactable != null && (next == null || newestCompactable < next)) {
            next = newestCompactable;
        }
        if (next != null) {
            long due = Math.max(coalesced(next + retention), now + 1);
            timers.registerEventTimeTimer(due);
            nextCleanup.update(due);
        }
    }

    static long coalesced(long t) {
        long up = Math.floorDiv(t, CLEANUP_GRANULARITY_MILLIS) * CLEANUP_GRANULARITY_MILLIS + CLEANUP_GRANULARITY_MILLIS;
        return up < t ? Long.MAX_VALUE : up;
    }

    /** A correction of a friend call's subject sharing setting that came before the call. */
    public record EarlyCorrection(long callTime, boolean subjectSharingOff) {}

    static boolean isSharingEvent(ConsentEventType type) {
        return type == ConsentEventType.SHARING_DISABLED || type == ConsentEventType.SHARING_ENABLED;
    }

    /** Where rate samples go: the side output of whichever context is at hand. */
    @FunctionalInterface
    interface Output {
        <X> void output(OutputTag<X> tag, X value);
    }
}
