package org.accessdetector.responder;

import org.accessdetector.kafka.KafkaConnection;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.accessdetector.kafka.Topics;
import org.accessdetector.table.AvroSingleObjectFormatFactory;
import org.accessdetector.table.RecordSchemas;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.TableDescriptor;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.types.logical.RowType;

/**
 * The retained topics as Flink SQL tables, for incident responders: each record type's fields under their schema
 * names (derived from the released Avro schemas) plus the Kafka coordinates {@code kafka_partition},
 * {@code kafka_offset} and {@code kafka_timestamp}; the views {@code violations_current},
 * {@code alerts_current} and {@code calls_distinct}; and the functions {@code MILLIS('2018-12-18T09:00:00Z')} and {@code ISO(eventTime)}
 * between ISO-8601 instants and the epoch milliseconds the records carry. Every scan is bounded, so every query
 * ends: it reads what was committed when it started (or up to {@code to}).
 */
public final class RetainedTables {

    /** The tables, each with the record type its topic holds (null: the dead letters' original bytes). */
    public record Table(String name, String record) {}

    public static final List<Table> TABLES = List.of(
            new Table("calls", "PartnerApiCall"),
            new Table("violations", "Violation"),
            new Table("alerts", "AccessAlert"),
            new Table("agreements", "PartnerAgreement"),
            new Table("consents", "ConsentEvent"),
            new Table("dead_letters", null));

    /** The time range to read, by the records' Kafka timestamps (append time); null ends are open. */
    public record Range(Instant from, Instant to) {
        public static final Range ALL = new Range(null, null);

        /** Parses ISO-8601 instants with an offset; a clear error otherwise. */
        public static Range parse(String from, String to) {
            return new Range(instant("--from", from), instant("--to", to));
        }

        private static Instant instant(String flag, String value) {
            if (value == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(flag + " must be an ISO-8601 instant with an offset, e.g. "
                        + "2018-12-18T09:00:00Z (got '" + value + "')");
            }
        }
    }

    private RetainedTables() {}

    /**
     * Registers the tables, views and functions. The event streams (calls, violations, alerts, dead letters) are
     * read within {@code range}; agreements and consents are compacted state and always read whole, so the
     * agreement and consent in force at any call can be looked up.
     */
    public static void register(TableEnvironment env, KafkaConnection kafka, Topics topics, Range range) {
        env.createTemporarySystemFunction("MILLIS", Millis.class);
        env.createTemporarySystemFunction("ISO", Iso.class);
        for (Table t : TABLES) {
            String topic = topicOf(topics, t.name());
            boolean eventStream = !t.name().equals("agreements") && !t.name().equals("consents");
            env.createTemporaryTable(t.name(), descriptor(t, topic, kafka, eventStream ? range : Range.ALL));
        }
        // A violation written again (new figures, or RETRACTED by a late record) is in its last state; an alert too.
        env.executeSql(oneRecordPerId("violations_current", "violations", "violationId", "DESC",
                "status <> 'RETRACTED'"));
        env.executeSql(oneRecordPerId("alerts_current", "alerts", "alertId", "DESC", null));
        // A redelivered call counts once, as first delivered: as the detector counts it.
        env.executeSql(oneRecordPerId("calls_distinct", "calls", "callId", "ASC", null));
    }

    private static String topicOf(Topics topics, String table) {
        return switch (table) {
            case "calls" -> topics.calls().name();
            case "violations" -> topics.violations().name();
            case "alerts" -> topics.alerts().name();
            case "agreements" -> topics.agreements().name();
            case "consents" -> topics.consents().name();
            case "dead_letters" -> topics.deadLetters().name();
            default -> throw new IllegalArgumentException(table);
        };
    }

