package org.accessdetector.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.accessdetector.benchmark.HeapSampler;
import org.accessdetector.benchmark.LatencyBenchmark;
import org.accessdetector.kafka.local.LocalKafkaBroker;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code detector benchmark}: detection latency at a steady simulated rate, on a local broker and an embedded
 * Flink MiniCluster, measured from each call's append to Kafka to its violation being readable.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true,
        subcommands = {ThroughputCommand.class, ReplayBenchCommand.class, AnomaliesCommand.class},
        description = {"Measures detection latency on this machine: starts a local Kafka broker, runs the detector "
                + "on an embedded Flink MiniCluster and simulated traffic at --rate calls/s, and times every "
                + "per-call violation from its call's append to Kafka until a read_committed consumer reads it "
                + "(with the default exactly-once sinks, that includes waiting for the next checkpoint; "
                + "-c detector.sink.delivery-guarantee=at-least-once measures without it).",
            "Prints the latency percentiles, the p99 of each 10 s of traffic (a climbing trend means a growing "
                + "backlog) and whether the detector kept up. Raise --rate until it does not to find the "
                + "highest sustainable rate.",
            "`benchmark throughput` measures backlog catch-up against the raw Kafka consume+decode rate instead; "
                + "`benchmark replay` replay over files against one thread's read and parse of them; "
                + "`benchmark anomalies` scores the behavioural-anomaly rules on a seeded history with injected "
                + "stories."})
final class BenchmarkCommand implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "1000", paramLabel = "CALLS_PER_SECOND",
            description = "Simulated calls per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--duration", defaultValue = "60s", description = "How long to measure (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--warm-up", defaultValue = "20s",
            description = "Traffic before measuring starts (default: ${DEFAULT-VALUE}).")
    String warmUp;

    @Option(names = "--heap-every", paramLabel = "DURATION",
            description = "Also print the heap in use after a full GC this often (e.g. 1m), to see what the detector "
                    + "holds; the collections disturb latency, so leave it off when timing.")
    String heapEvery;

    @CommandLine.Mixin
    BenchmarkTraffic traffic;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The broker's data, emptied first "
            + "(default: .local/benchmark).")
    Path dataDir = Path.of(".local", "benchmark");

    @CommandLine.Mixin
    Settings settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration measured;
        Duration warm;
        try {
            measured = SimulateCommand.parseDuration(duration);
            warm = SimulateCommand.parseDuration(warmUp);
            if (rate <= 0 || measured.compareTo(LatencyBenchmark.PERIOD) < 0) {
                throw new IllegalArgumentException("--rate must be positive and --duration at least "
                        + LatencyBenchmark.PERIOD.toSeconds() + "s");
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        PrintStream out = System.out;
        FileUtils.deleteDirectory(dataDir.resolve("kafka").toFile()); // a fresh broker and no old checkpoints
        FileUtils.deleteDirectory(dataDir.resolve("checkpoints").toFile());
        try (LocalKafkaBroker broker = LocalKafkaBroker.builder().dataDir(dataDir.resolve("kafka")).heap("1g")
                .build().start()) {
            // Metrics on the first free port from 9249, so a benchmark can run beside a demo or a detector.
            Configuration conf = RunCommand.withLocalParallelism(RunCommand.withLocalCheckpoints(
                    RunCommand.withLiveDefaults(settings.configuration(), "9249-9299"), dataDir.resolve("checkpoints")));
            conf.set(LiveOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            out.printf("Benchmark: %.0f calls/s, %d cores, seed %d, broker %s%n", rate,
                    Runtime.getRuntime().availableProcessors(), traffic.seed, broker.bootstrapServers());
            if (heapEvery != null) {
                HeapSampler.start(SimulateCommand.parseDuration(heapEvery), out);
            }
            LatencyBenchmark.Result r = new LatencyBenchmark(conf,
                    SimulateCommand.builder(rate, null, traffic.seed, traffic.breachFraction, 150, traffic.users), rate, warm, measured,
                    System.err).run();
            print(r, out);
            return 0;
        }
    }

    static void print(LatencyBenchmark.Result r, PrintStream out) {
        out.printf("Calls in the measured %d s: %d (%.0f/s of %.0f/s asked)%n", r.measured().toSeconds(),
                r.callsSent(), r.callsPerSecond(), r.requestedRate());
        out.printf("Violations timed: %d of %d read (per-call rules; rate-limit violations wait for their minute)%n",
                r.timed(), r.violationsRead());
        out.printf("Retractions among them: %d (a consent or agreement record arrived after the calls it covers "
                + "were judged)%n", r.retracted());
        out.printf("Detection latency, call appended -> violation readable (ms): p50 %d  p90 %d  p99 %d  "
                + "p99.9 %d  max %d%n", r.p50(), r.p90(), r.p99(), r.p999(), r.max());
        r.byRule().forEach((rule, samples) -> out.printf("  %-16s p50 %d  p99 %d  (%d timed)%n", rule,
                samples.percentile(50), samples.percentile(99), samples.size()));
        out.printf("p99 of each %d s (ms): %s%n", LatencyBenchmark.PERIOD.toSeconds(),
                r.p99ByPeriod().stream().map(String::valueOf).collect(Collectors.joining(" ")));
        if (r.notAppendTimed() > 0) {
            out.printf("warning: %d violations were on a topic without log-append time and could not be timed%n",
                    r.notAppendTimed());
        }
        String bound = LatencyBenchmark.human(r.keptUpBelow());
        out.println(!r.keptUp()
                ? "Kept up: NO (calls not sent on time, or the last 10 s p99 reached " + bound + " and was still "
                        + "climbing: a backlog)"
                : r.underBound()
                        ? "Kept up: yes (every call sent on time, p99 of the last 10 s under " + bound + ")"
                        : "Kept up: yes, with latency above the " + bound + " bound (every call sent on time; the p99 "
                                + "levelled off at " + LatencyBenchmark.human(java.time.Duration.ofMillis(r.lastP99()))
                                + " instead of climbing: a fixed cost such as slow checkpoints, not a backlog)");
    }
}
