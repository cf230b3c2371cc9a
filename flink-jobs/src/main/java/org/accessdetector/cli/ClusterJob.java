package org.accessdetector.cli;

import picocli.CommandLine;

/**
 * The live detector where a Flink cluster runs the job's {@code main} inside its JobManager: a jar run through the
 * REST API or web UI ({@code /jars/:id/run}), or an application cluster ({@code standalone-job --job-classname}).
 * Takes the arguments of {@code detector run}. Unlike {@link DetectorCli#main}, it never calls
 * {@code System.exit}, which there would stop the JobManager itself; a failure is thrown, for the cluster to report.
 */
public final class ClusterJob {

    private ClusterJob() {}

    public static void main(String[] args) {
        // `run` alone: the whole command line would load every command, and some use tools that only the launcher
        // has (the local broker, the SQL prompt), which a cluster's classpath does not.
        int status = DetectorCli.withErrorHandling(new CommandLine(new RunCommand())).execute(args);
        if (status != 0) {
            // Not the arguments: they may hold Kafka credentials (-c kafka.sasl.jaas.config=...).
            throw new IllegalStateException("detector run ended with status " + status + "; the reason is printed "
                    + "above it, on the JobManager's standard error");
        }
    }
}
