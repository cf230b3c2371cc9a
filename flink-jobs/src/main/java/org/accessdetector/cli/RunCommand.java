package org.accessdetector.cli;

import java.util.List;
import org.accessdetector.metrics.LoopbackPrometheusReporterFactory;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.accessdetector.live.LiveJob;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
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
            "A local run resumes from the newest complete checkpoint of its --job-name, under "
                + ".local/checkpoints/<job-name>; --fresh starts over.",
            "Flink settings apply too, e.g. -c state.backend.type=rocksdb -c execution.checkpointing.interval=10s."})
final class RunCommand implements Callable<Integer> {

    static final String PROMETHEUS_REPORTER = "metrics.reporter.prom.";
    static final int DEFAULT_METRICS_PORT = 9249;
    /** The addresses a local run listens on, each 127.0.0.1 unless configured. */
    static final List<ConfigOption<String>> LOOPBACK_BY_DEFAULT = List.of(RestOptions.BIND_ADDRESS,
            RestOptions.ADDRESS, JobManagerOptions.BIND_HOST, JobManagerOptions.ADDRESS, TaskManagerOptions.BIND_HOST,
            TaskManagerOptions.HOST);
    /** Where local runs keep their checkpoints, in a directory per job name. */
    static final Path LOCAL_CHECKPOINTS = Path.of(".local", "checkpoints");
    static final int RETAINED_CHECKPOINTS = 3;
    /** A job name that is also a single, plain directory name. */
    private static final Pattern SAFE_JOB_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    @Mixin
    Settings.WithKafka settings;

    @CommandLine.Option(names = "--job-name", defaultValue = "access-detector",
            description = "Name of the Flink job, and locally of its checkpoint directory "
                    + "(default: ${DEFAULT-VALUE}).")
    String jobName;

