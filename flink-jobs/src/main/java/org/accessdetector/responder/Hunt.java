package org.accessdetector.responder;

import org.accessdetector.kafka.KafkaConnection;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.kafka.TopicReader;
import org.accessdetector.kafka.Topics;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.replay.ReplayJob;
import org.accessdetector.replay.ReplaySummary;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Violation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A retro-hunt or shadow run: the detection graph of replay over the retained calls of an event-time range, with the
 * consents on the topic and the agreements on the topic or a candidate set not yet published. Its output goes to
 * files only, never to the live topics, with a diff against what the live detector reported for the same range.
 */
public final class Hunt {

    /** How long before {@code from} to start reading calls and violations: for calls stamped ahead of the clock. */
    public static final Duration SEEK_BEFORE = Duration.ofDays(1);

    /** The range (event time, inclusive), the candidate agreements (null: the topic's) and the output folder. */
    public record Request(Instant from, Instant to, List<PartnerAgreement> candidateAgreements, Path outDir) {}

    /** A violation the hunt and the live detector disagree on. */
    public record Change(String violationId, Violation live, Violation hunted) {}

    /** What differs: found only by the hunt, only by the live detector, or by both with other figures. */
    public record Diff(List<Violation> added, List<Violation> gone, List<Change> changed, long same) {}

    /** The hunt's outcome: its replay summary, the diff, and how many records it read of each topic. */
    public record Result(ReplaySummary replay, Diff diff, Map<String, TopicReader.Scanned> read) {}

    private final KafkaConnection kafka;
    private final Topics topics;
    private final DetectorConfig config;

    public Hunt(KafkaConnection kafka, Topics topics, DetectorConfig config) {
        this.kafka = kafka;
        this.topics = topics;
        this.config = config;
    }

    public Result run(StreamExecutionEnvironment env, Request request) throws Exception {
        long from = request.from().toEpochMilli();
        long to = request.to().toEpochMilli();
        Map<String, TopicReader.Scanned> read = new LinkedHashMap<>();
        Path input = Files.createTempDirectory("detector-hunt-");
        try {
            Path calls = input.resolve("calls.jsonl");
            Path consents = input.resolve("consents.jsonl");
            Path agreements = input.resolve("agreements.jsonl");
            try (BufferedWriter out = Files.newBufferedWriter(calls)) {
                read.put(topics.calls().name(), TopicReader.scan(kafka, topics.calls(),
                        new TopicReader.Range(from - SEEK_BEFORE.toMillis(), null, null), (c, r) -> {
                            if (c.getEventTime() >= from && c.getEventTime() <= to) {
                                write(out, JsonOutput.toJson(c));
                            }
                        }));
            }
            try (BufferedWriter out = Files.newBufferedWriter(consents)) {
                read.put(topics.consents().name(), TopicReader.scan(kafka, topics.consents(),
                        TopicReader.Range.ALL, (e, r) -> write(out, JsonOutput.toJson(e))));
            }
            try (BufferedWriter out = Files.newBufferedWriter(agreements)) {
                if (request.candidateAgreements() != null) {
                    for (PartnerAgreement a : request.candidateAgreements()) {
                        write(out, JsonOutput.toJson(a));
                    }
                } else {
                    read.put(topics.agreements().name(), TopicReader.scan(kafka, topics.agreements(),
                            TopicReader.Range.ALL, (a, r) -> write(out, JsonOutput.toJson(a))));
                }
            }
            ReplaySummary replay = new ReplayJob(config)
                    .run(env, new ReplayJob.Request(agreements, consents, calls, request.outDir()));

            Map<String, Violation> hunted = inRange(readViolations(request.outDir().resolve("violations.jsonl")), from, to);
            Map<String, Violation> liveRecords = new LinkedHashMap<>();
            read.put(topics.violations().name(), TopicReader.scan(kafka, topics.violations(),
                    new TopicReader.Range(from - SEEK_BEFORE.toMillis(), null, null),
                    (v, r) -> liveRecords.put(v.getViolationId(), v)));
            Diff diff = diff(inRange(liveRecords.values(), from, to), hunted);
            Files.writeString(request.outDir().resolve("diff.json"), toJson(diff).toPrettyString() + "\n");
            return new Result(replay, diff, read);
        } finally {
            try (var files = Files.list(input)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f); // the hunt's input holds user data: never left behind
                }
            }
            Files.deleteIfExists(input);
        }
    }

    private static void write(BufferedWriter out, String line) {
        try {
            out.write(line);
            out.newLine();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Violation> readViolations(Path file) throws IOException {
        List<Violation> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(JsonOutput.fromJson(line, Violation.class));
            }
        }
        return out;
    }

    /** The violations in force, the last record of each id, that happened within [from, to]. */
    static Map<String, Violation> inRange(Iterable<Violation> records, long from, long to) {
        Map<String, Violation> latest = new LinkedHashMap<>();
        for (Violation v : records) {
            latest.put(v.getViolationId(), v);
        }
        Map<String, Violation> out = new TreeMap<>();
        latest.forEach((id, v) -> {
            long at = Violations.occurredAt(v);
            if (Violations.inForce(v) && at >= from && at <= to) {
                out.put(id, v);
            }
        });
        return out;
    }

    /** Compares by violation id (derived from the rule and the call or rate window, so both sides agree on it). */
    static Diff diff(Map<String, Violation> live, Map<String, Violation> hunted) {
        List<Violation> added = new ArrayList<>();
        List<Violation> gone = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        long same = 0;
        for (Map.Entry<String, Violation> h : hunted.entrySet()) {
            Violation l = live.get(h.getKey());
            if (l == null) {
                added.add(h.getValue());
            } else if (differs(l, h.getValue())) {
                changed.add(new Change(h.getKey(), l, h.getValue()));
            } else {
                same++;
            }
        }
        for (Map.Entry<String, Violation> l : live.entrySet()) {
            if (!hunted.containsKey(l.getKey())) {
                gone.add(l.getValue());
            }
        }
        Comparator<Violation> byTime = Comparator.comparingLong(Violations::occurredAt)
                .thenComparing(Violation::getViolationId);
        added.sort(byTime);
        gone.sort(byTime);
        return new Diff(added, gone, changed, same);
    }

    /** What a verdict says, not when or by which run it was written. */
    private static boolean differs(Violation a, Violation b) {
        return a.getSeverity() != b.getSeverity()
                || !Objects.equals(a.getReason(), b.getReason())
                || !Objects.equals(a.getAgreementVersion(), b.getAgreementVersion())
                || !Objects.equals(a.getObservedRecords(), b.getObservedRecords())
                || !Objects.equals(a.getLimitRecords(), b.getLimitRecords());
    }

    static ObjectNode toJson(Diff diff) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("same", diff.same());
        ArrayNode added = root.putArray("new");
        diff.added().forEach(v -> added.add(JsonOutput.toNode(v)));
        ArrayNode gone = root.putArray("gone");
        diff.gone().forEach(v -> gone.add(JsonOutput.toNode(v)));
        ArrayNode changed = root.putArray("changed");
        for (Change c : diff.changed()) {
            ObjectNode n = changed.addObject();
            n.put("violationId", c.violationId());
            n.set("live", JsonOutput.toNode(c.live()));
            n.set("hunted", JsonOutput.toNode(c.hunted()));
        }
        return root;
    }
}
