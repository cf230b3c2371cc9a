package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.metrics.LoopbackPrometheusReporterFactory;
import org.accessdetector.responder.AuditLog;
import org.accessdetector.responder.RetainedTables;
import org.accessdetector.responder.SqlSession;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code detector sql}: Flink SQL over the retained topics, on an embedded cluster. */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = {"Flink SQL over the retained topics: tables calls, violations, alerts, agreements, consents "
                + "and dead_letters (the schema's fields, plus kafka_partition, kafka_offset, kafka_timestamp), views "
                + "violations_current and alerts_current (the last record of each id; violations in force only), "
                + "functions MILLIS('2018-12-18T09:00:00Z') and ISO(eventTime).",
            "Every scan is bounded: a query reads what was committed when it started, and ends.",
            "Interactive (statements end with ';', history in ~/.detector_sql_history) unless -e or -f is given.",
            "Saved queries for common questions are in investigations/, e.g. "
                + "./detector sql -f investigations/notification-list.sql --param partner=acme-phones",
            "Every statement run is recorded on the audit topic (who, when, the statement, how many rows).",
            "The results carry user ids: run it only where the data may be seen (see the README)."})
final class SqlCommand implements Callable<Integer> {

    @Option(names = {"-e", "--execute"}, paramLabel = "SQL", description = "Run these statements and exit.")
    String execute;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Run the statements of FILE and exit.")
    Path file;

    @Option(names = {"-p", "--param"}, paramLabel = "NAME=VALUE",
            description = "A value for ${NAME} in the statements (a saved query's parameters; repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|csv|json",
            description = "How results are printed (default: ${DEFAULT-VALUE}; json is one object per line).")
    String format;

    @Option(names = "--from", paramLabel = "TIME",
            description = "Read the calls, violations, alerts and dead letters appended from this instant (ISO-8601); "
                    + "agreements and consents are always read whole.")
    String from;

    @Option(names = "--to", paramLabel = "TIME", description = "... up to this instant, inclusive (ISO-8601).")
    String to;

    @Mixin
    Settings.WithKafka settings;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SqlSession.Format outputFormat;
        RetainedTables.Range range;
        String script = null;
        try {
            outputFormat = SqlSession.Format.valueOf(format.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("error: --format must be table, csv or json (got '" + format + "')");
            return DetectorCli.USAGE_ERROR;
        }
        try {
            range = RetainedTables.Range.parse(from, to);
            if (execute != null && file != null) {
                throw new IllegalArgumentException("give -e or -f, not both");
            }
            if (execute != null) {
                script = SqlSession.substitute(execute, params);
            } else if (file != null) {
                script = SqlSession.substitute(Files.readString(file), params);
            }
        } catch (NoSuchFileException e) {
            err.println("error: no such file: " + file);
            return DetectorCli.USAGE_ERROR;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return DetectorCli.USAGE_ERROR;
        }
        Configuration conf = settings.configuration();
        TableEnvironment env = environment();
        RetainedTables.register(env, KafkaConnection.from(conf), Topics.from(conf), range);
        try (AuditLog audit = new AuditLog(KafkaConnection.from(conf), Topics.from(conf), "sql")) {
            SqlSession session = new SqlSession(env, outputFormat, out, err, audit);
            if (script != null) {
                return session.run(script) ? 0 : 1;
            }
            return interactive(session, err);
        }
    }

    /** Batch mode: a bounded scan gives each query its final answer, and an aggregate prints one row per group. */
    static TableEnvironment environment() {
        Configuration flink = new Configuration();
        for (ConfigOption<String> bind : RunCommand.LOOPBACK_BY_DEFAULT) {
            flink.set(bind, LoopbackPrometheusReporterFactory.DEFAULT_HOST);
        }
        flink.set(RestOptions.BIND_PORT, "0"); // the embedded cluster's endpoint on a free port
        flink.set(TableConfigOptions.LOCAL_TIME_ZONE, "UTC");
        return TableEnvironment.create(EnvironmentSettings.newInstance().inBatchMode().withConfiguration(flink).build());
    }

    private int interactive(SqlSession session, PrintWriter err) throws IOException {
        if (System.console() == null) {
            // Not a terminal: statements from standard input, e.g. a here-document.
            StringBuilder script = new StringBuilder();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    script.append(line).append('\n');
                }
            }
            return session.run(script.toString()) ? 0 : 1;
        }
        return SqlPrompt.run(session, err, params);
    }
}
