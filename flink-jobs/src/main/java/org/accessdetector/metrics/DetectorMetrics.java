package org.accessdetector.metrics;

import org.accessdetector.schema.ViolationRule;

/** Names shared by the detector's metrics; see the operators' guide in the README for what each means. */
public final class DetectorMetrics {

    /** Every detector metric lives under this group: {@code flink_..._operator_accessdetector_<name>}. */
    public static final String GROUP = "accessdetector";

    /** The partner label of a partner without any agreement, so unknown partner ids cannot grow the labels. */
    public static final String UNREGISTERED_PARTNER = "unregistered";

    private DetectorMetrics() {}

    /** The partner label for a violation: NO_AGREEMENT partners are not known, so they share one label. */
    public static String partnerLabel(ViolationRule rule, String partnerId) {
        return rule == ViolationRule.NO_AGREEMENT ? UNREGISTERED_PARTNER : partnerId;
    }
}
