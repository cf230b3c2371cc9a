package org.accessdetector.detection;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.rules.Ids;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AlertStatus;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Alert aggregation, keyed by group (partner, rule, resource, action). The first violation of a group opens
 * a FIRING alert; later ones update it; after a quiet period of event time with no new violation it is
 * RESOLVED and the next violation opens a new alert. Violations are applied in event-time order (they wait
 * for the watermark), so the alerts are the same however the violations arrived. Every update is emitted
 * with the alert's full state, and every violation is counted in exactly one alert.
 */
public class AlertAggregator extends KeyedProcessFunction<String, Violation, AccessAlert> {
    private static final long serialVersionUID = 1L;

    private static final Comparator<Violation> BY_ID = Comparator.comparing(Violation::getViolationId);

    private final DetectorConfig config;
    private transient ValueState<AccessAlert> openAlert;
    private transient MapState<String, Boolean> subjectUsers;
    private transient MapState<Long, List<Violation>> pendingViolations;
    private transient LabeledCounters violationsCounted;
    private transient LabeledCounters alertsOpened;
    private transient LabeledCounters alertsResolved;
    private transient LabeledCounters violationsMerged;
    private transient Histogram detectionLatency;

    public AlertAggregator(DetectorConfig config) {
        this.config = config;
    }

    /** The group a violation belongs to. */
    public static String groupKey(Violation v) {
        return v.getPartnerId() + '|' + v.getRule() + '|' + v.getResource() + '|' + v.getAction();
    }

    @Override
    public void open(OpenContext openContext) {
        openAlert = getRuntimeContext().getState(
                new ValueStateDescriptor<>("open-alert", new AvroTypeInfo<>(AccessAlert.class)));
        subjectUsers = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("open-alert-subject-users", Types.STRING, Types.BOOLEAN));
        pendingViolations = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "pending-violations", Types.LONG, new ListTypeInfo<>(new AvroTypeInfo<>(Violation.class))));
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
        violationsCounted.with(violation.getRule().name(), violation.getSeverity().name(),
                DetectorMetrics.partnerLabel(violation.getRule(), violation.getPartnerId())).inc();
        if (violation.getDetectedAt() != null && violation.getCallAppendedAt() != null) {
            // From the call's arrival in Kafka to its violation: the time to detect it. Rate violations wait
            // for their minute to end by design, and replay has no arrival time, so neither is measured.
            detectionLatency.update(Math.max(0, violation.getDetectedAt() - violation.getCallAppendedAt()));
        }
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
        AccessAlert alert = openAlert.value();
        if (alert != null && timestamp >= quietEnd(alert)) {
            alertsResolved.with(alert.getRule().name()).inc();
            out.collect(resolved(alert));
            openAlert.clear();
            subjectUsers.clear();
            alert = null;
        }

        List<Violation> violations = pendingViolations.get(timestamp);
        pendingViolations.remove(timestamp);
        if (violations == null) {
            return;
        }
        violations.sort(BY_ID);
        Long previousQuietEnd = alert == null ? null : quietEnd(alert);
        for (Violation v : violations) {
            if (alert == null) {
                alert = opened(v, ctx.getCurrentKey());
                alertsOpened.with(v.getRule().name()).inc();
            } else {
                alert = merged(alert, v); // counted, never silently suppressed
                violationsMerged.with(v.getRule().name()).inc();
            }
        }
        alert.setSummary(summary(alert));
        alert.setUpdatedAt(timestamp);
        alert.setDetectedAt(System.currentTimeMillis());
        openAlert.update(alert);
        out.collect(AccessAlert.newBuilder(alert).build());

        // One resolution timer per open alert: move it to the new end of the quiet period.
        long newQuietEnd = quietEnd(alert);
        if (previousQuietEnd != null && previousQuietEnd != newQuietEnd
                && !pendingViolations.contains(previousQuietEnd)) {
            ctx.timerService().deleteEventTimeTimer(previousQuietEnd);
        }
        ctx.timerService().registerEventTimeTimer(newQuietEnd);
    }

    private long quietEnd(AccessAlert alert) {
        return alert.getLastSeen() + config.alertQuietPeriodMillis();
    }

    private AccessAlert opened(Violation v, String groupKey) throws Exception {
        AccessAlert alert = AccessAlert.newBuilder()
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
        return merged(alert, v);
    }

    private AccessAlert merged(AccessAlert alert, Violation v) throws Exception {
        long at = occurredAt(v);
        alert.setViolationCount(alert.getViolationCount() + 1);
        alert.setFirstSeen(Math.min(alert.getFirstSeen(), at));
        alert.setLastSeen(Math.max(alert.getLastSeen(), at));
        if (v.getSeverity().ordinal() > alert.getSeverity().ordinal()) {
            alert.setSeverity(v.getSeverity());
        }
        if (v.getSubjectUserId() != null && !subjectUsers.contains(v.getSubjectUserId())) {
            subjectUsers.put(v.getSubjectUserId(), Boolean.TRUE);
            alert.setDistinctSubjectUsers(alert.getDistinctSubjectUsers() + 1);
        }
        if (v.getCallId() != null && alert.getSampleCallIds().size() < config.alertSampleCalls()) {
            alert.getSampleCallIds().add(v.getCallId());
        }
        return alert;
    }

    private AccessAlert resolved(AccessAlert alert) {
        long at = quietEnd(alert);
        return AccessAlert.newBuilder(alert)
                .setStatus(AlertStatus.RESOLVED)
                .setResolvedAt(at)
                .setUpdatedAt(at)
                .setDetectedAt(System.currentTimeMillis())
                .build();
    }

    /** When a violation happened: the call's time, or for a rate violation the end of its minute. */
    static long occurredAt(Violation v) {
        if (v.getEventTime() != null) {
            return v.getEventTime();
        }
        return v.getWindowEnd() - 1;
    }

    static String summary(AccessAlert a) {
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
        return s.toString();
    }
}
