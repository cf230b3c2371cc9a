package org.accessdetector.rules;

import java.time.Instant;
import java.util.Locale;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.schema.ViolationStatus;

/** Builds violations: deterministic ids, severities from the configuration, and one plain sentence of reason. */
public final class Violations {

    public static final long MINUTE_MILLIS = 60_000L;

    private Violations() {}

    /** The id of a per-call violation: one per call and rule. */
    public static String perCallId(ViolationRule rule, String callId) {
        return Ids.of("v-", rule, callId);
    }

    /** The id of a rate violation: one per partner, resource, action and minute. */
    public static String rateId(String partnerId, Resource resource, Action action, long windowStart) {
        return Ids.of("v-", ViolationRule.RATE_LIMIT, partnerId, resource, action, windowStart);
    }

    public static Violation perCall(
            DetectorConfig config,
            ViolationRule rule,
            String callId,
            String partnerId,
            Resource resource,
            Action action,
            String subjectUserId,
            String actingUserId,
            long eventTime,
            Long callAppendedAt,
            Integer agreementVersion,
            String reason) {
        return Violation.newBuilder()
                .setViolationId(perCallId(rule, callId))
                .setRule(rule)
                .setSeverity(config.severityOf(rule, resource))
                .setPartnerId(partnerId)
                .setResource(resource)
                .setAction(action)
                .setReason(reason)
                .setAgreementVersion(agreementVersion)
                .setCallId(callId)
                .setSubjectUserId(subjectUserId)
                .setActingUserId(actingUserId)
                .setEventTime(eventTime)
                .setDetectedAt(System.currentTimeMillis())
                .setCallAppendedAt(callAppendedAt)
                .build();
    }

    public static Violation rateLimit(
            DetectorConfig config,
            String partnerId,
            Resource resource,
            Action action,
            long windowStart,
            long observed,
            long limit,
            int agreementVersion) {
        return Violation.newBuilder()
                .setViolationId(rateId(partnerId, resource, action, windowStart))
                .setRule(ViolationRule.RATE_LIMIT)
                .setSeverity(config.severityOf(ViolationRule.RATE_LIMIT, resource))
                .setPartnerId(partnerId)
                .setResource(resource)
                .setAction(action)
                .setReason(String.format(
                        "Partner %s touched %d %s records with %s in the minute from %s, above the limit of %d "
                                + "in agreement version %d.",
                        partnerId, observed, resource, action, Instant.ofEpochMilli(windowStart), limit,
                        agreementVersion))
                .setAgreementVersion(agreementVersion)
                .setWindowStart(windowStart)
                .setWindowEnd(windowStart + MINUTE_MILLIS)
                .setObservedRecords(observed)
                .setLimitRecords(limit)
                .setDetectedAt(System.currentTimeMillis())
                .build();
    }

    /**
     * A VOLUME_SPIKE: one partner/resource/action minute far above the key's learned busiest minute. The id is
     * the minute's, so a minute judged again is written again under it.
     */
    public static Violation volumeSpike(
            DetectorConfig config,
            String partnerId,
            Resource resource,
            Action action,
            long windowStart,
            long observed,
            double baseline,
            double threshold,
            int baselineHours,
            boolean shadow) {
        return Violation.newBuilder()
                .setViolationId(Ids.of("v-", ViolationRule.VOLUME_SPIKE, partnerId, resource, action, windowStart))
                .setRule(ViolationRule.VOLUME_SPIKE)
                .setSeverity(config.severityOf(ViolationRule.VOLUME_SPIKE, resource))
                .setPartnerId(partnerId)
                .setResource(resource)
                .setAction(action)
                .setReason(String.format(
                        "Partner %s touched %d %s records with %s in the minute from %s; its busiest minute is "
                                + "usually %s records (median over %d active hours), and a spike is above %s.",
                        partnerId, observed, resource, action, Instant.ofEpochMilli(windowStart), figure(baseline),
                        baselineHours, figure(threshold)))
                .setWindowStart(windowStart)
                .setWindowEnd(windowStart + MINUTE_MILLIS)
                .setObservedRecords(observed)
                .setBaseline(baseline)
                .setThreshold(threshold)
                .setShadow(shadow)
                .setDetectedAt(System.currentTimeMillis())
                .build();
    }

    /**
     * A FAN_OUT: one credential (a token, else an acting user) touched more distinct users in a window than its
     * baseline or the ceiling allows. {@code baseline} is null when the credential had too little history and
     * only the ceiling applied.
     */
    public static Violation fanOut(
            DetectorConfig config,
            String partnerId,
            String tokenId,
            String actingUserId,
            Resource resource,
            Action action,
            long windowStart,
            long windowEnd,
            long distinctUsers,
            Double baseline,
            double threshold,
            boolean shadow) {
        String credential = tokenId != null ? "token " + tokenId : "one signed-in user's session";
        return Violation.newBuilder()
                .setViolationId(Ids.of("v-", ViolationRule.FAN_OUT, partnerId, tokenId, actingUserId, windowStart))
                .setRule(ViolationRule.FAN_OUT)
                .setSeverity(config.severityOf(ViolationRule.FAN_OUT, resource))
                .setPartnerId(partnerId)
                .setResource(resource)
                .setAction(action)
                .setReason(String.format(
                        "Partner %s used %s to touch %s distinct users' data (%s first) in the %d minutes from "
                                + "%s, above %s%s.",
                        partnerId, credential, distinctUsers > config.anomalies().fanOutCeiling()
                                ? "more than " + config.anomalies().fanOutCeiling() : String.valueOf(distinctUsers),
                        resource, (windowEnd - windowStart) / MINUTE_MILLIS, Instant.ofEpochMilli(windowStart),
                        figure(threshold), baseline == null ? ", the ceiling for a credential without history"
                                : "; its busiest window usually touches " + figure(baseline) + " users"))
                .setActingUserId(tokenId == null ? actingUserId : null)
                .setTokenId(tokenId)
                .setWindowStart(windowStart)
                .setWindowEnd(windowEnd)
                .setObservedRecords(distinctUsers)
                .setBaseline(baseline)
                .setThreshold(threshold)
                .setShadow(shadow)
                .setDetectedAt(System.currentTimeMillis())
                .build();
    }

