package org.accessdetector.detection.anomaly;

/**
 * One credential window as {@link FanOutJudge} keeps it for the retention horizon after it ends: the distinct
 * users counted (up to just above the ceiling), the resources and actions used, and the FAN_OUT in force.
 */
public class FanOutWindow {
    public String partnerId;
    public String tokenId;
    public String actingUserId;
    public long distinct;
    /** One bit per resource and action used in the window; the violation names the most sensitive. */
    public long scopes;
    /** Whether event time has passed the window: it is judged, and judged again on every change. */
    public boolean closed;
    /** The window's threshold, once event time has reached its start (its baseline is final then), or null. */
    public Double threshold;
    /** The figures of the violation in force, or null: none is. */
    public Long raisedDistinct;
    public Double raisedThreshold;
    public long raisedScopes;
    public boolean raisedShadow;

    public FanOutWindow() {}
}
