package org.accessdetector.simulate;

import java.util.Objects;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.ViolationRule;

/**
 * One behavioural anomaly an {@link AnomalySimulation} injected: the rule that should find it and where, in
 * event time (epoch milliseconds, both ends inclusive: {@code start} is the story's first call or first minute,
 * {@code end} its last call or the last millisecond of its last minute).
 *
 * @param resource the scope the story touched; null for a new source network (any scope)
 * @param action the action with {@code resource}; null when {@code resource} is
 * @param tokenId FAN_OUT: the token that touched the users; else null
 * @param sourceNetwork FIRST_SEEN of a network: the new /24 or /48 (e.g. {@code 203.0.113.0/24}); else null
 */
public record InjectedAnomaly(ViolationRule rule, String partnerId, Resource resource, Action action, String tokenId,
        String sourceNetwork, long start, long end) {

    public InjectedAnomaly {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(partnerId, "partnerId");
        if (end < start) {
            throw new IllegalArgumentException("end " + end + " is before start " + start);
        }
    }

    /** The story's name, for reports. */
    public String story() {
        return switch (rule) {
            case VOLUME_SPIKE -> "bulk harvest";
            case FAN_OUT -> "token fan-out";
            case FIRST_SEEN -> sourceNetwork != null ? "new server network" : "first use of a scope";
            default -> rule.name();
        };
    }
}
