package org.accessdetector.rules;

import java.time.Instant;
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

    /** Whether a violation record says the violation is in force (older records have no status: RAISED). */
    public static boolean inForce(Violation v) {
        return v.getStatus() != ViolationStatus.RETRACTED;
    }
}
