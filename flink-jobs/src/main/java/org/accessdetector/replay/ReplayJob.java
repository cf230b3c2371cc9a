package org.accessdetector.replay;

import org.accessdetector.typeinfo.RecordTypes;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.DetectionGraph;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.schema.AlertStatus;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs the detection graph over JSON Lines files and writes violations, alert updates and rejected lines.
 *
 * <p>Replay emits no watermarks while it reads: every call is judged when the input ends, by then with every
 * agreement and consent record in state, so the result does not depend on the order of the lines. The end
 * of the input is the end of event time, so every alert ends RESOLVED.
 */
public final class ReplayJob {

    /** The files to read and the folder to write. {@code consents} may be null. */
    public record Request(Path agreements, Path consents, Path calls, Path outDir) {}

    private final DetectorConfig config;

    public ReplayJob(DetectorConfig config) {
        this.config = config;
    }

    public ReplaySummary run(StreamExecutionEnvironment env, Request request) throws Exception {
        long started = System.currentTimeMillis();
        // Bounded input runs as a batch job: each keyed operator sees its input sorted by key and time and
        // fires a key's timers once that key's input is done, instead of holding every record in state until
        // the input ends. The verdicts are the same, since no timer fires before the input ends either way.
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        JsonInputParser parser = new JsonInputParser();

        Parsed<PartnerAgreement> agreements = parsed(env, request.agreements(),
                parser::parseAgreement, PartnerAgreement.class, (a, ts) -> a.getEffectiveFrom());
        Parsed<PartnerApiCall> calls = parsed(env, request.calls(),
                parser::parseCall, PartnerApiCall.class, (c, ts) -> c.getEventTime());
        DataStream<RejectedLine> rejected = agreements.rejected().union(calls.rejected());
        DataStream<ConsentEvent> consents;
        if (request.consents() != null) {
            Parsed<ConsentEvent> parsedConsents = parsed(env, request.consents(),
                    parser::parseConsent, ConsentEvent.class, (c, ts) -> c.getEventTime());
            consents = parsedConsents.records();
            rejected = rejected.union(parsedConsents.rejected());
        } else {
            consents = noConsents(env);
        }

        DetectionGraph.Outputs outputs = DetectionGraph.build(calls.records(), agreements.records(), consents, config);

        DataStream<ReplayLine> lines = outputs.violations()
                .map(v -> new ReplayLine(ReplayLine.VIOLATIONS, v.getRule().name(), null, JsonOutput.toJsonBytes(v)))
                .returns(ReplayLine.class).name("Violations as JSON")
                .union(
                        outputs.alerts()
                                .map(a -> new ReplayLine(ReplayLine.ALERTS, a.getAlertId(), a.getStatus().name(),
                                        JsonOutput.toJsonBytes(a)))
                                .returns(ReplayLine.class).name("Alerts as JSON"),
                        rejected.map(r -> new ReplayLine(ReplayLine.REJECTED, r.file(), null,
                                        JsonOutput.toJson(r).getBytes(StandardCharsets.UTF_8)))
                                .returns(ReplayLine.class).name("Rejected lines as JSON"));

        Files.createDirectories(request.outDir());
        Map<ViolationRule, Long> byRule = new EnumMap<>(ViolationRule.class);
        Map<String, Long> rejectedByFile = new HashMap<>();
        Map<String, String> lastAlertStatus = new HashMap<>();
        try (CloseableIterator<ReplayLine> results = lines.collectAsync();
                Outputs files = new Outputs(request.outDir())) {
            JobClient job = env.executeAsync("access-detector replay");
            while (results.hasNext()) {
                ReplayLine line = results.next();
                files.write(line);
                switch (line.file()) {
                    case ReplayLine.VIOLATIONS -> byRule.merge(ViolationRule.valueOf(line.key()), 1L, Long::sum);
                    case ReplayLine.ALERTS -> lastAlertStatus.put(line.key(), line.status());
                    default -> rejectedByFile.merge(line.key(), 1L, Long::sum);
                }
            }
            job.getJobExecutionResult().get();
        }

        Map<String, Long> read = new LinkedHashMap<>();
        read.put(request.agreements().toString(), countRecords(request.agreements()));
        if (request.consents() != null) {
            read.put(request.consents().toString(), countRecords(request.consents()));
        }
        read.put(request.calls().toString(), countRecords(request.calls()));
        long firing = lastAlertStatus.values().stream().filter(AlertStatus.FIRING.name()::equals).count();
        return new ReplaySummary(read, rejectedByFile, byRule, lastAlertStatus.size(), firing, request.outDir(),
                System.currentTimeMillis() - started);
    }

    /** A parsed input file: its records, timestamped by their own times, and its rejected lines. */
    private record Parsed<T>(DataStream<T> records, DataStream<RejectedLine> rejected) {}

    private static <T extends org.apache.avro.specific.SpecificRecordBase> Parsed<T> parsed(
            StreamExecutionEnvironment env,
            Path file,
            LineParser.Parse<T> parse,
            Class<T> type,
            SerializableTimestampAssigner<T> eventTime) {
        String name = file.getFileName().toString();
        FileSource<NumberedLine> source = FileSource
                .forRecordStreamFormat(new NumberedLineFormat(), new org.apache.flink.core.fs.Path(file.toUri()))
                .build();
        SingleOutputStreamOperator<T> records = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "Read " + name)
                .process(new LineParser<>(file.toString(), parse), RecordTypes.of(type))
                .name("Parse " + name);
        // No watermarks until the input ends (see the class comment); timestamps are the records' own times.
        DataStream<T> timestamped = records.assignTimestampsAndWatermarks(
                WatermarkStrategy.<T>noWatermarks().withTimestampAssigner(eventTime));
        return new Parsed<>(timestamped, records.getSideOutput(LineParser.REJECTED));
    }

    /** An empty stream that still ends, so the end of the input reaches every operator. */
    private static DataStream<ConsentEvent> noConsents(StreamExecutionEnvironment env) {
        return env.fromSequence(0, 0)
                .name("No consents file")
                .<ConsentEvent>flatMap((n, out) -> {})
                .returns(RecordTypes.CONSENT)
                .name("No consents");
    }

    /** Counts the records in a file: its non-blank lines. */
    static long countRecords(Path file) throws IOException {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.filter(l -> !l.isBlank()).count();
        }
    }

    /** The three output files, written as the results stream in. */
    private static final class Outputs implements AutoCloseable {
        private final Map<String, OutputStream> writers = new HashMap<>();

        Outputs(Path dir) throws IOException {
            for (String name : List.of(ReplayLine.VIOLATIONS, ReplayLine.ALERTS, ReplayLine.REJECTED)) {
                writers.put(name, new BufferedOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 16));
            }
        }

        void write(ReplayLine line) {
            try {
                OutputStream w = writers.get(line.file());
                w.write(line.json());
                w.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            for (OutputStream w : writers.values()) {
                w.close();
            }
        }
    }
}
