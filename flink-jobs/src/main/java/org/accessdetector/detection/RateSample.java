package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/**
 * A change in the records one partner/resource/action minute holds: a call judged in scope adds its records,
 * a call no longer in scope (a late agreement version) takes them back.
 */
public record RateSample(String partnerId, Resource resource, Action action, long windowStart, long records) {

    /** The key of the rate state: partner, resource and action. */
    public String rateKey() {
        return rateKey(partnerId, resource, action);
    }

    static String rateKey(String partnerId, Resource resource, Action action) {
        return partnerId + '|' + resource + '|' + action;
    }
}
