package org.accessdetector.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.replay.ReplayJob;
import org.accessdetector.replay.ReplaySummary;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code detector replay}: runs the detection graph over JSON Lines files on a local Flink MiniCluster. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the detector over JSON Lines files and writes violations.jsonl, alerts.jsonl and rejected.jsonl.",
            "Lines are judged by event time, so their order in the files does not matter."
        })
final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--agreements", required = true, paramLabel = "FILE", description = "Agreement versions.")
    Path agreements;

    @Option(names = "--consents", paramLabel = "FILE", description = "Consent events (optional).")
    Path consents;

    @Option(names = "--calls", required = true, paramLabel = "FILE", description = "Partner API calls.")
    Path calls;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the output files.")
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
        for (Path input : consents == null ? new Path[] {agreements, calls} : new Path[] {agreements, consents, calls}) {
            if (!Files.isRegularFile(input)) {
                spec.commandLine().getErr().println("error: input file not found: " + input);
                return DetectorCli.USAGE_ERROR;
            }
        }
        if (parallelism < 1) {
            spec.commandLine().getErr().println("error: --parallelism must be at least 1");
            return DetectorCli.USAGE_ERROR;
        }
        DetectorConfig config = settings.detectorConfig(spec.commandLine());
        if (config == null) {
            return DetectorCli.USAGE_ERROR;
        }
        ReplaySummary summary = new ReplayJob(config)
                .run(environment(parallelism, settings.configuration()), new ReplayJob.Request(agreements, consents, calls, out));
        summary.print(new java.io.PrintStream(System.out, true));
        return 0;
    }

    /** The local Flink environment replays run on, with any Flink settings among the {@code -c} ones. */
    static StreamExecutionEnvironment environment(int parallelism, Configuration settings) {
        Configuration flink = new Configuration(settings);
        flink.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        return StreamExecutionEnvironment.getExecutionEnvironment(flink);
    }
}