    private static TableDescriptor descriptor(Table t, String topic, KafkaConnection kafka, Range range) {
        Schema.Builder schema = Schema.newBuilder();
        TableDescriptor.Builder d = TableDescriptor.forConnector("kafka")
                .option("topic", topic)
                .option("properties.bootstrap.servers", kafka.bootstrapServers())
                // What the detector committed: never a violation of a transaction that was rolled back.
                .option("properties.isolation.level", "read_committed")
                .option("scan.startup.mode", range.from() == null ? "earliest-offset" : "timestamp")
                .option("scan.bounded.mode", range.to() == null ? "latest-offset" : "timestamp");
        kafka.clientProperties().forEach((k, v) -> d.option("properties." + k, v));
        if (range.from() != null) {
            d.option("scan.startup.timestamp-millis", Long.toString(range.from().toEpochMilli()));
        }
        if (range.to() != null) {
            d.option("scan.bounded.timestamp-millis", Long.toString(range.to().toEpochMilli() + 1)); // inclusive
        }
        if (t.record() != null) {
            schema.fromRowDataType(RecordSchemas.dataType(t.record()));
            String format = AvroSingleObjectFormatFactory.IDENTIFIER;
            d.option("value.format", format)
                    .option("value." + format + "." + AvroSingleObjectFormatFactory.RECORD.key(), t.record())
                    // A corrupt record is skipped (and counted); the dead-letter topic keeps what the job rejected.
                    .option("value." + format + "." + AvroSingleObjectFormatFactory.IGNORE_PARSE_ERRORS.key(), "true");
        } else {
            // Dead letters keep the rejected bytes whole, with where they came from and why in headers.
            schema.column("value", DataTypes.BYTES());
            schema.columnByMetadata("headers", DataTypes.MAP(DataTypes.STRING(), DataTypes.BYTES()), "headers", true);
            schema.columnByExpression("source_topic", "CAST(headers['dlq.source.topic'] AS STRING)");
            schema.columnByExpression("source_partition", "CAST(CAST(headers['dlq.source.partition'] AS STRING) AS INT)");
            schema.columnByExpression("source_offset", "CAST(CAST(headers['dlq.source.offset'] AS STRING) AS BIGINT)");
            schema.columnByExpression("reason", "CAST(headers['dlq.reason'] AS STRING)");
            d.option("value.format", "raw");
        }
        schema.columnByMetadata("kafka_partition", DataTypes.INT(), "partition", true);
        schema.columnByMetadata("kafka_offset", DataTypes.BIGINT(), "offset", true);
        schema.columnByMetadata("kafka_timestamp", DataTypes.TIMESTAMP_LTZ(3), "timestamp", true);
        return d.schema(schema.build()).build();
    }

    /**
     * One record of each id: the last (order DESC) or the first (ASC) by Kafka timestamp, then offset; optionally
     * only those meeting {@code where}.
     */
    static String oneRecordPerId(String view, String table, String id, String order, String where) {
        String record = TABLES.stream().filter(t -> t.name().equals(table)).findFirst().orElseThrow().record();
        List<String> columns = new java.util.ArrayList<>(
                ((RowType) RecordSchemas.dataType(record).getLogicalType()).getFieldNames());
        columns.addAll(List.of("kafka_partition", "kafka_offset", "kafka_timestamp"));
        String list = String.join(", ", columns.stream().map(c -> "`" + c + "`").toList());
        return "CREATE TEMPORARY VIEW " + view + " AS SELECT " + list + " FROM (SELECT " + list
                + ", ROW_NUMBER() OVER (PARTITION BY `" + id + "` ORDER BY kafka_timestamp " + order
                + ", kafka_offset " + order + ") AS row_num FROM " + table + ") WHERE row_num = 1"
                + (where == null ? "" : " AND " + where);
    }

    /** {@code MILLIS('2018-12-18T09:00:00Z')}: an ISO-8601 instant as the epoch milliseconds records carry. */
    public static final class Millis extends ScalarFunction {
        public Long eval(String instant) {
            if (instant == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(instant).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("MILLIS needs an ISO-8601 instant with an offset, e.g. "
                        + "2018-12-18T09:00:00Z (got '" + instant + "')");
            }
        }
    }

    /** {@code ISO(eventTime)}: epoch milliseconds as an ISO-8601 instant in UTC. */
    public static final class Iso extends ScalarFunction {
        public String eval(Long millis) {
            return millis == null ? null : Instant.ofEpochMilli(millis).toString();
        }
    }
}
