package org.accessdetector.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.accessdetector.benchmark.ReplayBenchmark;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.simulate.Simulator;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code detector benchmark replay}: replay of files against one thread's read and parse of the same files. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Measures replay throughput on this machine: writes --calls simulated calls, their consents "
                + "and the partners' agreements as JSON Lines (seeded), then measures in the same run one thread "
                + "reading and parsing every line (the baseline) and `replay` over the same files.",
            "Prints the replay's wall-clock time, its records/s as a share of the baseline's, the peak resident "
                + "memory of this JVM, and whether its violations in force equal the simulator's ground truth."})
final class ReplayBenchCommand implements Callable<Integer> {

    @CommandLine.Mixin
    BenchmarkBacklog backlog;

    @Option(names = "--parallelism", defaultValue = "2", paramLabel = "N",
            description = "Parallelism of the replay (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @CommandLine.Mixin
    BenchmarkTraffic traffic;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the files go, emptied first "
            + "(default: .local/benchmark-replay).")
    Path dataDir = Path.of(".local", "benchmark-replay");

    @CommandLine.Mixin
    Settings settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!backlog.valid() || parallelism < 1) {
            spec.commandLine().getErr().println("error: --calls, --simulated-rate and --parallelism must be positive");
            return DetectorCli.USAGE_ERROR;
        }
        DetectorConfig config = settings.detectorConfig(spec.commandLine());
        if (config == null) {
            return DetectorCli.USAGE_ERROR;
        }
        FileUtils.deleteDirectory(dataDir.toFile());
        Simulator simulator = new Simulator(backlog.settings(traffic));
        System.out.printf("Replay benchmark: %d calls, %d cores, parallelism %d, seed %d%n", backlog.calls,
                Runtime.getRuntime().availableProcessors(), parallelism, traffic.seed);
        ReplayBenchmark.Result r = new ReplayBenchmark(config, System.err)
                .run(simulator, ReplayCommand.environment(parallelism, settings.configuration()), dataDir);
        ReplayBenchmark.print(r, System.out);
        return r.replay().complete() ? 0 : 1;
    }
}
