package org.accessdetector.detection;

import org.accessdetector.typeinfo.RecordTypes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.Ids;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AlertStatus;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Alert aggregation, keyed by group (partner, rule, resource, action). The first violation of a group opens
 * a FIRING alert; later ones update it; after a quiet period of event time with no new violation it is
 * RESOLVED and the next violation opens a new alert. Violation records are applied in event-time order (they
 * wait for the watermark), and every update is emitted with the alert's full state.
 *
 * <p>An alert counts violations in force, each id once: a record of an id already counted (redelivered,
 * written again after a restart, or a rate minute with new figures) changes no count, and a RETRACTED record
 * takes its violation out of its alert's count. An alert whose violations are all retracted is RESOLVED at
 * once, saying so.
 *
 * <p>State, per group: the open alert and the alerts resolved within the retention horizon; the violation ids
 * of the horizon (to count each once and find a retraction's alert); per alert and user, how many of the
 * alert's violations in force touched the user (distinct users); violation records waiting for the
 * watermark. Timers: one per distinct violation time, one per open alert (its quiet end), and a coalesced
 * cleanup.
 */
public class AlertAggregator extends KeyedProcessFunction<String, Violation, AccessAlert> {
    private static final long serialVersionUID = 1L;

    private static final Comparator<Violation> BY_ID = Comparator.comparing(Violation::getViolationId);

    private final DetectorConfig config;
    private final long retention;
    private transient ValueState<String> openAlertId;
    private transient MapState<String, AccessAlert> alerts;
    private transient MapState<String, AlertMember> members;
    private transient MapState<String, Integer> userRefs;
    private transient MapState<Long, List<Violation>> pendingViolations;
    private transient ValueState<Long> nextCleanup;
    private transient LabeledCounters violationsCounted;
    private transient LabeledCounters alertsOpened;
    private transient LabeledCounters alertsResolved;
    private transient LabeledCounters violationsMerged;
    private transient Histogram detectionLatency;

    public AlertAggregator(DetectorConfig config) {
        this.config = config;
        this.retention = config.callRetentionMillis();
    }

    /** The group a violation belongs to. */
    public static String groupKey(Violation v) {
        return v.getPartnerId() + '|' + v.getRule() + '|' + v.getResource() + '|' + v.getAction();
    }

    @Override
    public void open(OpenContext openContext) {
        openAlertId = getRuntimeContext().getState(new ValueStateDescriptor<>("open-alert-id", Types.STRING));
        alerts = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("alerts", Types.STRING, new AvroTypeInfo<>(AccessAlert.class)));
        members = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "violation-ids", RecordTypes.inState(Types.STRING),
                RecordTypes.inState(TypeInformation.of(AlertMember.class))));
        userRefs = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("alert-subject-users", RecordTypes.inState(Types.STRING), Types.INT));
        pendingViolations = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "pending-violations", Types.LONG, new ListTypeInfo<>(new AvroTypeInfo<>(Violation.class))));
        nextCleanup = getRuntimeContext().getState(new ValueStateDescriptor<>("next-cleanup", Types.LONG));
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        violationsCounted = new LabeledCounters(metrics, "violations", "rule", "severity", "partner");
        alertsOpened = new LabeledCounters(metrics, "alerts_opened", "rule");
        alertsResolved = new LabeledCounters(metrics, "alerts_resolved", "rule");
        violationsMerged = new LabeledCounters(metrics, "violations_merged", "rule");
        detectionLatency = metrics.addGroup(DetectorMetrics.GROUP)
                .histogram("detection_latency_ms", new DescriptiveStatisticsHistogram(10_000));
    }

    @Override
    public void processElement(Violation violation, Context ctx, Collector<AccessAlert> out) throws Exception {
        long t = occurredAt(violation); // not the record's timestamp: a late re-judgement carries another
        List<Violation> atT = pendingViolations.get(t);
        if (atT == null) {
            atT = new ArrayList<>(1);
            ctx.timerService().registerEventTimeTimer(t);
        }
        atT.add(violation);
        pendingViolations.put(t, atT);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AccessAlert> out) throws Exception {
        String openId = openAlertId.value();
        AccessAlert open = openId == null ? null : alerts.get(openId);
        if (open != null && timestamp >= quietEnd(open)) {
            resolve(open, quietEnd(open), ctx.timerService());
            out.collect(AccessAlert.newBuilder(open).build());
            openAlertId.clear();
            open = null;
        }

        List<Violation> violations = pendingViolations.get(timestamp);
        if (violations != null) {
            pendingViolations.remove(timestamp);
            violations.sort(BY_ID); // stable: records of one id keep their order
            // Each alert the batch touches, as it stood before (null: none with that id): what was last said of it.
            Map<String, AccessAlert> before = new LinkedHashMap<>();
            for (Violation v : violations) {
                if (Violations.inForce(v)) {
                    count(v, ctx.getCurrentKey(), timestamp, ctx.timerService(), before);
                } else {
                    uncount(v, timestamp, ctx.timerService(), before);
                }
            }
            for (Map.Entry<String, AccessAlert> touched : before.entrySet()) {
                AccessAlert alert = alerts.get(touched.getKey());
                alert.setSummary(summary(alert));
                alert.setUpdatedAt(Math.max(timestamp, alert.getUpdatedAt()));
                if (sameSaid(alert, touched.getValue())) {
                    // E.g. its only violation retracted and raised again at once (a call judged again twice
                    // before event time moved on): the alert ends as it was, and an update would say nothing new.
                    alerts.put(touched.getKey(), alert);
                    continue;
                }
                alert.setDetectedAt(System.currentTimeMillis());
                alerts.put(touched.getKey(), alert);
                out.collect(AccessAlert.newBuilder(alert).build());
            }
        }

        if (ctx.timerService().currentWatermark() == Long.MAX_VALUE) {
            resolveAtTheEndOfInput(ctx, out);
        }

        Long cleanup = nextCleanup.value();
        if (cleanup != null && timestamp >= cleanup) {
            cleanUp(timestamp, ctx.timerService());
        }
    }

    /**
     * The input has ended (a bounded run, such as replay): the alert left open resolves at the end of its quiet
     * period, once no batch of violations is left to extend it. This is what its resolution timer does when
     * event time passes it; but a batch run's timer service takes no new timer once a key's input has ended,
     * and the resolution timer of an alert opened or extended by the last batches is registered only then.
     */
    private void resolveAtTheEndOfInput(OnTimerContext ctx, Collector<AccessAlert> out) throws Exception {
        String openId = openAlertId.value();
        AccessAlert open = openId == null ? null : alerts.get(openId);
        if (open != null && pendingViolations.isEmpty()) {
            resolve(open, quietEnd(open), ctx.timerService());
            out.collect(AccessAlert.newBuilder(open).build());
            openAlertId.clear();
        }
    }

    /** Whether two states of an alert say the same (apart from when they were written). */
    private static boolean sameSaid(AccessAlert now, AccessAlert before) {
        return before != null && AccessAlert.newBuilder(now).setDetectedAt(null).build()
                .equals(AccessAlert.newBuilder(before).setDetectedAt(null).build());
    }

    /** Keeps what an alert said before this batch changes it, the first time the batch touches it. */
    private void touch(String alertId, Map<String, AccessAlert> before) throws Exception {
        if (!before.containsKey(alertId)) {
            AccessAlert was = alerts.get(alertId);
            before.put(alertId, was == null ? null : AccessAlert.newBuilder(was).build());
        }
    }

    /** Counts a violation in force not counted yet; notes the alert it changes in {@code before}. */
    private void count(Violation v, String groupKey, long now, TimerService timers, Map<String, AccessAlert> before)
            throws Exception {
        AlertMember member = members.get(v.getViolationId());
        if (member != null && member.inForce()) {
            return; // counted once, whatever is redelivered or rewritten
        }
        violationsCounted.with(v.getRule().name(), v.getSeverity().name(),
                DetectorMetrics.partnerLabel(v.getRule(), v.getPartnerId())).inc();
        if (v.getDetectedAt() != null && v.getCallAppendedAt() != null) {
            // From the call's arrival in Kafka to its violation: the time to detect it. Rate violations wait
            // for their minute to end by design, and replay has no arrival time, so neither is measured.
            detectionLatency.update(Math.max(0, v.getDetectedAt() - v.getCallAppendedAt()));
        }
        String openId = openAlertId.value();
        AccessAlert alert = openId == null ? null : alerts.get(openId);
        Long previousQuietEnd = alert == null ? null : quietEnd(alert);
        if (alert == null) {
            alert = opened(v, groupKey);
            touch(alert.getAlertId(), before);
            alertsOpened.with(v.getRule().name()).inc();
            openAlertId.update(alert.getAlertId());
        } else {
            touch(alert.getAlertId(), before);
            violationsMerged.with(v.getRule().name()).inc(); // counted, never silently suppressed
        }
        long at = occurredAt(v);
        alert.setViolationCount(alert.getViolationCount() + 1);
        alert.setFirstSeen(Math.min(alert.getFirstSeen(), at));
        alert.setLastSeen(Math.max(alert.getLastSeen(), at));
        if (v.getSeverity().ordinal() > alert.getSeverity().ordinal()) {
            alert.setSeverity(v.getSeverity());
        }
        if (v.getSubjectUserId() != null) {
            String userKey = alert.getAlertId() + '\u0000' + v.getSubjectUserId();
            Integer refs = userRefs.get(userKey);
            if (refs == null) {
                alert.setDistinctSubjectUsers(alert.getDistinctSubjectUsers() + 1);
            }
            userRefs.put(userKey, refs == null ? 1 : refs + 1);
        }
        if (v.getCallId() != null && alert.getSampleCallIds().size() < config.alertSampleCalls()
                && !alert.getSampleCallIds().contains(v.getCallId())) {
            alert.getSampleCallIds().add(v.getCallId());
        }
        alerts.put(alert.getAlertId(), alert);
        members.put(v.getViolationId(), member == null
                ? new AlertMember(alert.getAlertId(), at, v.getSubjectUserId(), v.getCallId(), true)
                : member.withInForce(true, alert.getAlertId()));
        scheduleCleanup(at, timers);

        // One resolution timer per open alert: move it to the new end of the quiet period.
        long newQuietEnd = quietEnd(alert);
        if (previousQuietEnd != null && previousQuietEnd != newQuietEnd
                && !pendingViolations.contains(previousQuietEnd)
                && !previousQuietEnd.equals(nextCleanup.value())) {
            timers.deleteEventTimeTimer(previousQuietEnd);
        }
        timers.registerEventTimeTimer(newQuietEnd);
    }

    /** Takes a retracted violation out of its alert's count; notes the alert it changes in {@code before}. */
    private void uncount(Violation v, long now, TimerService timers, Map<String, AccessAlert> before) throws Exception {
        AlertMember member = members.get(v.getViolationId());
        if (member == null || !member.inForce()) {
            return; // never counted (raised and retracted before the watermark), or already taken out
        }
        members.put(v.getViolationId(), member.withInForce(false, member.alertId()));
        AccessAlert alert = alerts.get(member.alertId());
        if (alert == null) {
            return; // its alert is past the horizon
        }
        touch(alert.getAlertId(), before);
        alert.setViolationCount(alert.getViolationCount() - 1);
        alert.setRetractedViolations(alert.getRetractedViolations() + 1);
        if (member.subjectUserId() != null) {
            String userKey = alert.getAlertId() + '\u0000' + member.subjectUserId();
            Integer refs = userRefs.get(userKey);
            if (refs != null && refs <= 1) {
                userRefs.remove(userKey);
                alert.setDistinctSubjectUsers(Math.max(0, alert.getDistinctSubjectUsers() - 1));
            } else if (refs != null) {
                userRefs.put(userKey, refs - 1);
            }
        }
        if (member.callId() != null && alert.getSampleCallIds().contains(member.callId())) {
            // A copy: the list of an alert read back from state is Avro's, which cannot remove.
            List<String> samples = new ArrayList<>(alert.getSampleCallIds());
            samples.remove(member.callId());
            alert.setSampleCallIds(samples);
        }
        if (alert.getViolationCount() == 0 && alert.getStatus() == AlertStatus.FIRING) {
            resolve(alert, now, timers);
            if (alert.getAlertId().equals(openAlertId.value())) {
                openAlertId.clear();
            }
        }
        alerts.put(alert.getAlertId(), alert);
    }

    private void resolve(AccessAlert alert, long at, TimerService timers) throws Exception {
        alertsResolved.with(alert.getRule().name()).inc();
        alert.setStatus(AlertStatus.RESOLVED);
        alert.setResolvedAt(at);
        alert.setUpdatedAt(Math.max(at, alert.getUpdatedAt()));
        alert.setSummary(summary(alert));
        alert.setDetectedAt(System.currentTimeMillis());
        alerts.put(alert.getAlertId(), alert);
        scheduleCleanup(at, timers);
    }

    private long quietEnd(AccessAlert alert) {
        return alert.getLastSeen() + config.alertQuietPeriodMillis();
    }

    private static AccessAlert opened(Violation v, String groupKey) {
        return AccessAlert.newBuilder()
                .setAlertId(Ids.of("a-", groupKey, v.getViolationId()))
                .setStatus(AlertStatus.FIRING)
                .setPartnerId(v.getPartnerId())
                .setRule(v.getRule())
                .setResource(v.getResource())
                .setAction(v.getAction())
                .setSeverity(v.getSeverity())
                .setViolationCount(0)
                .setFirstSeen(occurredAt(v))
                .setLastSeen(occurredAt(v))
                .setDistinctSubjectUsers(0)
                .setSampleCallIds(new ArrayList<>())
                .setSummary("")
                .setUpdatedAt(occurredAt(v))
                .build();
    }

    // ---------------------------------------------------------------------------------------------------
    // Retention: violation ids for the horizon after the violation, resolved alerts for the horizon after.

    private void scheduleCleanup(long t, TimerService timers) throws Exception {
        long due = CallJudge.coalesced(t + retention);
        Long scheduled = nextCleanup.value();
        if (scheduled == null || due < scheduled) {
            // The later timer stays: timers are one per key and time, and it may also be a violation's or a quiet
            // end's; firing early it finds nothing due.
            timers.registerEventTimeTimer(due);
            nextCleanup.update(due);
        }
    }

    private void cleanUp(long now, TimerService timers) throws Exception {
        long horizonStart = now - retention;
        long oldestKept = Long.MAX_VALUE;
        List<String> expired = new ArrayList<>();
        for (Map.Entry<String, AlertMember> e : members.entries()) {
            if (e.getValue().occurredAt() < horizonStart) {
                expired.add(e.getKey());
            } else {
                oldestKept = Math.min(oldestKept, e.getValue().occurredAt());
            }
        }
        for (String id : expired) {
            members.remove(id);
        }
        List<String> gone = new ArrayList<>();
        for (Map.Entry<String, AccessAlert> e : alerts.entries()) {
            AccessAlert a = e.getValue();
            if (a.getStatus() == AlertStatus.RESOLVED) {
                if (a.getResolvedAt() < horizonStart) {
                    gone.add(e.getKey());
                } else {
                    oldestKept = Math.min(oldestKept, a.getResolvedAt());
                }
            }
        }
        if (!gone.isEmpty()) {
            for (String id : gone) {
                alerts.remove(id);
            }
            List<String> users = new ArrayList<>();
            for (String userKey : userRefs.keys()) {
                if (gone.contains(userKey.substring(0, userKey.indexOf('\u0000')))) {
                    users.add(userKey);
                }
            }
            for (String u : users) {
                userRefs.remove(u);
            }
        }
        nextCleanup.clear();
        if (oldestKept != Long.MAX_VALUE) {
            long due = Math.max(CallJudge.coalesced(oldestKept + retention), now + 1);
            timers.registerEventTimeTimer(due);
            nextCleanup.update(due);
        }
    }

    static long occurredAt(Violation v) {
        return Violations.occurredAt(v);
    }

    static String summary(AccessAlert a) {
        if (a.getViolationCount() == 0 && a.getRetractedViolations() > 0) {
            return "All " + a.getRetractedViolations()
                    + (a.getRetractedViolations() == 1 ? " violation" : " violations") + " of " + a.getRule()
                    + " by partner " + a.getPartnerId() + " on " + a.getResource() + '/' + a.getAction()
                    + " were retracted: records that arrived late overturned them. Nothing to act on.";
        }
        StringBuilder s = new StringBuilder()
                .append(a.getViolationCount())
                .append(a.getViolationCount() == 1 ? " violation" : " violations")
                .append(" of ").append(a.getRule())
                .append(" by partner ").append(a.getPartnerId())
                .append(" on ").append(a.getResource()).append('/').append(a.getAction());
        if (a.getRule() != ViolationRule.RATE_LIMIT) {
            s.append(", ").append(a.getDistinctSubjectUsers())
                    .append(a.getDistinctSubjectUsers() == 1 ? " user affected" : " users affected");
        }
        s.append(", from ").append(Instant.ofEpochMilli(a.getFirstSeen()))
                .append(" to ").append(Instant.ofEpochMilli(a.getLastSeen()));
        if (a.getRetractedViolations() > 0) {
            s.append(" (").append(a.getRetractedViolations()).append(" more retracted)");
        }
        return s.toString();
    }
}
