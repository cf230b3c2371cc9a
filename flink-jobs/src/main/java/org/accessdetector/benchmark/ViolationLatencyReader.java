package org.accessdetector.benchmark;

import org.accessdetector.kafka.KafkaConnection;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.kafka.Topics;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the violations topic ({@code read_committed}) and records, for each per-call violation whose call was
 * appended in the measured period, the time from the call's append to Kafka (the broker's log-append time) to
 * the violation being read: what a responder or the alert router sees. The broker runs on the same machine, so
 * one clock is involved.
 */
public final class ViolationLatencyReader implements Runnable, AutoCloseable {

    private final KafkaConnection kafka;
    private final Topics.Topic<Violation> topic;
    private final Map<ViolationRule, LatencySamples> byRule = new EnumMap<>(ViolationRule.class);
    private final long from;
    private final long until;
    private final AtomicLong lastRecordAt = new AtomicLong(System.currentTimeMillis());
    private final AtomicLong violationsRead = new AtomicLong();
    private final AtomicLong notAppendTimed = new AtomicLong();
    private final AtomicLong retracted = new AtomicLong();
    private volatile boolean running = true;

    /** Records violations of calls appended in [{@code from}, {@code until}). */
    public ViolationLatencyReader(KafkaConnection kafka, Topics.Topic<Violation> topic, long from, long until) {
        this.kafka = kafka;
        this.topic = topic;
        this.from = from;
        this.until = until;
    }

    @Override
    public void run() {
        Properties p = kafka.properties();
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "benchmark-" + UUID.randomUUID());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // What a responder or the router sees: with exactly-once sinks, a violation counts once committed.
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic.name()));
            while (running) {
                var records = consumer.poll(Duration.ofMillis(100));
                long readAt = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    lastRecordAt.set(readAt);
                    violationsRead.incrementAndGet();
                    record(r, readAt);
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void record(ConsumerRecord<byte[], byte[]> r, long readAt) {
        if (r.timestampType() != TimestampType.LOG_APPEND_TIME) {
            notAppendTimed.incrementAndGet();
            return;
        }
        Violation v;
        try {
            v = topic.codec().decode(r.value());
        } catch (DecodeException e) {
            throw new IllegalStateException("the detector wrote an undecodable violation", e);
        }
        if (!Violations.inForce(v)) {
            retracted.incrementAndGet(); // a correction, not a detection: not timed
            return;
        }
        Long appended = v.getCallAppendedAt();
        if (appended != null && appended >= from && appended < until) {
            synchronized (byRule) {
                // Until it could be read, not until it was appended: a transaction's records are appended at once
                // but readable only once it commits, at the next checkpoint.
                byRule.computeIfAbsent(v.getRule(), k -> new LatencySamples())
                        .add(appended, Math.max(r.timestamp(), readAt) - appended);
            }
        }
    }

    /** The latencies by rule: the rules take different paths through the detector. */
    public Map<ViolationRule, LatencySamples> byRule() {
        synchronized (byRule) {
            return new EnumMap<>(byRule);
        }
    }

    /** Every latency, whatever the rule. */
    public LatencySamples all() {
        return LatencySamples.merged(byRule().values());
    }

    /** Wall-clock time the last violation was read. */
    public long lastRecordAt() {
        return lastRecordAt.get();
    }

    public long violationsRead() {
        return violationsRead.get();
    }

    /** Violations read whose topic does not keep log-append time, so they cannot be timed. */
    /** Records that retracted a violation: a late record overturned it. */
    public long retracted() {
        return retracted.get();
    }

    public long notAppendTimed() {
        return notAppendTimed.get();
    }

    @Override
    public void close() {
        running = false;
    }
}
