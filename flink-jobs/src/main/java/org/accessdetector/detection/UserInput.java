package org.accessdetector.detection;

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
    public PartnerApiCall call;
    public ConsentEvent consent;
    /** A friend call whose subject's sharing setting turned out different (see {@link SubjectSharingJudge}). */
    public String correctedCallId;
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

    public static UserInput correction(String consentingUser, String callId, boolean subjectSharingOff) {
        UserInput in = new UserInput();
        in.userKey = consentingUser;
        in.correctedCallId = callId;
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
