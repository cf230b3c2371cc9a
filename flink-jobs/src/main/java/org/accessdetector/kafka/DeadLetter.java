package org.accessdetector.kafka;
import org.accessdetector.avro.DecodeException;

/**
 * An input record that could not be decoded, kept whole: its original key and value bytes, where it came
 * from, and why it was rejected. Written to the dead-letter topic with the provenance in headers.
 */
public record DeadLetter(
        String sourceTopic, int partition, long offset, long kafkaTimestamp, byte[] key, byte[] value, String reason) {

    public static final String HEADER_SOURCE_TOPIC = "dlq.source.topic";
    public static final String HEADER_PARTITION = "dlq.source.partition";
    public static final String HEADER_OFFSET = "dlq.source.offset";
    public static final String HEADER_REASON = "dlq.reason";

    /** A bounded category of the reason, for metric labels. */
    public String kind() {
        return DecodeException.kindOf(reason);
    }
}
