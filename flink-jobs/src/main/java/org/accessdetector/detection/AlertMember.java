package org.accessdetector.detection;

/**
 * A violation id an {@link AlertAggregator} has counted, kept for the retention horizon after the violation,
 * so a redelivered or rewritten record of the id is not counted again and a retraction finds its alert.
 */
public record AlertMember(String alertId, long occurredAt, String subjectUserId, String callId, boolean inForce) {

    AlertMember withInForce(boolean now, String alert) {
        return new AlertMember(alert, occurredAt, subjectUserId, callId, now);
    }
}
