package org.accessdetector.benchmark;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.input.InputRejectedException;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.replay.ReplayJob;
import org.accessdetector.replay.ReplayLine;
import org.accessdetector.replay.ReplaySummary;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Violation;
import org.accessdetector.simulate.ExpectedViolations;
import org.accessdetector.simulate.SimEvent;
import org.accessdetector.simulate.Simulator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Replay throughput: writes a whole simulation as JSON Lines files, then, in the same run, measures (a) the
 * baseline, one thread reading and parsing every line of the three files with the parser replay uses, and (b)
 * {@code replay} over the same files, from submission to its last output line written. The replay counts as
 * complete when its violations in force (the contract rules) are exactly the simulator's ground truth, by id.
 */
public final class ReplayBenchmark {

    /** The files written, and what the ground truth says they hold. */
    public record Input(Path agreements, Path consents, Path calls, long callCount, long consentCount, long agreementCount,
            Set<String> expectedViolationIds) {
        public long records() {
            return callCount + consentCount + agreementCount;
        }
    }

    /** The baseline: one thread's read and parse of every line. */
    public record Parse(long records, Duration elapsed) {
        public double recordsPerSecond() {
            return ThroughputBenchmark.perSecond(records, elapsed);
        }
    }

    /** The replay's run and how its output compares with the ground truth. */
    public record Replay(ReplaySummary summary, Duration elapsed, long violationsInForce, List<String> missing,
            List<String> extra, long peakResidentBytes) {
        public boolean complete() {
            return missing.isEmpty() && extra.isEmpty();
        }
    }

    public record Result(Input input, Parse parse, Replay replay) {
        /** Replay's records per second as a share of the baseline's. */
        public double ratio() {
            return ThroughputBenchmark.perSecond(input.records(), replay.elapsed()) / parse.recordsPerSecond();
        }
    }

    private final DetectorConfig config;
    private final PrintStream log;

    public ReplayBenchmark(DetectorConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
    }

    public Result run(Simulator simulator, StreamExecutionEnvironment env, Path dir) throws Exception {
        log.println("Writing the simulation as JSON Lines...");
        Input input = write(simulator, dir.resolve("input"));
        log.printf("Input: %d calls, %d consent events, %d agreement versions; %d violations in the ground truth%n",
                input.callCount(), input.consentCount(), input.agreementCount(), input.expectedViolationIds().size());
        Parse parse = parse(input);
        log.printf("Baseline, read + parse on one thread: %.0f records/s%n", parse.recordsPerSecond());
        log.println("Replaying...");
        Replay replay = replay(input, env, dir.resolve("out"));
        return new Result(input, parse, replay);
    }

    /** Writes the simulator's agreements, then every event, to three files; counts the ground truth. */
    static Input write(Simulator simulator, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path agreements = dir.resolve("agreements.jsonl");
        Path consents = dir.resolve("consents.jsonl");
        Path calls = dir.resolve("calls.jsonl");
        ExpectedViolations expected = new ExpectedViolations();
        try (BufferedWriter a = Files.newBufferedWriter(agreements, StandardCharsets.UTF_8);
                BufferedWriter e = Files.newBufferedWriter(consents, StandardCharsets.UTF_8);
                BufferedWriter c = Files.newBufferedWriter(calls, StandardCharsets.UTF_8)) {
            for (PartnerAgreement agreement : simulator.agreements()) {
                line(a, JsonOutput.toJson(agreement));
            }
            Simulator.Events events = simulator.events();
            while (events.hasNext()) {
                SimEvent event = events.next();
                expected.add(event);
                if (event instanceof SimEvent.Call call) {
                    line(c, JsonOutput.toJson(call.call()));
                } else if (event instanceof SimEvent.Consent consent) {
                    line(e, JsonOutput.toJson(consent.event()));
                } else if (event instanceof SimEvent.Agreement version) {
                    line(a, JsonOutput.toJson(version.agreement()));
                }
            }
            expected.addWindows(events.takeRateLimitWindows());
        }
        return new Input(agreements, consents, calls, expected.calls(), expected.consents(),
                simulator.agreements().size() + expected.agreements(), expected.ids());
    }

