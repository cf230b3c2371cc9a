package org.accessdetector.kafka;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Kafka topic names, retention and layout. Read once into {@link Topics}. */
public final class TopicOptions {

    public static final ConfigOption<String> CALLS = name("calls", "partner-api-calls", "partner API calls (input)");
    public static final ConfigOption<String> AGREEMENTS = name("agreements", "partner-agreements",
            "partner agreement versions (input, compacted, keyed by partner and version)");
    public static final ConfigOption<String> CONSENTS = name("consents", "user-consents",
            "user consent events (input, compacted, keyed by user and partner)");
    public static final ConfigOption<String> VIOLATIONS = name("violations", "access-violations",
            "violations (output, keyed by violation id)");
    public static final ConfigOption<String> ALERTS = name("alerts", "access-alerts",
            "alert updates (output, keyed by alert id)");
    public static final ConfigOption<String> DEAD_LETTERS = name("dead-letters", "detector-dead-letters",
            "input records that could not be decoded, with the reason in headers");
    public static final ConfigOption<String> AUDIT = name("audit", "detector-audit",
            "one record per use of a responder command (sql, evidence, hunt): who, when, what, how many rows");

    /** Every topic name option, for whatever names all the topics (tests give each run topics of its own). */
    public static final java.util.List<ConfigOption<String>> NAMES =
            java.util.List.of(CALLS, AGREEMENTS, CONSENTS, VIOLATIONS, ALERTS, DEAD_LETTERS, AUDIT);

    public static final ConfigOption<Duration> CALLS_RETENTION =
            retention("calls", Duration.ofDays(30));
    public static final ConfigOption<Duration> VIOLATIONS_RETENTION =
            retention("violations", Duration.ofDays(365));
    public static final ConfigOption<Duration> ALERTS_RETENTION =
            retention("alerts", Duration.ofDays(365));
    public static final ConfigOption<Duration> AUDIT_RETENTION =
            retention("audit", Duration.ofDays(730));
    public static final ConfigOption<Duration> DEAD_LETTERS_RETENTION =
            retention("dead-letters", Duration.ofDays(30));

    public static final ConfigOption<Integer> PARTITIONS = ConfigOptions.key("topics.partitions")
            .intType()
            .defaultValue(4)
            .withDescription("Partitions of each topic when `topics create` creates it.");

    public static final ConfigOption<Integer> REPLICATION_FACTOR = ConfigOptions.key("topics.replication-factor")
            .intType()
            .defaultValue(1)
            .withDescription("Replication factor of each topic when `topics create` creates it (3 in production).");

    private static ConfigOption<String> name(String topic, String dflt, String what) {
        return ConfigOptions.key("topics." + topic + ".name").stringType().defaultValue(dflt)
                .withDescription("Topic of " + what + ".");
    }

    private static ConfigOption<Duration> retention(String topic, Duration dflt) {
        return ConfigOptions.key("topics." + topic + ".retention").durationType().defaultValue(dflt)
                .withDescription("How long the " + topic + " topic keeps records.");
    }

    private TopicOptions() {}
}
