package org.accessdetector.kafka;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes a record to its topic, keyed and encoded as the {@link Topics.Topic} says. */
public final class RecordSerializer<T extends SpecificRecordBase> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    private final Topics.Topic<T> topic;

    public RecordSerializer(Topics.Topic<T> topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic.name(), null, timestamp, topic.keyBytes(record), topic.codec().encode(record));
    }
}
