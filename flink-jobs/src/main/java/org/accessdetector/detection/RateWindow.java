package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;

/** Records counted so far in one partner/resource/action minute, and the limit in force at its start. */
public record RateWindow(
        String partnerId, Resource resource, Action action, long observed, long limit, int agreementVersion) {

    static RateWindow startedBy(RateSample s) {
        return new RateWindow(s.partnerId(), s.resource(), s.action(), 0, s.limit(), s.agreementVersion());
    }

    RateWindow plus(long records) {
        return new RateWindow(partnerId, resource, action, observed + records, limit, agreementVersion);
    }
}