    private static void line(BufferedWriter out, String json) throws IOException {
        out.write(json);
        out.newLine();
    }

    /** Reads and parses every line of the three files on this thread, as fast as it can. */
    static Parse parse(Input input) throws IOException, InputRejectedException {
        JsonInputParser parser = new JsonInputParser();
        long records = 0;
        long checksum = 0;
        long start = System.nanoTime();
        try (BufferedReader r = Files.newBufferedReader(input.agreements(), StandardCharsets.UTF_8)) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                checksum += parser.parseAgreement(l).getVersion();
                records++;
            }
        }
        try (BufferedReader r = Files.newBufferedReader(input.consents(), StandardCharsets.UTF_8)) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                checksum += parser.parseConsent(l).getEventTime() & 1;
                records++;
            }
        }
        try (BufferedReader r = Files.newBufferedReader(input.calls(), StandardCharsets.UTF_8)) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                checksum += parser.parseCall(l).getRecordCount(); // used, so not optimised away
                records++;
            }
        }
        if (checksum < 0) {
            throw new IllegalStateException("negative record counts");
        }
        return new Parse(records, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Runs {@code replay} over the files and compares its violations in force with the ground truth. */
    Replay replay(Input input, StreamExecutionEnvironment env, Path out) throws Exception {
        long start = System.nanoTime();
        ReplaySummary summary = new ReplayJob(config)
                .run(env, new ReplayJob.Request(input.agreements(), input.consents(), input.calls(), out));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Map<String, Violation> last = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(out.resolve(ReplayLine.VIOLATIONS), StandardCharsets.UTF_8)) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                Violation v = JsonOutput.fromJson(l, Violation.class);
                if (!Violations.isAnomaly(v.getRule())) { // scored by `benchmark anomalies`, not in this ground truth
                    last.put(v.getViolationId(), v);
                }
            }
        }
        Set<String> expected = input.expectedViolationIds();
        List<String> missing = expected.stream()
                .filter(id -> !(last.containsKey(id) && Violations.inForce(last.get(id)))).sorted().toList();
        List<String> extra = last.values().stream()
                .filter(v -> Violations.inForce(v) && !expected.contains(v.getViolationId()))
                .map(ThroughputBenchmark::describe).sorted().toList();
        long inForce = last.values().stream().filter(Violations::inForce).count();
        return new Replay(summary, elapsed, inForce, missing, extra, ThroughputBenchmark.peakResidentBytes());
    }

    public static void print(Result r, PrintStream out) {
        Input in = r.input();
        out.printf("Input: %d calls, %d consent events, %d agreement versions (%d records)%n", in.callCount(),
                in.consentCount(), in.agreementCount(), in.records());
        out.printf("Baseline, read + parse on one thread: %.0f records/s (%d records in %.1f s)%n",
                r.parse().recordsPerSecond(), r.parse().records(), r.parse().elapsed().toMillis() / 1000.0);
        Replay replay = r.replay();
        out.printf("Replay: %.1f s, %.0f records/s, %.1f%% of the baseline; peak resident %d MiB; output %s "
                        + "(%d of %d violations in force)%n",
                replay.elapsed().toMillis() / 1000.0, ThroughputBenchmark.perSecond(in.records(), replay.elapsed()),
                100 * r.ratio(), replay.peakResidentBytes() / (1024 * 1024),
                replay.complete() ? "complete" : "INCOMPLETE", replay.violationsInForce(),
                in.expectedViolationIds().size());
        replay.missing().stream().limit(5).forEach(m -> out.println("  missing: " + m));
        replay.extra().stream().limit(5).forEach(x -> out.println("  not in the ground truth: " + x));
    }
}
