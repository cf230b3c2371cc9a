package org.accessdetector.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.accessdetector.live.LiveJob;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code detector run}: the live detector, on a local Flink MiniCluster when started by the launcher, or on
 * a Flink cluster when the same jar is submitted with {@code flink run}.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the live detector: reads calls, agreements and consents from Kafka and writes "
                + "violations, alerts and dead letters.",
            "Flink settings apply too, e.g. -c state.backend.type=rocksdb -c execution.checkpointing.interval=10s."})
final class RunCommand implements Callable<Integer> {

    /** Defaults for a live job when the user and the cluster set nothing else. */
    static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    static final Duration DEFAULT_BUFFER_TIMEOUT = Duration.ofMillis(5);
    /** Event time moves on this often: it bounds how soon a call can be judged. */
    static final Duration DEFAULT_WATERMARK_INTERVAL = Duration.ofMillis(20);
    static final String PROMETHEUS_REPORTER = "metrics.reporter.prom.";
    static final int DEFAULT_METRICS_PORT = 9249;
    /** Where a local run keeps its checkpoints. */
    static final Path LOCAL_CHECKPOINTS = Path.of(".local", "checkpoints");

    @Mixin
    Settings.WithKafka settings;

    @CommandLine.Option(names = "--job-name", defaultValue = "access-detector",
            description = "Name of the Flink job (default: ${DEFAULT-VALUE}).")
    String jobName;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Configuration conf = withLiveDefaults(settings.configuration());
        LiveJob job;
        try {
            job = new LiveJob(conf);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        if (StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment) {
            withLocalCheckpoints(conf, LOCAL_CHECKPOINTS); // on a cluster, the cluster's storage applies
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        job.build(env);
        env.execute(jobName);
        return 0;
    }

    /**
     * Checkpoints of a job on an embedded MiniCluster go to files under {@code dir}, unless a checkpoint
     * storage or directory is set explicitly. Flink's default keeps them in the JobManager's memory, which
     * refuses a state above 5 MiB: every checkpoint would fail once the detector holds a few minutes of calls,
     * and the job would restart over and over.
     */
    static Configuration withLocalCheckpoints(Configuration conf, Path dir) {
        if (!conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)
                && !conf.contains(CheckpointingOptions.CHECKPOINT_STORAGE)) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toAbsolutePath().toUri().toString());
        }
        return conf;
    }

    /** Checkpointing on, a small (never zero) buffer timeout and frequent watermarks, unless set explicitly. */
    static Configuration withLiveDefaults(Configuration conf) {
        return withLiveDefaults(conf, Integer.toString(DEFAULT_METRICS_PORT));
    }

    /** As {@link #withLiveDefaults(Configuration)}, with the metrics on {@code metricsPorts} (a port or a range). */
    static Configuration withLiveDefaults(Configuration conf, String metricsPorts) {
        if (!conf.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        }
        if (!conf.contains(ExecutionOptions.BUFFER_TIMEOUT)) {
            conf.set(ExecutionOptions.BUFFER_TIMEOUT, DEFAULT_BUFFER_TIMEOUT);
        }
        if (!conf.contains(PipelineOptions.AUTO_WATERMARK_INTERVAL)) {
            conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, DEFAULT_WATERMARK_INTERVAL);
        }
        // Prometheus metrics of a local run (on a cluster, the cluster's own reporter configuration applies).
        if (!conf.containsKey(PROMETHEUS_REPORTER + "factory.class")) {
            conf.setString(PROMETHEUS_REPORTER + "factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            if (!conf.containsKey(PROMETHEUS_REPORTER + "port")) {
                conf.setString(PROMETHEUS_REPORTER + "port", metricsPorts);
            }
            // Keep partner ids as they are (e.g. acme-phones), so metrics and alerts name partners alike.
            conf.setString(PROMETHEUS_REPORTER + "filterLabelValueCharacters", "false");
        }
        return conf;
    }
}
