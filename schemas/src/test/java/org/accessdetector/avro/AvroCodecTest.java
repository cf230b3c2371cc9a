package org.accessdetector.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class AvroCodecTest {

    private final AvroCodec<PartnerApiCall> codec = new AvroCodec<>(PartnerApiCall.class);
    private final PartnerApiCall call = PartnerApiCall.newBuilder()
            .setCallId("c1").setPartnerId("acme-phones").setSubjectUserId("alice").setActingUserId("bob")
            .setResource(org.accessdetector.schema.Resource.CONTACTS).setAction(org.accessdetector.schema.Action.READ)
            .setEventTime(1_545_127_200_000L).setEndpoint("/v2/contacts").build();

    @Test
    void roundTripsInSingleObjectEncoding() throws Exception {
        byte[] bytes = codec.encode(call);

        assertThat(bytes[0]).isEqualTo((byte) 0xC3); // the single-object marker
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        assertThat(codec.decode(bytes)).isEqualTo(call);
    }

    @Test
    void everyKindOfBadBytesIsADecodeExceptionWithAReason() {
        byte[] valid = codec.encode(call);
        byte[] unknownFingerprint = valid.clone();
        unknownFingerprint[2] ^= 0x5A;
        byte[] lyingLength = Arrays.copyOf(valid, 16);
        // after the 10-byte header, the first field (callId) claims 100 MB: zig-zag varint of 100_000_000
        byte[] length = {(byte) 0x80, (byte) 0x84, (byte) 0xAF, (byte) 0x5F};
        System.arraycopy(length, 0, lyingLength, 10, length.length);

        assertRejected("json".getBytes(), "marker");
        assertRejected(unknownFingerprint, "fingerprint");
        assertRejected(Arrays.copyOf(valid, valid.length - 5), "truncated");
        assertRejected(lyingLength, "limit");
        assertRejected(new byte[0], "");
        assertRejected(null, "empty");
    }

    private void assertRejected(byte[] bytes, String reason) {
        assertThatThrownBy(() -> codec.decode(bytes)).isInstanceOf(DecodeException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void aCallWrittenWithTheFirstReleasedSchemaDecodesWithTheFieldsAddedSinceAtTheirDefaults() throws Exception {
        Schema v1 = ReleasedSchemas.of("PartnerApiCall").get(0);
        GenericRecord old = new GenericData.Record(v1);
        old.put("callId", "c-old");
        old.put("partnerId", "acme-phones");
        old.put("subjectUserId", "alice");
        old.put("resource", new GenericData.EnumSymbol(v1.getField("resource").schema(), "CONTACTS"));
        old.put("action", new GenericData.EnumSymbol(v1.getField("action").schema(), "READ"));
        old.put("outcome", new GenericData.EnumSymbol(v1.getField("outcome").schema(), "ALLOWED"));
        old.put("recordCount", 3);
        old.put("eventTime", 1_545_127_200_000L);
        byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();

        PartnerApiCall decoded = codec.decode(bytes);

        assertThat(v1.getField("appendedAt")).as("v1 predates appendedAt").isNull();
        assertThat(decoded.getCallId()).isEqualTo("c-old");
        assertThat(decoded.getRecordCount()).isEqualTo(3);
        assertThat(decoded.getAppendedAt()).isNull();
    }

    @Test
    void theNewestReleasedSchemaIsTheCurrentOneAndEveryReleasedVersionStillDecodes() {
        for (Class<?> type : List.of(PartnerApiCall.class, PartnerAgreement.class, ConsentEvent.class,
                Violation.class, AccessAlert.class, org.accessdetector.schema.AuditEvent.class)) {
            Schema current = SpecificData.get().getSchema(type);
            List<Schema> released = ReleasedSchemas.of(current.getName());
            assertThat(released).as(type.getSimpleName() + " has released versions").isNotEmpty();
            assertThat(released.get(released.size() - 1)).as("release " + type.getSimpleName() + " after changing it")
                    .isEqualTo(current);
            for (Schema writer : released) {
                assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, writer).getType())
                        .as(type.getSimpleName() + " reads " + writer)
                        .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
            }
        }
    }
}
