package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/**
 * One partner/resource/action minute, kept for the retention horizon after it ends: the records counted, and
 * the RATE_LIMIT violation in force for it (its figures), if any.
 */
public class RateWindow {
    public String partnerId;
    public Resource resource;
    public Action action;
    public long observed;
    /** Whether event time has passed the minute: it is judged, and judged again on every change. */
    public boolean closed;
    /** The figures of the violation in force, or null: none is. */
    public Long raisedObserved;
    public Long raisedLimit;
    public Integer raisedVersion;

    public RateWindow() {}

    static RateWindow of(RateSample s) {
        RateWindow w = new RateWindow();
        w.partnerId = s.partnerId();
        w.resource = s.resource();
        w.action = s.action();
        return w;
    }
}
