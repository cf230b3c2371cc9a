package org.accessdetector.typeinfo;

import java.io.IOException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The snapshot of a {@link FlatRecordSerializer}: the record class and the schema its layout came from. The
 * layout is the schema's field order, so a serializer is compatible as it is only with the same schema.
 */
public final class FlatRecordSerializerSnapshot<T extends SpecificRecordBase> implements TypeSerializerSnapshot<T> {

    private static final int VERSION = 1;

    private Class<T> type;
    private String schema;

    /** For Flink, which reads the rest with {@link #readSnapshot}. */
    public FlatRecordSerializerSnapshot() {}

    FlatRecordSerializerSnapshot(Class<T> type) {
        this.type = type;
        this.schema = SpecificData.get().getSchema(type).toString();
    }

    @Override
    public int getCurrentVersion() {
        return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
        out.writeUTF(type.getName());
        // A schema may be longer than writeUTF's 64 KiB limit.
        byte[] bytes = schema.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    @Override
    public void readSnapshot(int version, DataInputView in, ClassLoader classLoader) throws IOException {
        String className = in.readUTF();
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        schema = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        try {
            @SuppressWarnings("unchecked")
            Class<T> loaded = (Class<T>) Class.forName(className, false, classLoader);
            type = loaded;
        } catch (ClassNotFoundException e) {
            throw new IOException("cannot load " + className, e);
        }
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
        return new FlatRecordSerializer<>(type);
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
        if (old instanceof FlatRecordSerializerSnapshot<T> previous && previous.type.equals(type)
                && previous.schema.equals(schema)) {
            return TypeSerializerSchemaCompatibility.compatibleAsIs();
        }
        return TypeSerializerSchemaCompatibility.incompatible();
    }
}
