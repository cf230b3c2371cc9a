package org.accessdetector.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.accessdetector.kafka.Topics;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.simulate.SimEvent;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.simulate.Simulator;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One bounded simulated run, whole: the agreements known before it, every record it makes, and each record as
 * the simulator would send it (its topic and when), for tests to send in that order or another.
 */
public record SimulatedRun(List<PartnerAgreement> initialAgreements, List<PartnerAgreement> agreements,
        List<ConsentEvent> consents, List<PartnerApiCall> calls, List<Timed> timed, long lastEventTime) {

    /**
     * A record to send, when the simulator would send it (epoch milliseconds), and its own time (a call's or
     * consent's event time, an agreement version's start).
     */
    public record Timed(long sendAt, long eventTime, ProducerRecord<byte[], byte[]> record) {}

    public static SimulatedRun of(SimulationSettings settings, Topics topics) {
        Simulator sim = new Simulator(settings);
        List<PartnerAgreement> agreements = new ArrayList<>(sim.agreements());
        List<ConsentEvent> consents = new ArrayList<>();
        List<PartnerApiCall> calls = new ArrayList<>();
        List<Timed> timed = new ArrayList<>();
        long last = Long.MIN_VALUE;
        for (Simulator.Events events = sim.events(); events.hasNext(); ) {
            SimEvent e = events.next();
            if (e instanceof SimEvent.Call c) {
                calls.add(c.call());
                last = Math.max(last, c.call().getEventTime());
                timed.add(new Timed(e.emitAtMillis(), c.call().getEventTime(), KafkaClients.record(topics.calls(), c.call())));
            } else if (e instanceof SimEvent.Consent c) {
                consents.add(c.event());
                timed.add(new Timed(e.emitAtMillis(), c.event().getEventTime(),
                        KafkaClients.record(topics.consents(), c.event())));
            } else if (e instanceof SimEvent.Agreement a) {
                agreements.add(a.agreement());
                timed.add(new Timed(e.emitAtMillis(), a.agreement().getEffectiveFrom(),
                        KafkaClients.record(topics.agreements(), a.agreement())));
            }
        }
        return new SimulatedRun(List.copyOf(sim.agreements()), agreements, consents, calls, timed, last);
    }

    /** The records in the simulator's order of sending. */
    public List<ProducerRecord<byte[], byte[]>> records() {
        return timed.stream().map(Timed::record).toList();
    }

    /** What replay makes of the run's records (see {@link Verdicts#oracle}). */
    public Set<String> expected() {
        return Verdicts.oracle(agreements, consents, calls);
    }
}
