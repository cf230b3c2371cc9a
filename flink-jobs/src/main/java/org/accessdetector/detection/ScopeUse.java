package org.accessdetector.detection;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;

/**
 * A partner's use of a resource and action, as {@link DormantGrants} reads it: the latest call time of the
 * calls combined into it (see {@link Latest}).
 */
public record ScopeUse(String partnerId, Resource resource, Action action, long lastUsedAt) {

    public static ScopeUse of(PartnerApiCall call) {
        return new ScopeUse(call.getPartnerId(), call.getResource(), call.getAction(), call.getEventTime());
    }

    /** The scope as {@link DormantGrants} keys its last uses. */
    public String scope() {
        return scope(resource, action);
    }

    static String scope(Resource resource, Action action) {
        return resource.name() + "/" + action;
    }

    /**
     * The latest use per partner, resource, action and hour of event time, handed on at the first hour on or after
     * it: {@link DormantGrants} reads its last uses only at its hourly recomputations, on the hour.
     */
    public static final class Latest implements LocalCombiner.Combining<PartnerApiCall, Latest.Hour, ScopeUse> {
        private static final long serialVersionUID = 1L;

        /** One partner's resource and action, up to one hourly recomputation. */
        public record Hour(String partnerId, Resource resource, Action action, long recomputedAt) {}

        @Override
        public Hour key(PartnerApiCall call) {
            return new Hour(call.getPartnerId(), call.getResource(), call.getAction(),
                    DormantGrants.recomputationAtOrAfter(call.getEventTime()));
        }

        @Override
        public long dueAt(PartnerApiCall call) {
            return DormantGrants.recomputationAtOrAfter(call.getEventTime());
        }

        @Override
        public ScopeUse first(PartnerApiCall call) {
            return of(call);
        }

        @Override
        public ScopeUse combine(ScopeUse sofar, PartnerApiCall call) {
            return call.getEventTime() > sofar.lastUsedAt() ? of(call) : sofar;
        }
    }
}
