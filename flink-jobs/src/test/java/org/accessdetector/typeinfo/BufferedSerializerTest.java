package org.accessdetector.typeinfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import org.accessdetector.detection.CallState;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.junit.jupiter.api.Test;

class BufferedSerializerTest {

    private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

    @Test
    void writesTheDelegatesBytesToAStreamAndToABuffer() throws IOException {
        assertSameBytes(Types.STRING, "u1972519 é✓ " + "x".repeat(70_000)); // past the kept buffer size too
        assertSameBytes(Types.STRING, "c20b5b58d-799420");
        assertSameBytes(TypeInformation.of(CallState.class), callState());
        assertSameBytes(new ListTypeInfo<>(Types.STRING), List.of("a", "b", "c"));
    }

    @Test
    void aNestedBufferedSerializerWritesStraightIntoItsOutersBuffer() throws IOException {
        TypeSerializer<List<String>> nested = new BufferedSerializer<>(
                new ListTypeInfo<>(BufferedTypeInfo.of(Types.STRING)).createSerializer(CONFIG));
        TypeSerializer<List<String>> plain = new ListTypeInfo<>(Types.STRING).createSerializer(CONFIG);
        List<String> value = List.of("first", "second");
        assertThat(toStream(nested, value)).isEqualTo(toStream(plain, value));
        assertThat(nested.deserialize(new DataInputDeserializer(toStream(nested, value)))).isEqualTo(value);
    }

    @Test
    void itsSnapshotIsTheDelegatesSoStateRestoresEitherWay() {
        TypeSerializer<CallState> plain = TypeInformation.of(CallState.class).createSerializer(CONFIG);
        TypeSerializer<CallState> buffered = RecordTypes.inState(TypeInformation.of(CallState.class))
                .createSerializer(CONFIG);
        assertThat(buffered).isInstanceOf(BufferedSerializer.class);
        TypeSerializerSnapshot<CallState> fromPlain = plain.snapshotConfiguration();
        TypeSerializerSnapshot<CallState> fromBuffered = buffered.snapshotConfiguration();
        assertThat(fromBuffered.getClass()).isEqualTo(fromPlain.getClass());
        assertThat(fromBuffered.resolveSchemaCompatibility(fromPlain).isCompatibleAsIs()).isTrue();
        assertThat(fromPlain.resolveSchemaCompatibility(fromBuffered).isCompatibleAsIs()).isTrue();
    }

    @Test
    void theGraphsKeyTypeIsABufferedStringKey() {
        assertThat(RecordTypes.KEY.isKeyType()).isTrue();
        assertThat(RecordTypes.KEY.getTypeClass()).isEqualTo(String.class);
        assertThat(RecordTypes.KEY.createSerializer(CONFIG)).isInstanceOf(BufferedSerializer.class);
        assertThat(BufferedTypeInfo.of(RecordTypes.KEY)).isSameAs(RecordTypes.KEY);
    }

    private static <T> void assertSameBytes(TypeInformation<T> type, T value) throws IOException {
        TypeSerializer<T> plain = type.createSerializer(CONFIG);
        TypeSerializer<T> buffered = BufferedTypeInfo.of(type).createSerializer(CONFIG);
        byte[] expected = toStream(plain, value);
        assertThat(toStream(buffered, value)).as("to a stream, as a heap snapshot writes").isEqualTo(expected);
        DataOutputSerializer buffer = new DataOutputSerializer(16);
        buffered.serialize(value, buffer);
        assertThat(buffer.getCopyOfBuffer()).as("to a byte buffer, as records in flight").isEqualTo(expected);
        assertThat(buffered.deserialize(new DataInputDeserializer(expected))).usingRecursiveComparison().isEqualTo(value);
        assertThat(toStream(buffered, value)).as("again, after the thread's buffer was let go").isEqualTo(expected);
    }

    private static <T> byte[] toStream(TypeSerializer<T> serializer, T value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        serializer.serialize(value, new DataOutputViewStreamWrapper(bytes));
        return bytes.toByteArray();
    }

    private static CallState callState() {
        CallState c = new CallState();
        c.partnerId = "device-maker-139";
        c.resource = Resource.CONTACTS;
        c.action = Action.READ;
        c.actingUserId = "u1972519";
        c.eventTime = 1_796_601_146_227L;
        c.recordCount = 332;
        c.judged = true;
        c.consentReason = "No user consent for partner device-maker-139.";
        return c;
    }
}
