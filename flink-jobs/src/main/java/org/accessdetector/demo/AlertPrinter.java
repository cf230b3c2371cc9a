package org.accessdetector.demo;

import org.accessdetector.kafka.KafkaConnection;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.kafka.Topics;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AlertStatus;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Follows the alerts topic and prints one readable line when an alert fires and when it resolves. */
public final class AlertPrinter implements Runnable, AutoCloseable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private final Topics.Topic<AccessAlert> topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PrintStream out;
    private final Set<String> firing = new HashSet<>();
    private volatile boolean running = true;

    public AlertPrinter(KafkaConnection kafka, Topics.Topic<AccessAlert> topic, PrintStream out) {
        this.topic = topic;
        this.out = out;
        Properties p = kafka.properties();
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "alert-printer-" + java.util.UUID.randomUUID());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(topic.name()));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        print(topic.codec().decode(r.value()));
                    } catch (DecodeException e) {
                        out.println("(an alert record could not be decoded: " + e.getMessage() + ")");
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    void print(AccessAlert a) {
        boolean resolved = a.getStatus() == AlertStatus.RESOLVED;
        if (resolved ? firing.remove(a.getAlertId()) : firing.add(a.getAlertId())) {
            out.println(line(a));
        }
    }

    /** One line: when, severity, partner, rule, resource/action, how many, and the state. */
    public static String line(AccessAlert a) {
        return String.format("%s %-8s %-22s %-17s %-25s %6d violation%s %s",
                TIME.format(Instant.ofEpochMilli(a.getDetectedAt() != null ? a.getDetectedAt() : a.getUpdatedAt())),
                a.getSeverity(), a.getPartnerId(), a.getRule(), a.getResource() + "/" + a.getAction(),
                a.getViolationCount(), a.getViolationCount() == 1 ? " " : "s", a.getStatus());
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
