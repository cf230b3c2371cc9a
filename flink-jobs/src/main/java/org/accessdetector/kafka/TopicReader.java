package org.accessdetector.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.accessdetector.avro.DecodeException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/** Reads a whole topic once, from the start to its current end (control topics, evidence for responders). */
public final class TopicReader {

    private TopicReader() {}

    /** Every record of the topic; fails on a record it cannot decode. */
    public static <T extends SpecificRecordBase> List<T> readAll(String bootstrapServers, Topics.Topic<T> topic)
            throws DecodeException {
        return readAll(KafkaConnection.plain(bootstrapServers), topic);
    }

    /** Every record of the topic; fails on a record it cannot decode. */
    public static <T extends SpecificRecordBase> List<T> readAll(KafkaConnection kafka, Topics.Topic<T> topic)
            throws DecodeException {
        List<T> records = new ArrayList<>();
        long undecodable = scan(kafka, topic, records::add);
        if (undecodable > 0) {
            throw new DecodeException(undecodable + " records of " + topic.name() + " could not be decoded");
        }
        return records;
    }

    /** Hands every decodable record to {@code each}, in partition order; returns how many could not be decoded. */
    public static <T extends SpecificRecordBase> long scan(KafkaConnection kafka, Topics.Topic<T> topic,
            Consumer<T> each) {
        return scan(kafka, topic, Range.ALL, (record, raw) -> each.accept(record)).undecodable();
    }

    /**
     * Which records to read: those appended (Kafka timestamp) from {@code fromMs} to {@code toMs} inclusive (null:
     * open), of the one partition records keyed {@code key} go to (null: all partitions). Found by
     * {@code offsetsForTimes}, so only that range is read.
     */
    public record Range(Long fromMs, Long toMs, byte[] key) {
        public static final Range ALL = new Range(null, null, null);
    }

    /** What a scan read: records read (decodable or not) and of those, how many could not be decoded. */
    public record Scanned(long read, long undecodable) {
        public Scanned plus(Scanned other) {
            return new Scanned(read + other.read, undecodable + other.undecodable);
        }
    }

    /** A decoded record with the Kafka record it came from (its partition, offset and timestamp). */
    @FunctionalInterface
    public interface Each<T> {
        void accept(T record, ConsumerRecord<byte[], byte[]> raw);
    }

    /** Hands every decodable record of {@code range} to {@code each}, in partition order. */
    public static <T extends SpecificRecordBase> Scanned scan(KafkaConnection kafka, Topics.Topic<T> topic,
            Range range, Each<T> each) {
        Properties p = kafka.properties();
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long read = 0;
        long undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> all = consumer.partitionsFor(topic.name());
            List<TopicPartition> partitions = all.stream()
                    .filter(i -> range.key() == null || i.partition() == partitionOf(range.key(), all.size()))
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> start = offsetsAt(consumer, partitions, range.fromMs(),
                    consumer.beginningOffsets(partitions));
            Map<TopicPartition, Long> last = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> end = offsetsAt(consumer, partitions,
                    range.toMs() == null ? null : range.toMs() + 1, last);
            start.forEach(consumer::seek);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= end.get(tp)) {
                        continue;
                    }
                    read++;
                    try {
                        each.accept(topic.codec().decode(r.value()), r);
                    } catch (DecodeException e) {
                        undecodable++;
                    }
                }
            }
        }
        return new Scanned(read, undecodable);
    }

    /** The first offset at or after {@code timeMs} in each partition; {@code otherwise} where there is none. */
    private static Map<TopicPartition, Long> offsetsAt(KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions, Long timeMs, Map<TopicPartition, Long> otherwise) {
        Map<TopicPartition, Long> offsets = new HashMap<>(otherwise);
        if (timeMs == null) {
            return offsets;
        }
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, Math.max(0, timeMs)));
        Map<TopicPartition, Long> last = consumer.endOffsets(partitions);
        consumer.offsetsForTimes(query).forEach((tp, found) -> offsets.put(tp, found == null
                ? last.get(tp) : Math.min(found.offset(), last.get(tp))));
        return offsets;
    }

    /** The partition the Kafka producer's default partitioner puts a record with {@code key} in. */
    public static int partitionOf(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }
}
