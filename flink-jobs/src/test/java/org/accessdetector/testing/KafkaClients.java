package org.accessdetector.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;
import org.accessdetector.kafka.Topics;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Plain Kafka clients for tests: what an outside producer writes and an outside consumer reads. */
public final class KafkaClients implements AutoCloseable {

    private final org.accessdetector.kafka.KafkaConnection kafka;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaClients(String bootstrap) {
        this(org.accessdetector.kafka.KafkaConnection.plain(bootstrap));
    }

    /** Clients of one principal of a secure broker (or of a plain one). */
    public KafkaClients(org.accessdetector.kafka.KafkaConnection kafka) {
        this(kafka, kafka);
    }

    /** Writes as one principal (e.g. the platform's), reads as another (e.g. a responder). */
    public KafkaClients(org.accessdetector.kafka.KafkaConnection writer, org.accessdetector.kafka.KafkaConnection reader) {
        this.kafka = reader;
        Properties p = writer.properties();
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        // In order per partition even when a first batch to a new topic is refused and retried (see TopicWriter).
        p.setProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Sends many records at once (in order per partition) and waits until the broker has them all. */
    public <T extends SpecificRecordBase> void sendBatch(Topics.Topic<T> topic, List<T> records) throws Exception {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>(records.size());
        for (T r : records) {
            sent.add(producer.send(new ProducerRecord<>(topic.name(), topic.keyBytes(r), topic.codec().encode(r))));
        }
        producer.flush();
        for (java.util.concurrent.Future<?> f : sent) {
            f.get();
        }
    }

    /** A record for {@link #sendInOrder}: keyed and encoded as the detector's topics are. */
    public static <T extends SpecificRecordBase> ProducerRecord<byte[], byte[]> record(Topics.Topic<T> topic, T r) {
        return new ProducerRecord<>(topic.name(), topic.keyBytes(r), topic.codec().encode(r));
    }

    /** Sends records of any topics in this order, without waiting for each, then waits until the broker has all. */
    public void sendInOrder(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>(records.size());
        for (ProducerRecord<byte[], byte[]> r : records) {
            sent.add(producer.send(r));
        }
        producer.flush();
        for (java.util.concurrent.Future<?> f : sent) {
            f.get();
        }
    }

    public <T extends SpecificRecordBase> void send(Topics.Topic<T> topic, List<T> records) throws Exception {
        for (T r : records) {
            producer.send(new ProducerRecord<>(topic.name(), topic.keyBytes(r), topic.codec().encode(r))).get();
        }
    }

    /** Sends a record to one partition, e.g. to move event time forward on every partition of a topic. */
    public <T extends SpecificRecordBase> void send(Topics.Topic<T> topic, int partition, T record) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), partition, topic.keyBytes(record),
                topic.codec().encode(record))).get();
    }

    public void sendRaw(String topic, byte[] key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** Reads the topic from the start (committed records only) until {@code done} holds or the timeout passes. */
    public List<ConsumerRecord<byte[], byte[]>> readUntil(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            Duration timeout) {
        // Partitions assigned, no consumer group: as a responder reads, and with a responder's rights.
        Properties p = kafka.properties();
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(seen) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
        }
        return seen;
    }

    /** Reads every committed record the topic holds now, from the start of each partition to its end. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = kafka.properties();
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
        }
        return seen;
    }

    @Override
    public void close() {
        producer.close();
    }
}
