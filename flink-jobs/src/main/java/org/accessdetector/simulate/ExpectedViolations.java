package org.accessdetector.simulate;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.accessdetector.rules.Violations;

/**
 * The violation ids a whole simulation holds in force at its end, by the simulator's ground truth: each distinct
 * call's per-call rules (a redelivery counts once) and every RATE_LIMIT minute. The oracle both throughput
 * benchmarks (a Kafka backlog, files for replay) check the detector's output against.
 */
public final class ExpectedViolations {

    private final Set<String> ids = new HashSet<>();
    private long calls;
    private long consents;
    private long agreements;
    private long rateLimitMinutes;

    /** Counts one event of the simulation, in the order {@link Simulator.Events} gives them. */
    public void add(SimEvent e) {
        if (e instanceof SimEvent.Call c) {
            calls++;
            if (!c.redelivery()) {
                for (var rule : c.rules()) {
                    ids.add(Violations.perCallId(rule, c.call().getCallId()));
                }
            }
        } else if (e instanceof SimEvent.Consent) {
            consents++;
        } else if (e instanceof SimEvent.Agreement) {
            agreements++;
        }
    }

    /** Adds the RATE_LIMIT minutes the ground truth has closed ({@link Simulator.Events#takeRateLimitWindows()}). */
    public void addWindows(List<GroundTruth.RateLimitWindow> windows) {
        for (var w : windows) {
            ids.add(Violations.rateId(w.partnerId(), w.resource(), w.action(), w.windowStart()));
            rateLimitMinutes++;
        }
    }

    public Set<String> ids() {
        return Set.copyOf(ids);
    }

    /** Calls counted, redeliveries included (each is a record the detector reads). */
    public long calls() {
        return calls;
    }

    public long consents() {
        return consents;
    }

    /** Agreement versions published during the run (not the simulator's initial agreements). */
    public long agreements() {
        return agreements;
    }

    public long rateLimitMinutes() {
        return rateLimitMinutes;
    }
}
