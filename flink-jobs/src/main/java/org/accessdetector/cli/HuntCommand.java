package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.accessdetector.agreements.AgreementsFileException;
import org.accessdetector.agreements.AgreementsYaml;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.input.InputRejectedException;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.responder.AuditLog;
import org.accessdetector.responder.Hunt;
import org.accessdetector.responder.RetainedTables;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Violation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code detector hunt}: the detector over the retained calls of a time range, into files, with a diff. */
@Command(name = "hunt", mixinStandardHelpOptions = true,
        description = {"Runs the detection graph over the retained calls of an event-time range (with the consents on "
                + "the topic, and the agreements on the topic or a candidate file not yet published) and writes "
                + "violations.jsonl, alerts.jsonl and diff.json to --out: never to the live topics.",
            "The diff is against what the live detector reported for the same range: violations new with the "
                + "hunt's agreements, gone, or changed (severity, reason, agreement version, figures).",
            "Calls just before --from are not read: a rate minute or a redelivery across the start may differ."})
final class HuntCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, paramLabel = "TIME", description = "Event time from (ISO-8601).")
    String from;

    @Option(names = "--to", required = true, paramLabel = "TIME", description = "Event time to, inclusive (ISO-8601).")
    String to;

    @Option(names = "--agreements", paramLabel = "FILE",
            description = "Candidate agreements instead of the topic's: YAML (as agreements/partners.yaml) or JSON Lines.")
    Path agreements;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the output (default: hunt-output).")
    Path out = Path.of("hunt-output");

    @Option(names = "--parallelism", defaultValue = "2", paramLabel = "N",
            description = "Parallelism of the local Flink job (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Mixin
    Settings.WithKafka settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        RetainedTables.Range range;
        List<PartnerAgreement> candidate = null;
        DetectorConfig config;
        try {
            range = RetainedTables.Range.parse(from, to);
            if (parallelism < 1) {
                throw new IllegalArgumentException("--parallelism must be at least 1");
            }
            config = DetectorConfig.from(settings.configuration());
            if (agreements != null) {
                candidate = readAgreements(agreements);
            }
        } catch (IllegalArgumentException | AgreementsFileException e) {
            err.println("error: " + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        Configuration conf = settings.configuration();
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
        Hunt.Result result = new Hunt(KafkaConnection.from(conf), Topics.from(conf), config)
                .run(env, new Hunt.Request(range.from(), range.to(), candidate, out));
        Hunt.Diff diff = result.diff();
        try (AuditLog audit = new AuditLog(KafkaConnection.from(conf), Topics.from(conf), "hunt")) {
            audit.record("hunt " + range.from() + " .. " + range.to() + " with "
                            + (agreements == null ? "the agreements on the topic" : "candidate " + agreements),
                    diff.same() + diff.added().size() + diff.changed().size(), null);
        } catch (AuditLog.AuditFailedException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }

        PrintWriter o = spec.commandLine().getOut();
        o.printf("Hunt %s .. %s with %s: %d violations in force; against the live detector: %d new, %d gone, "
                        + "%d changed, %d the same (%s)%n", range.from(), range.to(),
                agreements == null ? "the agreements on the topic" : agreements, diff.same() + diff.added().size()
                        + diff.changed().size(), diff.added().size(), diff.gone().size(), diff.changed().size(),
                diff.same(), out.resolve("diff.json"));
        diff.added().forEach(v -> o.println("  new      " + brief(v)));
        diff.gone().forEach(v -> o.println("  gone     " + brief(v)));
        diff.changed().forEach(c -> o.println("  changed  " + brief(c.hunted()) + " (live: " + c.live().getReason()
                + ")"));
        o.flush();
        result.read().forEach((topic, s) -> err.printf("read %d records of %s%n", s.read(), topic));
        err.flush();
        return 0;
    }

    private static String brief(Violation v) {
        return v.getRule() + " " + v.getPartnerId() + " " + v.getResource() + "/" + v.getAction() + " "
                + (v.getCallId() != null ? "call " + v.getCallId() : "window " + v.getWindowStart()) + ": "
                + v.getReason();
    }

    private static List<PartnerAgreement> readAgreements(Path file) throws AgreementsFileException {
        String name = file.getFileName().toString();
        if (name.endsWith(".yaml") || name.endsWith(".yml")) {
            return AgreementsYaml.read(file);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such file: " + file);
        }
        List<PartnerAgreement> out = new ArrayList<>();
        JsonInputParser parser = new JsonInputParser();
        try {
            int n = 0;
            for (String line : Files.readAllLines(file)) {
                n++;
                if (!line.isBlank()) {
                    try {
                        out.add(parser.parseAgreement(line));
                    } catch (InputRejectedException e) {
                        throw new IllegalArgumentException(file + " line " + n + ": " + e.getMessage());
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
        return out;
    }
}
