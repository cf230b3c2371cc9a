package org.accessdetector.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.schema.Violation;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code detector violations}: the evidence behind an alert, from the retained violations topic, as JSON Lines.
 * Every alert sent to Alertmanager carries the command line that lists its own violations.
 */
@Command(name = "violations", mixinStandardHelpOptions = true,
        description = "Prints the violations of a partner (optionally of one rule, resource and action) raised "
                + "between two instants, as JSON Lines, from the access-violations topic.")
final class ViolationsCommand implements Callable<Integer> {

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
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(LiveOptions.BOOTSTRAP_SERVERS));
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long printed = 0;
        long read = 0;
        long undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            // The whole retained topic: violations are written in judgement order, not event-time order, so
            // no offset bounds an event-time range.
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    read++;
                    Violation v;
                    try {
                        v = topic.codec().decode(r.value());
                    } catch (DecodeException e) {
                        undecodable++; // not a violation this version can read: counted below
                        continue;
                    }
                    if (matches(v, fromMs, toMs)) {
                        out.println(JsonOutput.toJson(v));
                        printed++;
                    }
                }
            }
        }
        out.flush();
        spec.commandLine().getErr().printf("%d violations of %s from %s to %s (%d records read from %s, %d undecodable)%n",
                printed, partner, Instant.ofEpochMilli(fromMs), Instant.ofEpochMilli(toMs), read, topic.name(),
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
