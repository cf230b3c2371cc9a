package org.accessdetector.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.accessdetector.benchmark.AnomalyBenchmark;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.simulate.AnomalySimulation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code detector benchmark anomalies}: detection quality of the behavioural-anomaly rules on a seeded history. */
@Command(name = "anomalies", mixinStandardHelpOptions = true,
        description = {"Measures how well the behavioural-anomaly rules (VOLUME_SPIKE, FAN_OUT, FIRST_SEEN) find "
                + "injected stories: generates --days of normal partner traffic (seeded) with bulk harvests, token "
                + "fan-outs, first uses of a granted scope and new server networks after the 7-day warm-up, replays "
                + "it on a local Flink MiniCluster and scores the violations in force (shadow ones left out) "
                + "against the stories.",
            "Prints per rule the stories injected and detected, the violations, precision, recall and the median "
                + "and maximum detection delay in event time, and the calls and replay time."})
final class AnomaliesCommand implements Callable<Integer> {

    @Option(names = "--days", defaultValue = "10",
            description = "Days of history, 7 of them warm-up (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--partners", defaultValue = "8", description = "Partners (default: ${DEFAULT-VALUE}).")
    int partners;

    @Option(names = "--stories", defaultValue = "6", paramLabel = "N",
            description = "Stories of each kind (default: ${DEFAULT-VALUE}; fewer if the days after warm-up are few).")
    int stories;

    @Option(names = "--out", paramLabel = "DIR", description = "Keep the history (input/, with the ground truth "
            + "anomalies.jsonl) and replay's output (out/) here; by default they go to a temporary folder, removed "
            + "at the end.")
    Path out;

    @Option(names = "--parallelism", defaultValue = "2", paramLabel = "N",
            description = "Parallelism of the local Flink job (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @CommandLine.Mixin
    Settings settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AnomalySimulation.Settings simulation;
        DetectorConfig config;
        try {
            simulation = new AnomalySimulation.Settings(seed, days, AnomalySimulation.DEFAULT_START, partners, stories);
            if (parallelism < 1) {
                throw new IllegalArgumentException("--parallelism must be at least 1");
            }
            config = DetectorConfig.from(settings.configuration());
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        Path dir = out != null ? Files.createDirectories(out) : Files.createTempDirectory("detector-anomalies-");
        try {
            Configuration flink = new Configuration();
            flink.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
            AnomalyBenchmark.Result r = new AnomalyBenchmark(simulation, config, System.err).run(env, dir);
            AnomalyBenchmark.print(r, System.out);
            if (out != null) {
                System.out.println("History in " + dir.resolve("input") + ", replay's output in " + dir.resolve("out"));
            }
            return 0;
        } finally {
            if (out == null) {
                FileUtils.deleteDirectory(dir.toFile());
            }
        }
    }
}
