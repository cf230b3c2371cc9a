package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.accessdetector.kafka.TopicReader;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Violation;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code detector violations}: the evidence behind an alert, from the retained violations topic, as JSON Lines.
 * Every alert sent to Alertmanager carries the command line that lists its own violations.
 */
@Command(name = "violations", mixinStandardHelpOptions = true,
        description = {"Prints the violations of a partner (optionally of one rule, resource and action) between "
                + "two instants, as JSON Lines, from the access-violations topic.",
            "A violation written more than once (new figures, or RETRACTED by records that arrived late) is printed "
                + "once, in its latest state."})
final class ViolationsCommand implements Callable<Integer> {

    /** How long before --from to start reading: for calls stamped ahead of the broker's clock. */
    static final java.time.Duration SEEK_BEFORE = java.time.Duration.ofDays(1);

    @Option(names = "--partner", required = true, description = "Partner id.")
    String partner;

    @Option(names = "--rule", description = "Only this rule.")
    String rule;

    @Option(names = "--resource", description = "Only this resource.")
    String resource;

    @Option(names = "--action", description = "Only this action.")
    String action;

    @Option(names = "--from", required = true, paramLabel = "TIME", description = "Event time from (ISO-8601).")
    String from;

    @Option(names = "--to", required = true, paramLabel = "TIME", description = "Event time to, inclusive (ISO-8601).")
    String to;

    @Mixin
    Settings.WithKafka settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        long fromMs;
        long toMs;
        try {
            fromMs = OffsetDateTime.parse(from).toInstant().toEpochMilli();
            toMs = OffsetDateTime.parse(to).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            spec.commandLine().getErr().println("error: --from and --to must be ISO-8601 with an offset: "
                    + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        Configuration conf = settings.configuration();
        Topics.Topic<Violation> topic = Topics.from(conf).violations();
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Violation> latest = new LinkedHashMap<>(); // the last record of an id is its state
        // A violation is appended after its call happened (a call stamped ahead of the clock aside): seek to the
        // violations appended from a day before --from, instead of reading 365 days of them.
        TopicReader.Scanned scanned = TopicReader.scan(KafkaConnection.from(conf), topic,
                new TopicReader.Range(fromMs - SEEK_BEFORE.toMillis(), null, null), (v, r) -> {
                    if (matches(v, fromMs, toMs)) {
                        latest.remove(v.getViolationId());
                        latest.put(v.getViolationId(), v);
                    }
                });
        long undecodable = scanned.undecodable();
        long retracted = 0;
        for (Violation v : latest.values()) {
            out.println(JsonOutput.toJson(v));
            retracted += Violations.inForce(v) ? 0 : 1;
        }
        out.flush();
        spec.commandLine().getErr().printf("%d violations of %s from %s to %s in %s (%d in force, %d retracted; "
                        + "%d records read, %d undecodable)%n", latest.size(), partner, Instant.ofEpochMilli(fromMs),
                Instant.ofEpochMilli(toMs), topic.name(), latest.size() - retracted, retracted, scanned.read(),
                undecodable);
        return 0;
    }

    private boolean matches(Violation v, long fromMs, long toMs) {
        long at = v.getEventTime() != null ? v.getEventTime() : v.getWindowEnd() - 1;
        return v.getPartnerId().equals(partner)
                && (rule == null || v.getRule().name().equals(rule))
                && (resource == null || v.getResource().name().equals(resource))
                && (action == null || v.getAction().name().equals(action))
                && at >= fromMs && at <= toMs;
    }
}
