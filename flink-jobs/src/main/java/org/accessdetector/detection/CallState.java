package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.ViolationRule;

/**
 * One call as its {@link CallJudge} keeps it for the retention horizon: only what judging it again needs (not
 * the whole record), and what is in force for it, so a new judgement writes only the difference.
 */
public class CallState {
    public String partnerId;
    public Resource resource;
    public Action action;
    /** Null when it is the consenting user (the key) and the call has no acting user: most calls. */
    public String subjectUserId;
    public String actingUserId;
    public long eventTime;
    public Long appendedAt;
    public long recordCount;
    /** For a call about another user: whether the subject had turned sharing off at the call. */
    public Boolean subjectSharingOff;
    public boolean judged;

    // In force for the call, as last written.
    /** NO_AGREEMENT, AFTER_REVOCATION or OUT_OF_SCOPE (exclusive), or null. */
    public ViolationRule scopeRule;
    public Integer scopeVersion;
    /** The agreement version of the FRIEND_DATA violation in force, or null. */
    public Integer friendDataVersion;
    /** The reason of the NO_USER_CONSENT violation in force, or null. */
    public String consentReason;
    public Integer consentVersion;
    /** Whether the call's records are counted in its minute's rate window. */
    public boolean rateCounted;

    public CallState() {}

    static CallState of(PartnerApiCall call, Boolean subjectSharingOff) {
        CallState c = new CallState();
        // Few partners: one shared string each instead of one per call held.
        c.partnerId = call.getPartnerId().intern();
        c.resource = call.getResource();
        c.action = call.getAction();
        c.subjectUserId = call.getActingUserId() == null ? null : call.getSubjectUserId(); // else it is the key
        c.actingUserId = call.getActingUserId();
        c.eventTime = call.getEventTime();
        c.appendedAt = call.getAppendedAt();
        c.recordCount = call.getRecordCount();
        c.subjectSharingOff = subjectSharingOff;
        return c;
    }

    /** The subject, given the key the call is kept under (its consenting user). */
    String subject(String consentingUser) {
        return subjectUserId != null ? subjectUserId : consentingUser;
    }

    boolean aboutAnotherUser() {
        return actingUserId != null && !actingUserId.equals(subjectUserId);
    }
}
