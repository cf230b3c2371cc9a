package org.accessdetector.simulate;

import java.util.Objects;
import java.util.Set;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.ViolationRule;

/**
 * One thing a {@link Simulator} emits, with the wall-clock time a real-time driver should send it. Events come
 * in emission order (non-decreasing {@link #emitAtMillis()}).
 */
public sealed interface SimEvent permits SimEvent.Call, SimEvent.Consent, SimEvent.Agreement {

    /** When to send it, epoch milliseconds. */
    long emitAtMillis();

    /**
     * A partner API call and its ground truth: the per-call rules it breaks (empty for a clean call; never
     * RATE_LIMIT, which is judged per window). A redelivery repeats an earlier call's callId and record; its
     * rules are the original's, and it must be counted once.
     */
    record Call(long emitAtMillis, PartnerApiCall call, Set<ViolationRule> rules, boolean redelivery)
            implements SimEvent {
        public Call {
            Objects.requireNonNull(call, "call");
            rules = Set.copyOf(rules);
        }

        public boolean clean() {
            return rules.isEmpty();
        }
    }

    /** A user's consent change. Its eventTime may be long before emitAtMillis (an old authorization). */
    record Consent(long emitAtMillis, ConsentEvent event) implements SimEvent {
        public Consent {
            Objects.requireNonNull(event, "event");
        }
    }

    /** An agreement version published during the run, such as a revocation, possibly after it took effect. */
    record Agreement(long emitAtMillis, PartnerAgreement agreement) implements SimEvent {
        public Agreement {
            Objects.requireNonNull(agreement, "agreement");
        }
    }
}
