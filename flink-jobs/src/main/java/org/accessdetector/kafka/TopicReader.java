package org.accessdetector.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.accessdetector.avro.DecodeException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic once, from the start to its current end (control topics, evidence for responders). */
public final class TopicReader {

    private TopicReader() {}

    /** Every record of the topic; fails on a record it cannot decode. */
    public static <T extends SpecificRecordBase> List<T> readAll(String bootstrapServers, Topics.Topic<T> topic)
            throws DecodeException {
        List<T> records = new ArrayList<>();
        long undecodable = scan(bootstrapServers, topic, records::add);
        if (undecodable > 0) {
            throw new DecodeException(undecodable + " records of " + topic.name() + " could not be decoded");
        }
        return records;
    }

    /** Hands every decodable record to {@code each}, in partition order; returns how many could not be decoded. */
    public static <T extends SpecificRecordBase> long scan(String bootstrapServers, Topics.Topic<T> topic,
            Consumer<T> each) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        each.accept(topic.codec().decode(r.value()));
                    } catch (DecodeException e) {
                        undecodable++;
                    }
                }
            }
        }
        return undecodable;
    }
}
