package org.accessdetector.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.replay.ReplayJob;
import org.accessdetector.replay.ReplayLine;
import org.accessdetector.replay.ReplaySummary;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Runs a replay over files in a folder and reads back what it wrote. */
public final class ReplayRun {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public final ReplaySummary summary;
    public final Path out;

    private ReplayRun(ReplaySummary summary, Path out) {
        this.summary = summary;
        this.out = out;
    }

    public static ReplayRun of(Path agreements, Path consents, Path calls, Path out) throws Exception {
        return of(DetectorConfig.defaults(), agreements, consents, calls, out);
    }

    public static ReplayRun of(DetectorConfig config, Path agreements, Path consents, Path calls, Path out)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        ReplaySummary summary = new ReplayJob(config)
                .run(env, new ReplayJob.Request(agreements, consents, calls, out));
        return new ReplayRun(summary, out);
    }

    public List<ObjectNode> violations() {
        return read(ReplayLine.VIOLATIONS);
    }

    public List<ObjectNode> alerts() {
        return read(ReplayLine.ALERTS);
    }

    public List<ObjectNode> rejected() {
        return read(ReplayLine.REJECTED);
    }

    /** The lines of an output file as JSON objects, without the wall-clock field detectedAt. */
    public List<ObjectNode> read(String file) {
        try {
            List<ObjectNode> nodes = new ArrayList<>();
            for (String line : Files.readAllLines(out.resolve(file))) {
                ObjectNode node = (ObjectNode) MAPPER.readTree(line);
                node.remove("detectedAt");
                nodes.add(node);
            }
            return nodes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
