package org.accessdetector.detection.anomaly;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/**
 * One partner/resource/action minute as {@link VolumeSpikeJudge} keeps it for the retention horizon after it
 * ends: the records counted, and the figures of the VOLUME_SPIKE in force for it, if any.
 */
public class VolumeMinute {
    public String partnerId;
    public Resource resource;
    public Action action;
    public long observed;
    /** Whether event time has passed the minute: it is judged, and judged again on every change. */
    public boolean closed;
    /** The figures of the violation in force, or null: none is. */
    public Long raisedObserved;
    public Double raisedThreshold;
    public boolean raisedShadow;

    public VolumeMinute() {}
}
