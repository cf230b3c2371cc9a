package org.accessdetector.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Writes a dead letter with its original key and value, and where it came from and why in headers. */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
    private static final long serialVersionUID = 1L;

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter d, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetter.HEADER_SOURCE_TOPIC, utf8(d.sourceTopic()));
        headers.add(DeadLetter.HEADER_PARTITION, utf8(Integer.toString(d.partition())));
        headers.add(DeadLetter.HEADER_OFFSET, utf8(Long.toString(d.offset())));
        headers.add(DeadLetter.HEADER_REASON, utf8(d.reason()));
        return new ProducerRecord<>(topic, null, d.kafkaTimestamp() >= 0 ? d.kafkaTimestamp() : null, d.key(),
                d.value(), headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
