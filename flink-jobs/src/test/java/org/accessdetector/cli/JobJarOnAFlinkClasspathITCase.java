package org.accessdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.accessdetector.flink.local.LocalFlinkCluster;
import org.junit.jupiter.api.Test;

/**
 * The job jar where Flink runs it: on Flink's own classpath (what a distribution's lib/ holds), without the
 * launcher's tools (the local broker, the SQL prompt), as docker-compose's topic-init and JobManager run it. Its
 * command line must load there; once it did not (picocli reads every command's methods, and one named the local
 * broker's class).
 */
class JobJarOnAFlinkClasspathITCase {

    private static final Path JOB_JAR = Path.of("target", "detector-job.jar");

    private record Run(int status, String output) {}

    private static Run java(String mainClass, String... args) throws Exception {
        assertThat(JOB_JAR).as("the package phase's job jar").exists();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", JOB_JAR.toAbsolutePath() + File.pathSeparator + LocalFlinkCluster.flinkClasspath(), mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("exited").isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void theDetectorCommandLineLoadsAndTopicsCreateIsThere() throws Exception {
        Run run = java(DetectorCli.class.getName(), "topics", "create", "--help");
        assertThat(run.output()).doesNotContain("NoClassDefFoundError").contains("Usage: detector topics create");
        assertThat(run.status()).as(run.output()).isZero();
    }

    @Test
    void theClusterEntryClassTakesRunsOptions() throws Exception {
        Run run = java(ClusterJob.class.getName(), "--help");
        assertThat(run.output()).doesNotContain("NoClassDefFoundError").contains("--bootstrap-servers", "--job-name");
        assertThat(run.status()).as(run.output()).isZero();
    }
}
