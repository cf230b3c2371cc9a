package org.accessdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCheckpointsTest {

    private static final Instant T = Instant.parse("2026-12-02T07:31:02Z");

    @TempDir
    Path dir;

    /** A checkpoint as Flink leaves it; complete (with its metadata, written at {@code at}) or not. */
    private Path checkpoint(String job, long n, Instant at) throws Exception {
        Path chk = Files.createDirectories(dir.resolve(job).resolve("chk-" + n));
        Files.writeString(chk.resolve("op-state"), "state");
        if (at != null) {
            Path metadata = Files.writeString(chk.resolve(LocalCheckpoints.METADATA), "metadata");
            Files.setLastModifiedTime(metadata, FileTime.from(at));
        }
        return chk;
    }

    @Test
    void theNewestCompleteCheckpointIsChosenAcrossTheJobsThatRanUnderTheDirectory() throws Exception {
        checkpoint("job-a", 40, T.minusSeconds(30));
        checkpoint("job-a", 41, T.minusSeconds(20));
        Path newest = checkpoint("job-b", 2, T); // a later run: a new job id, numbers from 1 again
        Files.createDirectories(dir.resolve("job-b").resolve("shared"));
        Files.createDirectories(dir.resolve("job-b").resolve("taskowned"));

        var latest = LocalCheckpoints.latestComplete(dir).orElseThrow();

        assertThat(latest.dir()).isEqualTo(newest);
        assertThat(latest.id()).isEqualTo(2);
        assertThat(latest.completedAt()).isEqualTo(T);
    }

    @Test
    void aCheckpointWithoutMetadataIsIncompleteAndSkipped() throws Exception {
        Path complete = checkpoint("job", 7, T);
        checkpoint("job", 8, null); // being written when the process died
        Files.writeString(dir.resolve("job").resolve("chk-8").resolve("._metadata.inprogress.1234"), "half");

        assertThat(LocalCheckpoints.latestComplete(dir).orElseThrow().dir()).isEqualTo(complete);
    }

    @Test
    void checkpointsCompletedAtTheSameTimeAreOrderedByNumber() throws Exception {
        checkpoint("job", 9, T);
        Path higher = checkpoint("job", 10, T);

        assertThat(LocalCheckpoints.latestComplete(dir).orElseThrow().dir()).isEqualTo(higher);
    }

    @Test
    void checkpointsWithoutAJobIdDirectoryAreFoundToo() throws Exception {
        Path chk = Files.createDirectories(dir.resolve("chk-3")); // execution.checkpointing.create-subdir=false
        Files.writeString(chk.resolve(LocalCheckpoints.METADATA), "metadata");

        assertThat(LocalCheckpoints.latestComplete(dir).orElseThrow().dir()).isEqualTo(chk);
    }

    @Test
    void anEmptyOrMissingDirectoryHasNone() throws Exception {
        Files.createDirectories(dir.resolve("job").resolve("chk-1")); // started, never completed

        assertThat(LocalCheckpoints.latestComplete(dir)).isEmpty();
        assertThat(LocalCheckpoints.latestComplete(dir.resolve("never-ran"))).isEmpty();
    }

    @Test
    void metadataOutsideACheckpointDirectoryIsNotACheckpoint() throws Exception {
        Path savepoint = Files.createDirectories(dir.resolve("savepoint-1234"));
        Files.writeString(savepoint.resolve(LocalCheckpoints.METADATA), "metadata");

        assertThat(LocalCheckpoints.latestComplete(dir)).isEmpty();
    }

    @Test
    void aCheckpointsSizeIsEveryFileUnderItsDirectory() throws Exception {
        Path chk = checkpoint("job-a", 7, T);
        Files.createDirectories(chk.resolve("sub"));
        Files.write(chk.resolve("sub").resolve("more-state"), new byte[1000]);
        Files.write(dir.resolve("job-a").resolve("not-in-it"), new byte[5000]);

        LocalCheckpoints.Checkpoint latest = LocalCheckpoints.latestComplete(dir).orElseThrow();
        assertThat(LocalCheckpoints.size(latest)).as("op-state, _metadata and sub/more-state")
                .isEqualTo("state".length() + "metadata".length() + 1000);
    }
}