    /**
     * A FIRST_SEEN: the first call of an episode of use, by a partner past its warm-up, of a resource and action
     * ({@code sourceNetwork} null) or of a server source network it had not used within the lookback. The id is
     * the episode's: partner, what is new, and when the episode started.
     */
    public static Violation firstSeen(
            DetectorConfig config,
            String partnerId,
            Resource resource,
            Action action,
            String sourceNetwork,
            String callId,
            String subjectUserId,
            String actingUserId,
            long eventTime,
            Long callAppendedAt) {
        long days = config.anomalies().lookbackMillis() / 86_400_000L;
        String what = sourceNetwork == null
                ? String.format("%s on %s", action, resource)
                : String.format("its servers from network %s (%s on %s)", sourceNetwork, action, resource);
        return Violation.newBuilder()
                .setViolationId(Ids.of("v-", ViolationRule.FIRST_SEEN, partnerId,
                        sourceNetwork == null ? resource + "/" + action : sourceNetwork, eventTime))
                .setRule(ViolationRule.FIRST_SEEN)
                .setSeverity(config.severityOf(ViolationRule.FIRST_SEEN, resource))
                .setPartnerId(partnerId)
                .setResource(resource)
                .setAction(action)
                .setReason(String.format("Partner %s called %s at %s, which it had not done in the %s before.",
                        partnerId, what, Instant.ofEpochMilli(eventTime),
                        days > 0 ? days + " days" : (config.anomalies().lookbackMillis() / MINUTE_MILLIS) + " minutes"))
                .setCallId(callId)
                .setSubjectUserId(subjectUserId)
                .setActingUserId(actingUserId)
                .setEventTime(eventTime)
                .setCallAppendedAt(callAppendedAt)
                .setSourceNetwork(sourceNetwork)
                .setDetectedAt(System.currentTimeMillis())
                .build();
    }

    private static String figure(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The reason sentence for a scope rule breach. */
    public static String scopeReason(ScopeVerdict verdict, String partnerId, Resource resource, Action action,
            long eventTime) {
        PartnerAgreement a = verdict.agreement();
        switch (verdict.brokenRule()) {
            case NO_AGREEMENT:
                return String.format("Partner %s had no agreement in force at %s.",
                        partnerId, Instant.ofEpochMilli(eventTime));
            case AFTER_REVOCATION:
                if (verdict.revoked()) {
                    return String.format("Partner %s called after its agreement was revoked (version %d, %s from %s).",
                            partnerId, a.getVersion(), a.getStatus(), Instant.ofEpochMilli(a.getEffectiveFrom()));
                }
                return String.format("Partner %s called after agreement version %d lapsed at %s.",
                        partnerId, a.getVersion(), Instant.ofEpochMilli(a.getEffectiveUntil()));
            case OUT_OF_SCOPE:
                return String.format("Agreement version %d of partner %s does not allow %s on %s.",
                        a.getVersion(), partnerId, action, resource);
            default:
                throw new IllegalArgumentException("not a scope rule: " + verdict.brokenRule());
        }
    }

    public static String friendDataReason(String partnerId, Resource resource, int agreementVersion) {
        return String.format(
                "Partner %s touched another user's %s on behalf of the signed-in user, which agreement version %d "
                        + "does not allow.",
                partnerId, resource, agreementVersion);
    }

    /**
     * The same violation written again as RETRACTED: records that arrived late overturned it. Its id is
     * unchanged, so the last record of the id is its state.
     */
    public static Violation retracted(Violation raised, String why) {
        return Violation.newBuilder(raised)
                .setStatus(ViolationStatus.RETRACTED)
                .setRetractionReason(why)
                .setDetectedAt(System.currentTimeMillis())
                .build();
    }

    /** When a violation happened: the call's time, or for a rate violation the end of its minute. */
    public static long occurredAt(Violation v) {
        return v.getEventTime() != null ? v.getEventTime() : v.getWindowEnd() - 1;
    }

    /**
     * Whether a rule is a behavioural anomaly (judged against the partner's own history) rather than a breach of
     * an agreement or a consent: the contract rules' oracle (the simulator's ground truth) does not cover them.
     */
    public static boolean isAnomaly(ViolationRule rule) {
        return rule == ViolationRule.VOLUME_SPIKE || rule == ViolationRule.FAN_OUT || rule == ViolationRule.FIRST_SEEN;
    }

    /** Whether a violation record says the violation is in force (older records have no status: RAISED). */
    public static boolean inForce(Violation v) {
        return v.getStatus() != ViolationStatus.RETRACTED;
    }
}
