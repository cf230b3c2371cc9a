package org.accessdetector.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.accessdetector.benchmark.ThroughputBenchmark;
import org.accessdetector.kafka.local.LocalKafkaBroker;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code detector benchmark throughput}: backlog catch-up against the raw consume+decode rate of the same run. */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = {"Measures backlog throughput on this machine: starts a local Kafka broker, fills it with "
                + "--calls simulated calls and their consents (seeded), then measures in the same run a plain "
                + "consumer reading and decoding every call (the baseline) and the detector catching the whole "
                + "backlog up from a cold start with each --state-backend, from the job running to its last "
                + "violation written (by the broker's append time; also shown: until readable, which with "
                + "exactly-once sinks waits for a checkpoint to commit).",
            "Prints calls/s for each, the ratio detector/raw, the peak resident memory of this JVM, and whether "
                + "the detector's output is complete (its violations in force equal the ground truth's count)."})
final class ThroughputCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BenchmarkBacklog backlog;

    @Option(names = "--state-backend", defaultValue = "hashmap,rocksdb", split = ",",
            description = "State backends to measure, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> stateBackends;

    @CommandLine.Mixin
    BenchmarkTraffic traffic;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The broker's data, emptied first "
            + "(default: .local/benchmark-throughput).")
    Path dataDir = Path.of(".local", "benchmark-throughput");

    @CommandLine.Mixin
    Settings settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!backlog.valid() || stateBackends.isEmpty()) {
            spec.commandLine().getErr().println("error: --calls and --simulated-rate must be positive, and "
                    + "--state-backend must name one or more backends");
            return DetectorCli.USAGE_ERROR;
        }
        PrintStream out = System.out;
        FileUtils.deleteDirectory(dataDir.toFile());
        try (LocalKafkaBroker broker = LocalKafkaBroker.builder().dataDir(dataDir.resolve("kafka")).heap("1g")
                .build().start()) {
            // Kept after each run is cancelled: its last checkpoint tells how big the caught-up state is.
            Configuration conf = RunCommand.withLocalParallelism(RunCommand.withRetainedCheckpoints(
                    RunCommand.withLocalCheckpoints(RunCommand.withLiveDefaults(settings.configuration(), "9249-9299"),
                            dataDir.resolve("checkpoints"))));
            conf.set(LiveOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            out.printf("Throughput benchmark: %d calls, %d cores, seed %d, broker %s%n", backlog.calls,
                    Runtime.getRuntime().availableProcessors(), traffic.seed, broker.bootstrapServers());
            ThroughputBenchmark.Result r = new ThroughputBenchmark(conf, backlog.settings(traffic), stateBackends, System.err).run();
            print(r, out);
            printStateSizes(r, dataDir.resolve("checkpoints"), out);
            return r.detector().stream().allMatch(ThroughputBenchmark.Detector::complete) ? 0 : 1;
        }
    }

    /** The state each run had caught up, from its last complete checkpoint (heap and RocksDB take full ones). */
    static void printStateSizes(ThroughputBenchmark.Result r, Path checkpoints, PrintStream out) throws IOException {
        for (ThroughputBenchmark.Detector d : r.detector()) {
            var last = LocalCheckpoints.latestComplete(checkpoints.resolve(d.jobId()));
            if (last.isEmpty()) {
                out.printf("Detector, %-8s state: no complete checkpoint to measure%n", d.stateBackend());
                continue;
            }
            long bytes = LocalCheckpoints.size(last.get());
            out.printf("Detector, %-8s state: last checkpoint (%s) %d MiB, %.0f bytes per call of the backlog "
                    + "(all within the horizon)%n", d.stateBackend(), last.get().dir().getFileName(),
                    bytes / (1024 * 1024), (double) bytes / Math.max(1, r.backlog().calls()));
        }
    }

    static void print(ThroughputBenchmark.Result r, PrintStream out) {
        out.printf("Backlog: %d calls, %d consent events, %d agreement versions%n", r.backlog().calls(),
                r.backlog().consents(), r.backlog().agreements());
        out.printf("Raw consume+decode (1 consumer thread): %.0f calls/s (%d calls in %.1f s)%n",
                r.raw().callsPerSecond(), r.raw().calls(), r.raw().elapsed().toMillis() / 1000.0);
        for (ThroughputBenchmark.Detector d : r.detector()) {
            if (d.violationsInForce() == 0 && d.expectedViolations() > 0) {
                // Nothing readable at all: no rate to give (the time to the last violation would be zero).
                out.printf("Detector, %-8s state: no violation readable before it stalled; peak resident %d MiB; "
                        + "output INCOMPLETE (0 of %d violations in force)%n", d.stateBackend(),
                        d.peakResidentBytes() / (1024 * 1024), d.expectedViolations());
                continue;
            }
            out.printf("Detector, %-8s state: %.0f calls/s (all written in %.1f s, readable in %.1f s), %.1f%% of raw; "
                    + "peak resident %d MiB; output %s (%d of %d violations in force)%n", d.stateBackend(),
                    d.callsPerSecond(), d.elapsed().toMillis() / 1000.0, d.readable().toMillis() / 1000.0,
                    100 * d.callsPerSecond() / r.raw().callsPerSecond(),
                    d.peakResidentBytes() / (1024 * 1024), d.complete() ? "complete" : "INCOMPLETE",
                    d.violationsInForce(), d.expectedViolations());
            d.missing().stream().limit(5).forEach(m -> out.println("  missing: " + m));
            d.extra().stream().limit(5).forEach(x -> out.println("  not in the ground truth: " + x));
        }
    }
}
