package org.accessdetector.detection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.ConsentCheck.CheckedRole;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.AgreementHistory;
import org.accessdetector.rules.ScopeVerdict;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Agreements and scope, keyed by partner: keeps every version of the partner's agreement and judges each
 * ALLOWED call by the version in force at the call's own event time (NO_AGREEMENT, AFTER_REVOCATION,
 * OUT_OF_SCOPE, then FRIEND_DATA). Calls wait in state until the watermark passes their time, so agreement
 * versions that arrive out of order still apply. In-scope calls go on to the consent and rate checks.
 *
 * <p>Judged calls are kept for the late horizon: an agreement version that arrives after calls it covers
 * were judged (a late revocation, a correction) judges them again and raises what is new. Violations are
 * never retracted, and late versions do not change rate windows already closed.
 */
public class ScopeJudge extends KeyedCoProcessFunction<String, PartnerApiCall, PartnerAgreement, Violation> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<ConsentCheck> CONSENT_CHECKS =
            new OutputTag<>("consent-checks", TypeInformation.of(ConsentCheck.class));
    public static final OutputTag<RateSample> RATE_SAMPLES =
            new OutputTag<>("rate-samples", TypeInformation.of(RateSample.class));

    private static final Comparator<PartnerApiCall> BY_CALL_ID = Comparator.comparing(PartnerApiCall::getCallId);

    private final DetectorConfig config;
    private transient MapState<Integer, PartnerAgreement> versions;
    private transient MapState<Long, List<PartnerApiCall>> pendingCalls;
    private transient MapState<Long, List<JudgedCall>> judgedCalls;
    private transient Counter lateAgreements;
    private transient Counter lateCalls;
    private transient LabeledCounters callsJudged;
    private transient LabeledCounters revokedPartnerCalls;
    private transient volatile long lastWatermark;
    /** Partners of this subtask seen since it started, and whether an active agreement is in force for them now. */
    private transient Map<String, Boolean> activeNow;

    public ScopeJudge(DetectorConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        versions = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "agreement-versions", Types.INT, new AvroTypeInfo<>(PartnerAgreement.class)));
        pendingCalls = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "pending-calls", Types.LONG, new ListTypeInfo<>(new AvroTypeInfo<>(PartnerApiCall.class))));
        judgedCalls = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "judged-calls", Types.LONG, new ListTypeInfo<>(TypeInformation.of(JudgedCall.class))));
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        lateAgreements = new LabeledCounters(metrics, "late_control_records", "kind").with("agreement");
        lateCalls = metrics.addGroup(DetectorMetrics.GROUP).counter("late_calls");
        callsJudged = new LabeledCounters(metrics, "calls_judged", "partner", "resource", "action");
        revokedPartnerCalls = new LabeledCounters(metrics, "revoked_partner_calls", "partner");
        lastWatermark = Long.MIN_VALUE;
        activeNow = new java.util.concurrent.ConcurrentHashMap<>();
        metrics.addGroup(DetectorMetrics.GROUP).<Long, Gauge<Long>>gauge("agreements_in_force",
                () -> activeNow.values().stream().filter(Boolean::booleanValue).count());
        // How far event time lags the wall clock: how complete detection is right now.
        metrics.addGroup(DetectorMetrics.GROUP).<Long, Gauge<Long>>gauge("event_time_lag_ms",
                () -> lastWatermark == Long.MIN_VALUE ? 0L : System.currentTimeMillis() - lastWatermark);
    }

    @Override
    public void processElement1(PartnerApiCall call, Context ctx, Collector<Violation> out) throws Exception {
        if (call.getOutcome() == CallOutcome.DENIED) {
            return; // the gateway stopped it: never a violation, never counted toward a rate
        }
        long t = call.getEventTime();
        if (t < ctx.timerService().currentWatermark()) {
            lateCalls.inc(); // still judged, at the next watermark, but after calls that came after it
        }
        List<PartnerApiCall> atT = pendingCalls.get(t);
        if (atT == null) {
            atT = new ArrayList<>(1);
            ctx.timerService().registerEventTimeTimer(t);
        }
        atT.add(call);
        pendingCalls.put(t, atT);
    }

    @Override
    public void processElement2(PartnerAgreement agreement, Context ctx, Collector<Violation> out) throws Exception {
        versions.put(agreement.getVersion(), agreement);
        activeNow.put(agreement.getPartnerId(),
                AgreementHistory.of(versions.values()).inForceAndActiveAt(System.currentTimeMillis()));
        if (agreement.getEffectiveFrom() <= ctx.timerService().currentWatermark()) {
            lateAgreements.inc();
            rejudgeFrom(agreement.getEffectiveFrom(), ctx, out);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Violation> out) throws Exception {
        lastWatermark = ctx.timerService().currentWatermark();
        List<PartnerApiCall> calls = pendingCalls.get(timestamp);
        if (calls != null) {
            pendingCalls.remove(timestamp);
            AgreementHistory history = AgreementHistory.of(versions.values());
            activeNow.put(ctx.getCurrentKey(), history.inForceAndActiveAt(System.currentTimeMillis()));
            calls.sort(BY_CALL_ID); // the same output order however the calls arrived
            List<JudgedCall> judged = new ArrayList<>(calls.size());
            for (PartnerApiCall call : calls) {
                judged.add(judge(new JudgedCall(call, 0, false), history, true, ctx, out));
            }
            if (config.controlLateHorizonMillis() > 0) {
                judgedCalls.put(timestamp, judged);
                ctx.timerService().registerEventTimeTimer(expiry(timestamp));
            }
        }
        // Calls judged a horizon ago can no longer be changed by late agreements.
        if (config.controlLateHorizonMillis() > 0) {
            judgedCalls.remove(timestamp - config.controlLateHorizonMillis());
        }
    }

    private long expiry(long judgedAt) {
        long expiry = judgedAt + config.controlLateHorizonMillis();
        return expiry < judgedAt ? Long.MAX_VALUE : expiry;
    }

    /** Judges again every kept call at or after {@code from}, raising only violations not raised before. */
    private void rejudgeFrom(long from, Context ctx, Collector<Violation> out) throws Exception {
        AgreementHistory history = AgreementHistory.of(versions.values());
        List<Map.Entry<Long, List<JudgedCall>>> updates = new ArrayList<>();
        for (Iterator<Map.Entry<Long, List<JudgedCall>>> it = judgedCalls.iterator(); it.hasNext(); ) {
            Map.Entry<Long, List<JudgedCall>> entry = it.next();
            if (entry.getKey() >= from) {
                List<JudgedCall> again = new ArrayList<>(entry.getValue().size());
                for (JudgedCall j : entry.getValue()) {
                    again.add(judge(j, history, false, ctx, out));
                }
                updates.add(Map.entry(entry.getKey(), again));
            }
        }
        for (Map.Entry<Long, List<JudgedCall>> u : updates) {
            judgedCalls.put(u.getKey(), u.getValue());
        }
    }

    /**
     * Judges one call, emitting the violations it has not been reported for yet, and its consent checks and
     * rate sample if it is in scope (consent once per call; rates only on the first judgement, whose minute
     * is still open).
     */
    private JudgedCall judge(JudgedCall judged, AgreementHistory history, boolean firstTime, Context ctx,
            Collector<Violation> out) {
        PartnerApiCall call = judged.call();
        int reported = judged.reportedRules();
        ScopeVerdict verdict = history.judge(call.getResource(), call.getAction(), call.getEventTime());
        if (firstTime) {
            callsJudged.with(verdict.agreement() == null ? DetectorMetrics.UNREGISTERED_PARTNER : call.getPartnerId(),
                    call.getResource().name(), call.getAction().name()).inc();
        }
        if (!verdict.inScope()) {
            if (verdict.brokenRule() == ViolationRule.AFTER_REVOCATION && firstTime) {
                revokedPartnerCalls.with(call.getPartnerId()).inc();
            }
            if (!judged.reported(verdict.brokenRule())) {
                out.collect(Violations.perCall(config, verdict.brokenRule(), call, verdict.agreementVersion(),
                        Violations.scopeReason(verdict, call)));
                reported |= JudgedCall.bit(verdict.brokenRule());
            }
            return new JudgedCall(call, reported, judged.consentChecked());
        }
        int version = verdict.agreementVersion();
        Grant grant = verdict.grant();
        String subject = call.getSubjectUserId();
        String acting = call.getActingUserId();
        boolean onBehalfOfAnother = acting != null && !acting.equals(subject);
        if (onBehalfOfAnother && !grant.getAllowFriendData() && !judged.reported(ViolationRule.FRIEND_DATA)) {
            out.collect(Violations.perCall(config, ViolationRule.FRIEND_DATA, call, version,
                    Violations.friendDataReason(call, version)));
            reported |= JudgedCall.bit(ViolationRule.FRIEND_DATA);
        }

        if (!judged.consentChecked()) {
            // The consenting user is the acting user if present, else the subject.
            boolean consentRequired = grant.getRequiresUserConsent();
            if (onBehalfOfAnother) {
                ctx.output(CONSENT_CHECKS, check(call, version, acting, CheckedRole.ACTING_USER, consentRequired, 2));
                ctx.output(CONSENT_CHECKS, check(call, version, subject, CheckedRole.SUBJECT_USER, false, 2));
            } else {
                CheckedRole role = acting != null ? CheckedRole.ACTING_USER : CheckedRole.SUBJECT_USER;
                ctx.output(CONSENT_CHECKS, check(call, version, subject, role, consentRequired, 1));
            }
        }

        if (firstTime) {
            long windowStart = Math.floorDiv(call.getEventTime(), Violations.MINUTE_MILLIS) * Violations.MINUTE_MILLIS;
            AgreementHistory.RateLimit limit = history.rateLimitAt(windowStart, call.getResource(), call.getAction());
            if (limit != null) {
                ctx.output(RATE_SAMPLES, new RateSample(call.getPartnerId(), call.getResource(), call.getAction(),
                        windowStart, call.getRecordCount(), limit.maxRecordsPerMinute(), limit.agreementVersion()));
            }
        }
        return new JudgedCall(call, reported, true);
    }

    private static ConsentCheck check(PartnerApiCall call, int version, String user, CheckedRole role,
            boolean checkAuthorization, int checksExpected) {
        return new ConsentCheck(call.getCallId(), call.getPartnerId(), call.getResource(), call.getAction(),
                call.getSubjectUserId(), call.getActingUserId(), call.getEventTime(), call.getAppendedAt(), version,
                user, role, checkAuthorization, checksExpected);
    }
}
