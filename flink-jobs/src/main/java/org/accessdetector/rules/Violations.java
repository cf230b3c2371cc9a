package org.accessdetector.rules;

import java.time.Instant;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;

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

    public static Violation perCall(
            DetectorConfig config, ViolationRule rule, PartnerApiCall call, Integer agreementVersion, String reason) {
        return perCall(config, rule, call.getCallId(), call.getPartnerId(), call.getResource(), call.getAction(),
                call.getSubjectUserId(), call.getActingUserId(), call.getEventTime(), call.getAppendedAt(), agreementVersion,
                reason);
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
    public static String scopeReason(ScopeVerdict verdict, PartnerApiCall call) {
        PartnerAgreement a = verdict.agreement();
        switch (verdict.brokenRule()) {
            case NO_AGREEMENT:
                return String.format("Partner %s had no agreement in force at %s.",
                        call.getPartnerId(), Instant.ofEpochMilli(call.getEventTime()));
            case AFTER_REVOCATION:
                if (verdict.revoked()) {
                    return String.format("Partner %s called after its agreement was revoked (version %d, %s from %s).",
                            call.getPartnerId(), a.getVersion(), a.getStatus(), Instant.ofEpochMilli(a.getEffectiveFrom()));
                }
                return String.format("Partner %s called after agreement version %d lapsed at %s.",
                        call.getPartnerId(), a.getVersion(), Instant.ofEpochMilli(a.getEffectiveUntil()));
            case OUT_OF_SCOPE:
                return String.format("Agreement version %d of partner %s does not allow %s on %s.",
                        a.getVersion(), call.getPartnerId(), call.getAction(), call.getResource());
            default:
                throw new IllegalArgumentException("not a scope rule: " + verdict.brokenRule());
        }
    }

    public static String friendDataReason(PartnerApiCall call, int agreementVersion) {
        return String.format(
                "Partner %s touched another user's %s on behalf of the signed-in user, which agreement version %d "
                        + "does not allow.",
                call.getPartnerId(), call.getResource(), agreementVersion);
    }
}
