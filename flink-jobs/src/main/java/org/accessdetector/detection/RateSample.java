package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/**
 * The records one in-scope call adds to its partner's minute, with the limit in force at the minute's start.
 */
public record RateSample(
        String partnerId,
        Resource resource,
        Action action,
        long windowStart,
        long recordCount,
        long limit,
        int agreementVersion) {

    /** The key of the rate state: partner, resource and action. */
    public String rateKey() {
        return partnerId + '|' + resource + '|' + action;
    }
}
