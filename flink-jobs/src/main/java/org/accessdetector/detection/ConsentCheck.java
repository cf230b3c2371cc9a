package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/**
 * A request to check one user's consent for one in-scope call, routed to that user's consent state.
 * A call needs one check (no acting user, or acting user = subject) or two (acting user and subject).
 *
 * @param appendedAt when the call reached Kafka, if known, for measuring detection latency
 * @param checkAuthorization whether this user is the consenting user and the grant requires consent
 * @param checksExpected how many checks the call needs in all, so their findings can be merged
 */
public record ConsentCheck(
        String callId,
        String partnerId,
        Resource resource,
        Action action,
        String subjectUserId,
        String actingUserId,
        long eventTime,
        Long appendedAt,
        int agreementVersion,
        String checkedUserId,
        CheckedRole role,
        boolean checkAuthorization,
        int checksExpected) {

    /** Which of the call's users a check is about; also orders the parts of a merged reason. */
    public enum CheckedRole {
        ACTING_USER("the acting user"),
        SUBJECT_USER("the subject user");

        private final String phrase;

        CheckedRole(String phrase) {
            this.phrase = phrase;
        }

        public String phrase() {
            return phrase;
        }
    }
}
