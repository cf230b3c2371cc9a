package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.accessdetector.config.DetectorOptions;
import org.accessdetector.input.InputRejectedException;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.kafka.TopicReader;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.output.TextTable;
import org.accessdetector.responder.Hunt;
import org.accessdetector.responder.RetainedTables;
import org.accessdetector.review.GrantsReport;
import org.accessdetector.schema.Resource;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code detector grants}: the least-privilege review of what partners are granted and what they use. */
@Command(name = "grants", mixinStandardHelpOptions = true,
        description = "The least-privilege review of partner grants.",
        subcommands = {GrantsCommand.Report.class})
final class GrantsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = {"Per partner, every resource and action its agreement grants at --at, with when it was "
                    + "last used in the period, how many calls, records and distinct users; grants never used are "
                    + "DORMANT (sensitive ones first). Then the partners still calling after their agreement was "
                    + "revoked or lapsed.",
                "Reads the retained calls and agreements topics, or files as replay does (--calls, --agreements)."})
    static final class Report implements Callable<Integer> {

        @Option(names = "--since", defaultValue = "90d", paramLabel = "DURATION",
                description = "The period before --at to look at (default: ${DEFAULT-VALUE}).")
        String since;

        @Option(names = "--at", paramLabel = "TIME",
                description = "The end of the period (ISO-8601; default: now, or with --calls the latest call).")
        String at;

        @Option(names = "--calls", paramLabel = "FILE", description = "Calls as JSON Lines instead of the topic.")
        Path callsFile;

        @Option(names = "--agreements", paramLabel = "FILE",
                description = "Agreement versions as JSON Lines instead of the topic.")
        Path agreementsFile;

        @Option(names = "--format", defaultValue = "table", paramLabel = "table|csv|json",
                description = "How the report is printed (default: ${DEFAULT-VALUE}).")
        String format;

        @Mixin
        Settings.WithKafka settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Duration period;
            Instant end;
            List<String> lines = null;
            try {
                period = TimeUtils.parseDuration(since);
                if (!List.of("table", "csv", "json").contains(format.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("--format must be table, csv or json (got '" + format + "')");
                }
                if ((callsFile == null) != (agreementsFile == null)) {
                    throw new IllegalArgumentException("give both --calls and --agreements, or neither");
                }
                end = at == null ? null : RetainedTables.Range.parse(null, at).to();
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return DetectorCli.USAGE_ERROR;
            }
            Configuration conf = settings.configuration();
            EnumSet<Resource> sensitive = EnumSet.noneOf(Resource.class);
            sensitive.addAll(conf.get(DetectorOptions.SENSITIVE_RESOURCES));
            JsonInputParser parser = new JsonInputParser();
            GrantsReport.Report report;
            if (callsFile != null) {
                try {
                    if (end == null) {
                        long latest = Long.MIN_VALUE;
                        for (String line : nonBlank(callsFile)) {
                            latest = Math.max(latest, parser.parseCall(line).getEventTime());
                        }
                        end = Instant.ofEpochMilli(latest == Long.MIN_VALUE ? 0 : latest);
                    }
                    GrantsReport builder = new GrantsReport(end.minus(period).toEpochMilli(), end.toEpochMilli(),
                            sensitive);
                    for (String line : nonBlank(agreementsFile)) {
                        builder.agreement(parser.parseAgreement(line));
                    }
                    for (String line : nonBlank(callsFile)) {
                        builder.call(parser.parseCall(line));
                    }
                    report = builder.report();
                } catch (InputRejectedException e) {
                    err.println("error: " + e.getMessage());
                    return DetectorCli.USAGE_ERROR;
                } catch (java.nio.file.NoSuchFileException e) {
                    err.println("error: no such file: " + e.getFile());
                    return DetectorCli.USAGE_ERROR;
                }
            } else {
                end = end == null ? Instant.now() : end;
                KafkaConnection bootstrap = KafkaConnection.from(conf);
                Topics topics = Topics.from(conf);
                long fromMs = end.minus(period).toEpochMilli();
                GrantsReport builder = new GrantsReport(fromMs, end.toEpochMilli(), sensitive);
                TopicReader.scan(bootstrap, topics.agreements(), TopicReader.Range.ALL, (a, r) -> builder.agreement(a));
                TopicReader.Scanned read = TopicReader.scan(bootstrap, topics.calls(),
                        new TopicReader.Range(fromMs - Hunt.SEEK_BEFORE.toMillis(), null, null),
                        (c, r) -> builder.call(c));
                err.printf("read %d records of %s%n", read.read(), topics.calls().name());
                report = builder.report();
            }
            print(report, spec.commandLine().getOut(), format.toLowerCase(Locale.ROOT));
            return 0;
        }

        private static List<String> nonBlank(Path file) throws java.io.IOException {
            List<String> out = new ArrayList<>();
            try (BufferedReader in = Files.newBufferedReader(file)) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) {
                        out.add(line);
                    }
                }
            }
            return out;
        }

        private static void print(GrantsReport.Report report, PrintWriter out, String format) {
            List<String> names = List.of("partner", "version", "resource", "action", "sensitive", "status", "calls",
                    "records", "users", "last_used");
            List<String[]> rows = new ArrayList<>();
            for (GrantsReport.GrantUse g : report.grants()) {
                rows.add(new String[] {g.partnerId(), Integer.toString(g.agreementVersion()), g.resource().name(),
                    g.action().name(), Boolean.toString(g.sensitive()), g.dormant() ? "DORMANT" : "USED",
                    Long.toString(g.calls()), Long.toString(g.records()), Long.toString(g.users()),
                    g.lastUsed() == null ? "" : Instant.ofEpochMilli(g.lastUsed()).toString()});
            }
            List<String> lateNames = List.of("partner", "version", "status", "since", "calls", "users", "last_call");
            List<String[]> late = new ArrayList<>();
            for (GrantsReport.StillCalling s : report.stillCalling()) {
                late.add(new String[] {s.partnerId(), Integer.toString(s.agreementVersion()), s.how(),
                    Instant.ofEpochMilli(s.since()).toString(), Long.toString(s.calls()), Long.toString(s.users()),
                    Instant.ofEpochMilli(s.lastCall()).toString()});
            }
            switch (format) {
                case "csv" -> {
                    out.println(TextTable.csvLine(names));
                    rows.forEach(r -> out.println(TextTable.csvLine(List.of(r))));
                    if (!late.isEmpty()) {
                        out.println();
                        out.println(TextTable.csvLine(lateNames));
                        late.forEach(r -> out.println(TextTable.csvLine(List.of(r))));
                    }
                }
                case "json" -> {
                    ObjectMapper json = new ObjectMapper();
                    for (String[] r : rows) {
                        ObjectNode n = json.createObjectNode().put("kind", "grant");
                        for (int i = 0; i < names.size(); i++) {
                            n.put(names.get(i), r[i]);
                        }
                        out.println(n);
                    }
                    for (String[] r : late) {
                        ObjectNode n = json.createObjectNode().put("kind", "still-calling");
                        for (int i = 0; i < lateNames.size(); i++) {
                            n.put(lateNames.get(i), r[i]);
                        }
                        out.println(n);
                    }
                }
                default -> {
                    out.printf("Grants in force at %s and their use since %s (%d dormant):%n",
                            Instant.ofEpochMilli(report.to()), Instant.ofEpochMilli(report.from()),
                            report.dormant().size());
                    TextTable.printTable(out, names, rows);
                    out.println("Partners still calling after their agreement stopped granting access:");
                    TextTable.printTable(out, lateNames, late);
                }
            }
            out.flush();
        }
    }
}
