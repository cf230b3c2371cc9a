package org.accessdetector.detection;

import org.accessdetector.typeinfo.FlatRecordTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerApiCall;

/**
 * What reaches a user's {@link CallJudge}: a call for which the user is the consenting user, one of the
 * user's consent events, or a change in the subject's sharing setting at a call made on behalf of the user.
 * Exactly one of {@code call}, {@code consent} and {@code correctedCallId} is set.
 */
public class UserInput {

    /** The consenting user: the acting user if the call has one, else its subject; a consent event's user. */
    public String userKey;
    // Flink's fast record serializer, not Avro's: these cross the shuffle to the call judge.
    @TypeInfo(FlatRecordTypeInfo.Factory.class)
    public PartnerApiCall call;
    @TypeInfo(FlatRecordTypeInfo.Factory.class)
    public ConsentEvent consent;
    /** A friend call whose subject's sharing setting turned out different (see {@link SubjectSharingJudge}). */
    public String correctedCallId;
    /** The corrected call's event time. */
    public Long correctedCallTime;
    /** For a call about another user, or a correction: whether the subject had turned sharing off at the call. */
    public Boolean subjectSharingOff;

    public UserInput() {}

    public static UserInput call(PartnerApiCall call) {
        return call(call, null);
    }

    public static UserInput call(PartnerApiCall call, Boolean subjectSharingOff) {
        UserInput in = new UserInput();
        in.userKey = consentingUser(call);
        in.call = call;
        in.subjectSharingOff = subjectSharingOff;
        return in;
    }

    public static UserInput consent(ConsentEvent event) {
        UserInput in = new UserInput();
        in.userKey = event.getUserId();
        in.consent = event;
        return in;
    }

    public static UserInput correction(String consentingUser, String callId, long callTime,
            boolean subjectSharingOff) {
        UserInput in = new UserInput();
        in.userKey = consentingUser;
        in.correctedCallId = callId;
        in.correctedCallTime = callTime;
        in.subjectSharingOff = subjectSharingOff;
        return in;
    }

    public String userKey() {
        return userKey;
    }

    /** The user whose consent a call needs: the acting user if present, else the subject. */
    public static String consentingUser(PartnerApiCall call) {
        return call.getActingUserId() != null ? call.getActingUserId() : call.getSubjectUserId();
    }

    /** Whether a call was made for a signed-in user about another user's data (a friend call). */
    public static boolean aboutAnotherUser(PartnerApiCall call) {
        return call.getActingUserId() != null && !call.getActingUserId().equals(call.getSubjectUserId());
    }
}
