package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.accessdetector.demo.TrafficDriver;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.simulate.Simulator;
import org.accessdetector.simulate.TruthWriter;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code detector simulate}: realistic partner traffic with injected breaches, sent to Kafka in real time. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Sends realistic partner API traffic to Kafka: ~150 partners of three kinds with a skewed "
                + "share of traffic, millions of users with consents, bursts, and a fraction of injected breaches "
                + "of every rule (late revocations and redelivered calls too).",
            "--truth writes which call breaks which rule, to score detection."})
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "200", paramLabel = "CALLS_PER_SECOND",
            description = "Calls per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", paramLabel = "DURATION",
            description = "How long to run, e.g. 10m or 1h (default: until Ctrl-C).")
    String duration;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--breach-fraction", defaultValue = "0.02",
            description = "Share of calls that break a rule (default: ${DEFAULT-VALUE}).")
    double breachFraction;

    @Option(names = "--partners", defaultValue = "150", description = "Partners (default: ${DEFAULT-VALUE}).")
    int partners;

    @Option(names = "--users", defaultValue = "2000000", description = "Users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--truth", paramLabel = "FILE", description = "Write the ground truth (JSON Lines) here.")
    Path truth;

    @Mixin
    Settings.WithKafka settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SimulationSettings sim;
        try {
            sim = settings(rate, duration, seed, breachFraction, partners, users);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        Configuration conf = settings.configuration();
        try (TrafficDriver driver = new TrafficDriver(new Simulator(sim), Topics.from(conf),
                KafkaConnection.from(conf), truth == null ? null : TruthWriter.open(truth),
                System.err)) {
            System.out.printf("Simulating %.0f calls/s of %d partners and %d users (seed %d) to %s%n",
                    rate, partners, users, seed, KafkaConnection.from(conf));
            driver.run();
            System.out.printf("Sent %d records%n", driver.sent());
        }
        return 0;
    }

    static SimulationSettings settings(double rate, String duration, long seed, double breachFraction, int partners,
            int users) {
        return builder(rate, duration, seed, breachFraction, partners, users).build();
    }

    /** The simulation these options describe, starting now, for a caller to adjust. */
    static SimulationSettings.Builder builder(double rate, String duration, long seed, double breachFraction,
            int partners, int users) {
        SimulationSettings.Builder b = SimulationSettings.builder()
                .seed(seed)
                .callsPerSecond(rate)
                .breachFraction(breachFraction)
                .partners(partners)
                .users(users)
                .startTime(System.currentTimeMillis());
        if (duration != null) {
            b.duration(parseDuration(duration));
        }
        return b;
    }

    /** 90s, 10m, 2h or an ISO-8601 duration (PT10M). */
    static Duration parseDuration(String text) {
        try {
            return org.apache.flink.util.TimeUtils.parseDuration(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            try {
                return Duration.parse(text);
            } catch (RuntimeException e2) {
                throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 90s, 10m, 2h)");
            }
        }
    }
}
