package org.accessdetector.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class DecodingDeserializerTest {

    private static final long APPENDED = 1_545_127_200_123L;
    private final Topics.Topic<PartnerApiCall> calls = Topics.defaults().calls();
    private final DecodingDeserializer<PartnerApiCall> deserializer = new DecodingDeserializer<>(calls);
    private final PartnerApiCall call = PartnerApiCall.newBuilder()
            .setCallId("c1").setPartnerId("acme-phones").setSubjectUserId("alice")
            .setResource(Resource.CONTACTS).setAction(Action.READ).setEventTime(APPENDED - 40).build();

    private List<Either<PartnerApiCall, DeadLetter>> read(byte[] value, TimestampType type) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(calls.name(), 3, 42L, APPENDED, type, 2,
                value.length, "c1".getBytes(), value, new RecordHeaders(), Optional.empty());
        List<Either<PartnerApiCall, DeadLetter>> out = new ArrayList<>();
        deserializer.deserialize(record, new Collector<>() {
            @Override
            public void collect(Either<PartnerApiCall, DeadLetter> e) {
                out.add(e);
            }

            @Override
            public void close() {}
        });
        return out;
    }

    @Test
    void aCallReadFromALogAppendTimeTopicCarriesTheBrokersAppendTime() {
        assertThat(read(calls.codec().encode(call), TimestampType.LOG_APPEND_TIME)).singleElement()
                .satisfies(e -> assertThat(e.left().getAppendedAt()).isEqualTo(APPENDED));
    }

    @Test
    void aProducersCreateTimeIsNotTakenForTheAppendTime() {
        assertThat(read(calls.codec().encode(call), TimestampType.CREATE_TIME)).singleElement()
                .satisfies(e -> assertThat(e.left().getAppendedAt()).isNull());
    }

    @Test
    void anUndecodableRecordBecomesADeadLetterWithWhereItCameFrom() {
        assertThat(read("not avro".getBytes(), TimestampType.LOG_APPEND_TIME)).singleElement().satisfies(e -> {
            DeadLetter d = e.right();
            assertThat(d.sourceTopic()).isEqualTo(calls.name());
            assertThat(d.partition()).isEqualTo(3);
            assertThat(d.offset()).isEqualTo(42L);
            assertThat(d.value()).isEqualTo("not avro".getBytes());
            assertThat(d.reason()).contains("marker");
        });
    }
}
