package org.accessdetector.rules;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;

/**
 * Answers "what was this user's consent at t" from the user's consent events (of one partner, or the
 * platform-wide sharing setting): the latest event at or before t decides. Two events at the same
 * millisecond are ordered so the withdrawing one wins, which keeps the answer independent of arrival order.
 */
public final class ConsentHistory {

    private ConsentHistory() {}

    /** The latest event at or before {@code t}, or null. */
    public static ConsentEvent latestAt(Iterable<ConsentEvent> events, long t) {
        ConsentEvent latest = null;
        if (events == null) {
            return null;
        }
        for (ConsentEvent e : events) {
            if (e.getEventTime() <= t && (latest == null || later(e, latest))) {
                latest = e;
            }
        }
        return latest;
    }

    /** Whether the user had authorized the partner at t (latest AUTHORIZED/DEAUTHORIZED is AUTHORIZED). */
    public static boolean authorizedAt(Iterable<ConsentEvent> partnerEvents, long t) {
        ConsentEvent latest = latestAt(partnerEvents, t);
        return latest != null && latest.getType() == ConsentEventType.AUTHORIZED;
    }

    /** Whether the user had platform-wide sharing disabled at t. */
    public static boolean sharingDisabledAt(Iterable<ConsentEvent> sharingEvents, long t) {
        ConsentEvent latest = latestAt(sharingEvents, t);
        return latest != null && latest.getType() == ConsentEventType.SHARING_DISABLED;
    }

    /**
     * The events that still decide an answer at or after {@code from}: the one in force at {@code from} (if
     * any) and every event after it. Answers for times at or after {@code from} are unchanged; older times
     * are no longer answered exactly. Returns {@code events} itself when nothing can be dropped.
     */
    public static List<ConsentEvent> compactedBefore(List<ConsentEvent> events, long from) {
        ConsentEvent inForce = latestAt(events, from);
        List<ConsentEvent> kept = new ArrayList<>(events.size());
        for (ConsentEvent e : events) {
            if (e == inForce || e.getEventTime() > from) {
                kept.add(e);
            }
        }
        return kept.size() == events.size() ? events : kept;
    }

    private static boolean later(ConsentEvent a, ConsentEvent b) {
        if (a.getEventTime() != b.getEventTime()) {
            return a.getEventTime() > b.getEventTime();
        }
        return withdraws(a.getType()) && !withdraws(b.getType());
    }

    private static boolean withdraws(ConsentEventType type) {
        return type != ConsentEventType.AUTHORIZED && type != ConsentEventType.SHARING_ENABLED;
    }
}
