package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.responder.AuditLog;
import org.accessdetector.responder.Evidence;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code detector evidence}: a self-contained bundle of everything behind one alert. */
@Command(name = "evidence", mixinStandardHelpOptions = true,
        description = {"Writes the evidence behind one alert to a directory: evidence.json and evidence.md with the "
                + "alert, each violation in force behind it, the calls behind them with their Kafka coordinates, the "
                + "agreement version in force at each call, the consent events that decided each consent verdict, "
                + "and the distinct affected users.",
            "It seeks by time (the alert's own updates, then its violations' calls) instead of scanning whole topics, "
                + "and says how much it read.",
            "The bundle carries user ids: keep it where the data may be seen."})
final class EvidenceCommand implements Callable<Integer> {

    @Option(names = "--alert", required = true, paramLabel = "ALERT_ID", description = "The alert's id (alert_id).")
    String alertId;

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write the bundle (default: evidence-ALERT_ID).")
    Path out;

    @Option(names = "--margin", defaultValue = "10min", paramLabel = "DURATION",
            description = "How far before the alert's first update and after its last to look for its violations "
                    + "(default: ${DEFAULT-VALUE}).")
    String margin;

    @Mixin
    Settings.WithKafka settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Duration marginDuration;
        try {
            marginDuration = TimeUtils.parseDuration(margin);
        } catch (IllegalArgumentException e) {
            err.println("error: --margin must be a duration such as 10min or 1h (got '" + margin + "')");
            return DetectorCli.USAGE_ERROR;
        }
        Configuration conf = settings.configuration();
        KafkaConnection bootstrap = KafkaConnection.from(conf);
        Evidence evidence = Evidence.gather(bootstrap, Topics.from(conf), alertId, marginDuration);
        try (AuditLog audit = new AuditLog(bootstrap, Topics.from(conf), "evidence")) {
            audit.record("alert " + alertId, evidence == null ? null : (long) evidence.inForce().size(),
                    evidence == null ? "no such alert" : null);
        } catch (AuditLog.AuditFailedException e) {
            err.println("error: " + e.getMessage() + " (no bundle written)");
            return 1;
        }
        if (evidence == null) {
            err.println("error: no alert " + alertId + " on " + Topics.from(conf).alerts().name());
            return 1;
        }
        Path dir = out != null ? out : Path.of("evidence-" + alertId.replaceAll("[^A-Za-z0-9._-]", "_"));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("evidence.json"), evidence.toJson().toPrettyString() + "\n");
        Files.writeString(dir.resolve("evidence.md"), evidence.toMarkdown());
        PrintWriter o = spec.commandLine().getOut();
        o.printf("%s: %d violations in force, %d calls, %d affected users%s%n", dir, evidence.inForce().size(),
                evidence.calls().size(), evidence.affectedUsers().size(),
                evidence.missing() > 0 ? "; " + evidence.missing() + " counted violations not found (widen --margin)"
                        : "");
        o.flush();
        evidence.read().forEach((topic, s) -> err.printf("read %d records of %s%s%n", s.read(), topic,
                s.undecodable() > 0 ? " (" + s.undecodable() + " undecodable)" : ""));
        err.flush();
        return 0;
    }
}
