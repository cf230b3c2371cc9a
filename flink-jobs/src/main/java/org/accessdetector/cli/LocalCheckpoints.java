package org.accessdetector.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints Flink left in a local directory: {@code <dir>/<job-id>/chk-<n>/_metadata} (or
 * {@code <dir>/chk-<n>/_metadata} with {@code execution.checkpointing.create-subdir=false}). A checkpoint is
 * complete once its {@code _metadata} exists: Flink writes that file last, and on a local file system through a
 * hidden file renamed at the end, so a process killed mid-checkpoint leaves none.
 */
final class LocalCheckpoints {

    static final String METADATA = "_metadata";
    private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-\\d+");

    /** A complete checkpoint: its {@code chk-<n>} directory, its number and when its metadata was written. */
    record Checkpoint(Path dir, long id, Instant completedAt) {}

    private static final Comparator<Checkpoint> OLDEST_FIRST = Comparator.comparing(Checkpoint::completedAt)
            .thenComparingLong(Checkpoint::id)
            .thenComparing(Checkpoint::dir); // only so that the choice never depends on the listing order

    private LocalCheckpoints() {}

    /** The newest complete checkpoint under {@code dir} (by completion time, then number), if any. */
    static Optional<Checkpoint> latestComplete(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> metadata = Files.find(dir, 3, (path, attributes) -> attributes.isRegularFile()
                && path.getFileName().toString().equals(METADATA)
                && CHECKPOINT_DIR.matcher(path.getParent().getFileName().toString()).matches())) {
            return metadata.map(LocalCheckpoints::checkpoint).max(OLDEST_FIRST);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The bytes a checkpoint's own directory holds (all of a full snapshot's state; incremental ones share more). */
    static long size(Checkpoint checkpoint) throws IOException {
        try (Stream<Path> files = Files.walk(checkpoint.dir())) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Checkpoint checkpoint(Path metadata) {
        Path dir = metadata.getParent();
        try {
            return new Checkpoint(dir, Long.parseLong(dir.getFileName().toString().substring("chk-".length())),
                    Files.getLastModifiedTime(metadata).toInstant());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
