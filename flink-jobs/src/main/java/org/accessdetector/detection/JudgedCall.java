package org.accessdetector.detection;

import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.ViolationRule;

/**
 * A call already judged, kept for the late horizon: which rules it has been reported for (a bit per
 * {@link ViolationRule}) and whether its consent was checked, so a late agreement only adds what is new.
 */
public record JudgedCall(PartnerApiCall call, int reportedRules, boolean consentChecked) {

    boolean reported(ViolationRule rule) {
        return (reportedRules & bit(rule)) != 0;
    }

    static int bit(ViolationRule rule) {
        return 1 << rule.ordinal();
    }
}
