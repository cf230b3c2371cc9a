package org.accessdetector.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writes records to the detector's topics, keyed and encoded as {@link Topics} says. */
public final class TopicWriter implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;

    /** A writer to a PLAINTEXT broker. */
    public TopicWriter(String bootstrapServers) {
        this(KafkaConnection.plain(bootstrapServers));
    }

    public TopicWriter(KafkaConnection kafka) {
        Properties p = kafka.properties();
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        // One request in flight per broker: a partition's records stay in the order sent. With several, a first
        // batch refused with a retriable error (a partition created a moment ago, not yet served) is overtaken by
        // the next; the broker takes that one as the producer's first, so the retried first batch is out of order
        // for good and expires (seen in the suite: records lost, or duplicated when sent again).
        p.setProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Exception> firstFailure =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Sends without waiting; {@link #flush()} or {@link #close()} waits for every send, and {@link #failed()}
     * counts those the broker never took.
     */
    public <T extends SpecificRecordBase> Future<RecordMetadata> send(Topics.Topic<T> topic, T record) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic.name(), topic.keyBytes(record),
                topic.codec().encode(record));
        return producer.send(r, (metadata, e) -> {
            if (e != null) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, e);
                failedRecords.add(r);
            }
        });
    }

    private final java.util.Queue<ProducerRecord<byte[], byte[]>> failedRecords =
            new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * Sends the records whose send failed once more, each waiting for the broker, after {@link #flush()}; returns
     * how many of them failed again (and stay queued).
     */
    public long resendFailed() {
        long again = 0;
        for (int n = failedRecords.size(); n > 0; n--) {
            ProducerRecord<byte[], byte[]> r = failedRecords.poll();
            try {
                producer.send(r).get();
                failed.decrementAndGet();
            } catch (Exception e) {
                failedRecords.add(r);
                again++;
            }
        }
        return again;
    }

    /** Sends that failed so far (after the producer's own retries). */
    public long failed() {
        return failed.get();
    }

    /** The first send that failed, or null. */
    public Exception firstFailure() {
        return firstFailure.get();
    }

    /** Sends every record and waits until the broker has them all. */
    public <T extends SpecificRecordBase> void sendAll(Topics.Topic<T> topic, List<T> records) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (T r : records) {
            sent.add(send(topic, r));
        }
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
