package org.accessdetector.detection.anomaly;

import java.util.HashMap;
import java.util.Map;

/**
 * The uses of one event-time second that {@link FirstSeenJudge} has not judged yet, by use (a resource and
 * action, or a server network): the earliest call of each and the latest time. Judging a second at a time, in
 * event-time order, makes the verdicts independent of the order the calls arrived in.
 */
public class PendingUses {
    public Map<String, Use> uses = new HashMap<>();

    public PendingUses() {}

    /** One use within the second: its earliest call (what a FIRST_SEEN names) and its latest time. */
    public static class Use {
        public long firstAt;
        public long lastAt;
        public String callId;
        public String subjectUserId;
        public String actingUserId;
        public Long appendedAt;
        public org.accessdetector.schema.Resource resource;
        public org.accessdetector.schema.Action action;
        /** The server network, for a network use; null for a resource and action. */
        public String network;

        public Use() {}
    }
}
