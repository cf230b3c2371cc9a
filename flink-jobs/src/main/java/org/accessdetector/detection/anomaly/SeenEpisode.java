package org.accessdetector.detection.anomaly;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/**
 * One episode of a partner's use of a resource and action, or of a server source network, as
 * {@link FirstSeenJudge} keeps it: calls no more than the lookback apart. Its first call is what a FIRST_SEEN
 * names; kept until the lookback (and the horizon) after its last call have passed.
 */
public class SeenEpisode {
    public long start;
    public long lastAt;
    public String callId;
    public String subjectUserId;
    public String actingUserId;
    public Long appendedAt;
    public Resource resource;
    public Action action;
    /** Whether a FIRST_SEEN for the episode is in force: it began after the partner's warm-up. */
    public boolean raised;
    /**
     * When this episode replaced an earlier one of the same use: that one's start and last call, so a call
     * arriving late between them can join the two again. Null otherwise.
     */
    public Long previousStart;
    public Long previousLastAt;

    public SeenEpisode() {}
}
