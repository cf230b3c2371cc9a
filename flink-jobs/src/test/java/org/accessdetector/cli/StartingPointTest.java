package org.accessdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where a local {@code run} starts: the checkpoint it resumes from, or why it starts with empty state. */
class StartingPointTest {

    @TempDir
    Path dir;

    /** As a local run is configured: its checkpoints in {@code dir}. */
    private Configuration local() {
        return RunCommand.withLocalCheckpoints(new Configuration(), dir);
    }

    private Path completeCheckpoint(String job, long n, String completedAt) throws Exception {
        Path chk = Files.createDirectories(dir.resolve(job).resolve("chk-" + n));
        Files.setLastModifiedTime(Files.writeString(chk.resolve(LocalCheckpoints.METADATA), "metadata"),
                FileTime.from(Instant.parse(completedAt)));
        return chk;
    }

    @Test
    void resumesFromTheNewestCompleteCheckpointAndSaysSoInOneLine() throws Exception {
        completeCheckpoint("0a1b", 41, "2026-12-02T07:30:52Z");
        Path newest = completeCheckpoint("0a1b", 42, "2026-12-02T07:31:02.345Z");
        Configuration conf = local();

        String line = RunCommand.startingPoint(conf, "access-detector", false);

        assertThat(line).isEqualTo("Resuming job access-detector from checkpoint " + newest
                + " (completed 2026-12-02T07:31:02Z)");
        assertThat(Path.of(java.net.URI.create(conf.get(StateRecoveryOptions.SAVEPOINT_PATH)))).isEqualTo(newest);
    }

    @Test
    void startsFreshWhenThereIsNoCompleteCheckpoint() throws Exception {
        Files.createDirectories(dir.resolve("0a1b").resolve("chk-1"));
        Configuration conf = local();

        assertThat(RunCommand.startingPoint(conf, "access-detector", false))
                .isEqualTo("Starting job access-detector fresh (no checkpoint under " + dir + ")");
        assertThat(conf.contains(StateRecoveryOptions.SAVEPOINT_PATH)).isFalse();
    }

    @Test
    void freshIgnoresTheCheckpointsAndSaysSo() throws Exception {
        completeCheckpoint("0a1b", 42, "2026-12-02T07:31:02Z");
        Configuration conf = local();

        assertThat(RunCommand.startingPoint(conf, "access-detector", true))
                .isEqualTo("Starting job access-detector fresh (--fresh: ignoring the checkpoints under " + dir + ")");
        assertThat(conf.contains(StateRecoveryOptions.SAVEPOINT_PATH)).isFalse();
    }

    @Test
    void anExplicitRecoveryPathIsKeptAndContradictsFresh() throws Exception {
        completeCheckpoint("0a1b", 42, "2026-12-02T07:31:02Z");
        Configuration conf = local();
        conf.set(StateRecoveryOptions.SAVEPOINT_PATH, "/backups/savepoint-7");

        assertThat(RunCommand.startingPoint(conf, "access-detector", false))
                .isEqualTo("Resuming job access-detector from /backups/savepoint-7 "
                        + "(set by execution.state-recovery.path)");
        assertThat(conf.get(StateRecoveryOptions.SAVEPOINT_PATH)).isEqualTo("/backups/savepoint-7");
        assertThatThrownBy(() -> RunCommand.startingPoint(conf, "access-detector", true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--fresh");
    }

    @Test
    void anExplicitLocalCheckpointDirectoryIsSearchedAsItIs() throws Exception {
        Path newest = completeCheckpoint("0a1b", 5, "2026-12-02T07:31:02Z");
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.toString()); // a plain path, no file: scheme

        assertThat(RunCommand.startingPoint(RunCommand.withLocalCheckpoints(conf, Path.of("unused")), "j", false))
                .startsWith("Resuming job j from checkpoint " + newest);
    }

    @Test
    void checkpointsElsewhereThanOnLocalFilesAreNotSearched() throws Exception {
        Configuration remote = new Configuration();
        remote.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://bucket/checkpoints");
        Configuration memory = new Configuration();
        memory.set(CheckpointingOptions.CHECKPOINT_STORAGE, "jobmanager");

        assertThat(RunCommand.startingPoint(RunCommand.withLocalCheckpoints(remote, dir), "j", false))
                .startsWith("Starting job j fresh (checkpoints under s3://bucket/checkpoints are not searched");
        assertThat(RunCommand.startingPoint(RunCommand.withLocalCheckpoints(memory, dir), "j", false))
                .startsWith("Starting job j fresh (no execution.checkpointing.dir");
        assertThat(remote.contains(StateRecoveryOptions.SAVEPOINT_PATH)).isFalse();
    }
}
