package org.accessdetector.demo;

import org.accessdetector.kafka.KafkaConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;
import org.accessdetector.kafka.TopicWriter;
import org.accessdetector.kafka.Topics;
import org.accessdetector.simulate.ExpectedViolations;
import org.accessdetector.simulate.SimEvent;
import org.accessdetector.simulate.Simulator;
import org.accessdetector.simulate.TruthWriter;

/**
 * Sends a simulation to Kafka in real time: the simulated partners' agreements first, then every event when
 * its time comes, writing the ground truth alongside if asked.
 */
public final class TrafficDriver implements Runnable, AutoCloseable {

    private final Simulator simulator;
    private final Topics topics;
    private final TopicWriter writer;
    private final TruthWriter truth;
    private final PrintStream log;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong callsSent = new AtomicLong();
    private volatile boolean running = true;
    private boolean agreementsPublished;

    /** @param truth where to write the ground truth, or null */
    public TrafficDriver(Simulator simulator, Topics topics, KafkaConnection kafka, TruthWriter truth,
            PrintStream log) {
        this.simulator = simulator;
        this.topics = topics;
        this.writer = new TopicWriter(kafka);
        this.truth = truth;
        this.log = log;
    }

    /** Records sent: calls, consent events and agreements. */
    public long sent() {
        return sent.get();
    }

    /** Calls sent, redeliveries included. */
    public long callsSent() {
        return callsSent.get();
    }

    /** Publishes the simulated partners' agreements (once); {@link #run()} does it first if not done yet. */
    public synchronized void publishAgreements() throws Exception {
        if (!agreementsPublished) {
            writer.sendAll(topics.agreements(), simulator.agreements());
            agreementsPublished = true;
        }
    }

    @Override
    public void run() {
        try {
            publishAgreements();
            Simulator.Events events = simulator.events();
            while (running && events.hasNext()) {
                SimEvent e = events.next();
                long wait = e.emitAtMillis() - System.currentTimeMillis();
                if (wait > 0) {
                    writer.flush();
                    Thread.sleep(wait);
                }
                send(e);
                if (truth != null) {
                    truth.write(e);
                    truth.writeWindows(events.takeRateLimitWindows());
                }
            }
            writer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (running) { // after close(), a send in flight fails on the closed producer: that is the stop
                log.println("error: the simulator stopped: " + e);
            }
        } finally {
            closeTruth();
        }
    }

    /** What {@link #sendBacklog()} sent, and the violations the simulator's ground truth says it holds. */
    public record Backlog(long calls, long consents, long agreements, java.util.Set<String> expectedViolationIds,
            long rateLimitMinutes) {
        public long expectedViolations() {
            return expectedViolationIds.size();
        }
    }

    /**
     * Sends the agreements and then the whole simulation at once, ignoring its send times (a backlog, as after
     * an outage), and waits until the broker has every record. Counts the violations in the ground truth: each
     * distinct call's per-call rules, and every RATE_LIMIT minute.
     */
    public Backlog sendBacklog() throws Exception {
        publishAgreements();
        ExpectedViolations expected = new ExpectedViolations();
        Simulator.Events events = simulator.events();
        while (running && events.hasNext()) {
            SimEvent e = events.next();
            send(e);
            expected.add(e);
        }
        expected.addWindows(events.takeRateLimitWindows());
        writer.flush();
        for (int attempt = 0; attempt < 3 && writer.failed() > 0; attempt++) {
            log.printf("Sending %d backlog records again (the broker did not take them: %s)%n", writer.failed(),
                    writer.firstFailure());
            writer.resendFailed();
        }
        if (writer.failed() > 0) {
            // The ground truth counts every record: a backlog with records missing would not match it.
            throw new IllegalStateException(writer.failed() + " records of the backlog could not be written",
                    writer.firstFailure());
        }
        return new Backlog(callsSent.get(), expected.consents(), simulator.agreements().size() + expected.agreements(),
                expected.ids(), expected.rateLimitMinutes());
    }

    private void send(SimEvent e) {
        if (e instanceof SimEvent.Call c) {
            writer.send(topics.calls(), c.call());
            callsSent.incrementAndGet();
        } else if (e instanceof SimEvent.Consent c) {
            writer.send(topics.consents(), c.event());
        } else if (e instanceof SimEvent.Agreement a) {
            writer.send(topics.agreements(), a.agreement());
        }
        sent.incrementAndGet();
    }

    private void closeTruth() {
        if (truth != null) {
            try {
                truth.close();
            } catch (IOException e) {
                log.println("error: cannot finish the ground truth file: " + e.getMessage());
            }
        }
    }

    /** Stops sending after the event in flight; {@link #run()} then returns. */
    public void stop() {
        running = false;
    }

    @Override
    public void close() {
        stop();
        writer.close();
    }
}
