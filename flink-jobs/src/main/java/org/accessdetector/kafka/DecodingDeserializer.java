package org.accessdetector.kafka;
import org.accessdetector.typeinfo.RecordTypes;
import org.accessdetector.avro.AvroCodec;
import org.accessdetector.avro.DecodeException;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;

/**
 * Decodes a topic's records; a record that cannot be decoded becomes a {@link DeadLetter} (Right) instead of
 * failing the source, so a bad record never makes the job crash-loop.
 */
public final class DecodingDeserializer<T extends SpecificRecordBase>
        implements KafkaRecordDeserializationSchema<Either<T, DeadLetter>> {
    private static final long serialVersionUID = 1L;

    private final AvroCodec<T> codec;
    private final Topics.AppendTimeField<T> appendTime;

    public DecodingDeserializer(Topics.Topic<T> topic) {
        this.codec = topic.codec();
        this.appendTime = topic.appendTime();
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Either<T, DeadLetter>> out) {
        T decoded;
        try {
            decoded = codec.decode(record.value());
        } catch (DecodeException e) {
            out.collect(Either.Right(new DeadLetter(record.topic(), record.partition(), record.offset(),
                    record.timestamp(), record.key(), record.value(), e.getMessage())));
            return;
        }
        // Only the broker's clock: a producer's create time may be anything, even the event time.
        if (appendTime != null && record.timestampType() == TimestampType.LOG_APPEND_TIME) {
            appendTime.set(decoded, record.timestamp());
        }
        out.collect(Either.Left(decoded));
    }

    @Override
    public TypeInformation<Either<T, DeadLetter>> getProducedType() {
        return typeInfo(codec.type());
    }

    public static <T extends SpecificRecordBase> TypeInformation<Either<T, DeadLetter>> typeInfo(Class<T> type) {
        return new org.apache.flink.api.java.typeutils.EitherTypeInfo<>(
                RecordTypes.of(type), TypeInformation.of(DeadLetter.class));
    }
}