    @CommandLine.Option(names = "--fresh",
            description = "Start with empty state: a local run ignores the checkpoints of earlier runs of its job name.")
    boolean fresh;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Configuration conf = withLiveDefaults(settings.configuration());
        LiveJob job;
        String startingPoint = null;
        try {
            job = new LiveJob(conf);
            // On a cluster, the cluster's checkpoint storage applies, and `flink run -s` picks the checkpoint.
            if (StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment) {
                withLocalParallelism(withLocalCheckpoints(conf, localCheckpoints(jobName)));
                startingPoint = startingPoint(withRetainedCheckpoints(conf), jobName, fresh);
            }
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        if (startingPoint != null) {
            spec.commandLine().getOut().println(startingPoint);
            spec.commandLine().getOut().flush();
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        job.build(env);
        env.execute(jobName);
        return 0;
    }

    /** Where local runs of {@code jobName} keep their checkpoints: a directory of its own, found again on restart. */
    static Path localCheckpoints(String jobName) {
        if (!SAFE_JOB_NAME.matcher(jobName).matches()) {
            throw new IllegalArgumentException("--job-name also names the job's checkpoint directory, "
                    + LOCAL_CHECKPOINTS.resolve("<job-name>") + ": use up to 100 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit (got \"" + jobName + "\")");
        }
        return LOCAL_CHECKPOINTS.resolve(jobName);
    }

    /**
     * Where a local run starts, and the line that says so: from {@code execution.state-recovery.path} if set;
     * else, unless {@code fresh}, from the newest complete checkpoint in the checkpoint directory if it is local
     * (the run's own, or one set explicitly), which it sets as the recovery path; else with empty state.
     */
    static String startingPoint(Configuration conf, String jobName, boolean fresh) throws IOException {
        if (conf.contains(StateRecoveryOptions.SAVEPOINT_PATH)) {
            if (fresh) {
                throw new IllegalArgumentException("--fresh contradicts -c " + StateRecoveryOptions.SAVEPOINT_PATH.key()
                        + "=" + conf.get(StateRecoveryOptions.SAVEPOINT_PATH));
            }
            return String.format("Resuming job %s from %s (set by %s)", jobName,
                    conf.get(StateRecoveryOptions.SAVEPOINT_PATH), StateRecoveryOptions.SAVEPOINT_PATH.key());
        }
        String directory = conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY);
        if (directory == null) {
            return String.format("Starting job %s fresh (no %s: its checkpoints are not kept across runs)", jobName,
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY.key());
        }
        URI uri = new org.apache.flink.core.fs.Path(directory).toUri();
        if (uri.getScheme() != null && !uri.getScheme().equals("file")) {
            return String.format("Starting job %s fresh (checkpoints under %s are not searched; resume from one "
                    + "with -c %s=<its chk-<n> directory>)", jobName, directory,
                    StateRecoveryOptions.SAVEPOINT_PATH.key());
        }
        Path dir = Path.of(uri.getPath());
        if (fresh) {
            return String.format("Starting job %s fresh (--fresh: ignoring the checkpoints under %s)", jobName,
                    shown(dir));
        }
        Optional<LocalCheckpoints.Checkpoint> latest = LocalCheckpoints.latestComplete(dir);
        if (latest.isEmpty()) {
            return String.format("Starting job %s fresh (no checkpoint under %s)", jobName, shown(dir));
        }
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, latest.get().dir().toAbsolutePath().toUri().toString());
        return String.format("Resuming job %s from checkpoint %s (completed %s)", jobName, shown(latest.get().dir()),
                latest.get().completedAt().truncatedTo(ChronoUnit.SECONDS));
    }

    /** A path as the user would type it: relative to the working directory when inside it. */
    private static Path shown(Path path) {
        Path cwd = Path.of("").toAbsolutePath();
        Path absolute = path.toAbsolutePath().normalize();
        return absolute.startsWith(cwd) && !absolute.equals(cwd) ? cwd.relativize(absolute) : path;
    }

    /**
     * Completed checkpoints outlive the job, cancelled or failed, so that the next run resumes from them; a few
     * are kept, so a checkpoint cut short by the process dying never leaves none. Unless set explicitly.
     */
    static Configuration withRetainedCheckpoints(Configuration conf) {
        if (!conf.contains(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION)) {
            conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                    ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        }
        if (!conf.contains(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)) {
            conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, RETAINED_CHECKPOINTS);
        }
        return conf;
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
    /**
     * The parallelism of a local run on a machine of {@code cores} cores: half of them. The graph's ten or so
     * keyed stages run side by side, so at parallelism 1 they already keep two cores busy, and a second subtask
     * of each only adds threads: on 2 cores a backlog of 1 million calls caught up at 14,600 and 16,100 calls/s
     * at parallelism 1 against 10,200 to 11,300 at 2 (`benchmark throughput`, README "Backlog throughput").
     * On a cluster the cluster's setting applies.
     */
    static int localParallelism(int cores) {
        return Math.max(1, cores / 2);
    }

    /** A local run's parallelism ({@link #localParallelism}) unless one is set; never for a cluster's job. */
    static Configuration withLocalParallelism(Configuration conf) {
        if (!conf.contains(CoreOptions.DEFAULT_PARALLELISM)) {
            conf.set(CoreOptions.DEFAULT_PARALLELISM, localParallelism(Runtime.getRuntime().availableProcessors()));
        }
        return conf;
    }

    static Configuration withLiveDefaults(Configuration conf) {
        return withLiveDefaults(conf, Integer.toString(DEFAULT_METRICS_PORT));
    }

    /** As {@link #withLiveDefaults(Configuration)}, with the metrics on {@code metricsPorts} (a port or a range). */
    static Configuration withLiveDefaults(Configuration conf, String metricsPorts) {
        LiveJob.withDefaults(conf);
        // Prometheus metrics of a local run (on a cluster, the cluster's own reporter configuration applies), on
        // loopback unless `metrics.reporter.prom.host` says otherwise.
        if (!conf.containsKey(PROMETHEUS_REPORTER + "factory.class")) {
            conf.setString(PROMETHEUS_REPORTER + "factory.class", LoopbackPrometheusReporterFactory.class.getName());
            if (!conf.containsKey(PROMETHEUS_REPORTER + "port")) {
                conf.setString(PROMETHEUS_REPORTER + "port", metricsPorts);
            }
            // Keep partner ids as they are (e.g. acme-phones), so metrics and alerts name partners alike.
            conf.setString(PROMETHEUS_REPORTER + "filterLabelValueCharacters", "false");
        }
        // The local MiniCluster's web UI and REST API (which can cancel the job, and have no authentication), its
        // RPC, blob and data ports: loopback only, unless set otherwise.
        for (ConfigOption<String> bind : LOOPBACK_BY_DEFAULT) {
            if (!conf.contains(bind)) {
                conf.set(bind, LoopbackPrometheusReporterFactory.DEFAULT_HOST);
            }
        }
        return conf;
    }
}
