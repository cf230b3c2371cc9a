package org.accessdetector.typeinfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.accessdetector.detection.UserInput;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class FlatRecordSerializerTest {

    static Stream<Class<? extends SpecificRecordBase>> records() {
        return Stream.of(PartnerApiCall.class, ConsentEvent.class, Violation.class, AccessAlert.class);
    }

    @ParameterizedTest
    @MethodSource("records")
    <T extends SpecificRecordBase> void everyFieldSetSurvivesARoundTripAndACopy(Class<T> type) throws IOException {
        FlatRecordSerializer<T> serializer = new FlatRecordSerializer<>(type);
        T full = filled(serializer, false);
        assertRoundTrip(serializer, full);
        T copy = serializer.copy(full);
        assertThat(copy).isEqualTo(full).isNotSameAs(full);
        for (Schema.Field f : full.getSchema().getFields()) {
            if (full.get(f.pos()) instanceof List<?> list) {
                assertThat(copy.get(f.pos())).as(f.name()).isNotSameAs(list); // a copy may be changed alone
            }
        }
    }

    @ParameterizedTest
    @MethodSource("records")
    <T extends SpecificRecordBase> void everyOptionalFieldLeftOutSurvivesARoundTrip(Class<T> type) throws IOException {
        FlatRecordSerializer<T> serializer = new FlatRecordSerializer<>(type);
        T sparse = filled(serializer, true);
        assertThat(sparse.getSchema().getFields()).anySatisfy(f -> assertThat(sparse.get(f.pos())).isNull());
        assertRoundTrip(serializer, sparse);
        assertThat(serializer.copy(sparse)).isEqualTo(sparse);
    }

    @Test
    void aRequiredFieldLeftOutIsRefusedByName() {
        FlatRecordSerializer<PartnerApiCall> serializer = new FlatRecordSerializer<>(PartnerApiCall.class);
        PartnerApiCall call = filled(serializer, true);
        call.setResource(null);
        assertThatThrownBy(() -> serializer.serialize(call, new DataOutputSerializer(64)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("resource");
    }

    @Test
    void aSchemaWithNestedRecordsIsRefusedWhenTheTypeIsMade() {
        // PartnerAgreement's grants are records: not flat, so it keeps Avro's serializer.
        assertThatThrownBy(() -> new FlatRecordTypeInfo<>(PartnerAgreement.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("grants");
    }

    @Test
    void theSnapshotRestoresTheSerializerAndIsCompatibleOnlyWithTheSameSchema() throws IOException {
        FlatRecordSerializer<Violation> serializer = new FlatRecordSerializer<>(Violation.class);
        TypeSerializerSnapshot<Violation> snapshot = serializer.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(256);
        snapshot.writeSnapshot(out);
        FlatRecordSerializerSnapshot<Violation> read = new FlatRecordSerializerSnapshot<>();
        read.readSnapshot(snapshot.getCurrentVersion(), new DataInputDeserializer(out.getCopyOfBuffer()),
                getClass().getClassLoader());
        assertThat(read.restoreSerializer()).isEqualTo(serializer);
        assertThat(serializer.snapshotConfiguration().resolveSchemaCompatibility(read).isCompatibleAsIs()).isTrue();

        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<Violation> otherType =
                (TypeSerializerSnapshot) new FlatRecordSerializer<>(AccessAlert.class).snapshotConfiguration();
        assertThat(serializer.snapshotConfiguration().resolveSchemaCompatibility(otherType).isIncompatible()).isTrue();
    }

    @Test
    void aUserInputCarriesItsCallAndConsentWithTheFlatSerializer() {
        TypeInformation<UserInput> type = TypeInformation.of(UserInput.class);
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        PojoTypeInfo<UserInput> pojo = (PojoTypeInfo<UserInput>) type;
        assertThat(pojo.getTypeAt("call")).isEqualTo(RecordTypes.CALL);
        assertThat(pojo.getTypeAt("consent")).isEqualTo(RecordTypes.CONSENT);
    }

    private static <T extends SpecificRecordBase> void assertRoundTrip(TypeSerializer<T> serializer, T record)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(record, out);
        serializer.serialize(record, out); // two in a row: each read takes exactly its own bytes
        byte[] bytes = out.getCopyOfBuffer();
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        assertThat(serializer.deserialize(in)).isEqualTo(record);
        assertThat(serializer.deserialize(serializer.createInstance(), in)).isEqualTo(record);
        assertThat(in.available()).isZero();

        DataOutputSerializer copied = new DataOutputSerializer(256);
        serializer.copy(new DataInputDeserializer(bytes), copied);
        assertThat(copied.getCopyOfBuffer()).startsWith(java.util.Arrays.copyOf(bytes, copied.length()));
        assertThat(copied.length()).isEqualTo(bytes.length / 2);
        // Serialized through Flink's own path too (the serializer is what the type gives every stream).
        assertThat(RecordTypes.of(serializer.createInstance().getClass()).createSerializer(new SerializerConfigImpl()))
                .isEqualTo(serializer);
    }

    /**
     * A record with a value in every field, from its schema (so a field added later is covered): optional
     * fields left null when {@code sparse}.
     */
    static <T extends SpecificRecordBase> T filled(FlatRecordSerializer<T> serializer, boolean sparse) {
        T record = serializer.createInstance();
        for (Schema.Field f : record.getSchema().getFields()) {
            Schema s = f.schema();
            if (s.getType() == Schema.Type.UNION) {
                if (sparse) {
                    continue;
                }
                s = s.getTypes().stream().filter(b -> b.getType() != Schema.Type.NULL).findFirst().orElseThrow();
            }
            record.put(f.pos(), sample(f.name(), s, f.pos()));
        }
        return record;
    }

    private static Object sample(String name, Schema s, int pos) {
        return switch (s.getType()) {
            case STRING -> "value of " + name + " é✓";
            case INT -> 1000 + pos;
            case LONG -> 1_543_000_000_000L + pos;
            case BOOLEAN -> true;
            case DOUBLE -> 0.5 + pos;
            case FLOAT -> 0.25f + pos;
            case ENUM -> {
                Object[] constants = SpecificData.get().getClass(s).getEnumConstants();
                yield constants[constants.length - 1];
            }
            case ARRAY -> new ArrayList<>(List.of("a-" + name, "b-" + name));
            default -> throw new IllegalArgumentException("no sample for " + s);
        };
    }
}
