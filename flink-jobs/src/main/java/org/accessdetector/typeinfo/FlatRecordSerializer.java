package org.accessdetector.typeinfo;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * A serializer for the detector's flat Avro records (fields of strings, numbers, booleans, enums, arrays of
 * strings, each possibly nullable) that writes each field directly, in schema order: a string as Flink's
 * {@link StringValue}, an enum as its ordinal, a nullable non-string behind a presence byte. Records cross
 * every shuffle and every chained hop, and Avro's own datum reader and writer (resolving decoder, enum and
 * string class look-ups, deep copies through the schema) were the largest single cost of catching up.
 *
 * <p>The layout is derived from the generated class's schema, so a field added to a schema is carried without
 * a code change; a field of a type it cannot write fails at construction, not in a running job. It is for
 * records in flight, not for keyed state, which keeps Avro's serializer and its schema evolution.
 */
public final class FlatRecordSerializer<T extends SpecificRecordBase> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private transient Field[] fields;
    private transient Constructor<T> constructor;

    public FlatRecordSerializer(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
        init();
    }

    public Class<T> type() {
        return type;
    }

    private void init() {
        Schema schema = SpecificData.get().getSchema(type);
        List<Schema.Field> schemaFields = schema.getFields();
        fields = new Field[schemaFields.size()];
        for (Schema.Field f : schemaFields) {
            fields[f.pos()] = Field.of(type, f);
        }
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type + " has no public no-argument constructor", e);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        init();
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return this; // stateless: the field layout is immutable
    }

    @Override
    public T createInstance() {
        try {
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create a " + type.getName(), e);
        }
    }

    @Override
    public T copy(T from) {
        if (from == null) {
            return null;
        }
        T to = createInstance();
        for (int i = 0; i < fields.length; i++) {
            to.put(i, fields[i].copy(from.get(i)));
        }
        return to;
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView out) throws IOException {
        for (int i = 0; i < fields.length; i++) {
            fields[i].write(record.get(i), out);
        }
    }

    @Override
    public T deserialize(DataInputView in) throws IOException {
        T record = createInstance();
        for (int i = 0; i < fields.length; i++) {
            record.put(i, fields[i].read(in));
        }
        return record;
    }

    @Override
    public T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        // Byte for byte, without building the record: batch sorters copy every record they spill this way.
        for (Field f : fields) {
            f.copy(in, out);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlatRecordSerializer<?> other && other.type.equals(type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new FlatRecordSerializerSnapshot<>(type);
    }

    /** How one field is written: its kind, whether it may be null, and an enum's constants. */
    private record Field(String name, Kind kind, boolean nullable, Object[] constants) {

        enum Kind { STRING, INT, LONG, BOOLEAN, DOUBLE, FLOAT, ENUM, STRING_ARRAY }

        static Field of(Class<?> record, Schema.Field f) {
            Schema s = f.schema();
            boolean nullable = false;
            if (s.getType() == Schema.Type.UNION) {
                List<Schema> branches = s.getTypes();
                if (branches.size() != 2 || branches.stream().noneMatch(b -> b.getType() == Schema.Type.NULL)) {
                    throw unsupported(record, f);
                }
                nullable = true;
                s = branches.get(0).getType() == Schema.Type.NULL ? branches.get(1) : branches.get(0);
            }
            return switch (s.getType()) {
                case STRING -> new Field(f.name(), Kind.STRING, nullable, null);
                case INT -> new Field(f.name(), Kind.INT, nullable, null);
                case LONG -> new Field(f.name(), Kind.LONG, nullable, null);
                case BOOLEAN -> new Field(f.name(), Kind.BOOLEAN, nullable, null);
                case DOUBLE -> new Field(f.name(), Kind.DOUBLE, nullable, null);
                case FLOAT -> new Field(f.name(), Kind.FLOAT, nullable, null);
                case ENUM -> {
                    Object[] constants = SpecificData.get().getClass(s).getEnumConstants();
                    if (constants == null || constants.length > 255) {
                        throw unsupported(record, f);
                    }
                    yield new Field(f.name(), Kind.ENUM, nullable, constants);
                }
                case ARRAY -> {
                    if (s.getElementType().getType() != Schema.Type.STRING) {
                        throw unsupported(record, f);
                    }
                    yield new Field(f.name(), Kind.STRING_ARRAY, nullable, null);
                }
                default -> throw unsupported(record, f);
            };
        }

        private static IllegalArgumentException unsupported(Class<?> record, Schema.Field f) {
            return new IllegalArgumentException("field " + f.name() + " of " + record.getName() + " has type "
                    + f.schema() + ", which " + FlatRecordSerializer.class.getSimpleName() + " cannot write");
        }

        void write(Object value, DataOutputView out) throws IOException {
            if (kind == Kind.STRING) {
                // StringValue writes null itself; a required field is never null in a built record.
                StringValue.writeString((CharSequence) value, out);
                return;
            }
            if (nullable) {
                out.writeBoolean(value != null);
                if (value == null) {
                    return;
                }
            } else if (value == null) {
                throw new NullPointerException("field " + name + " is required");
            }
            switch (kind) {
                case INT -> out.writeInt((Integer) value);
                case LONG -> out.writeLong((Long) value);
                case BOOLEAN -> out.writeBoolean((Boolean) value);
                case DOUBLE -> out.writeDouble((Double) value);
                case FLOAT -> out.writeFloat((Float) value);
                case ENUM -> out.writeByte(((Enum<?>) value).ordinal());
                case STRING_ARRAY -> {
                    List<?> items = (List<?>) value;
                    out.writeInt(items.size());
                    for (Object item : items) {
                        StringValue.writeString((CharSequence) item, out);
                    }
                }
                default -> throw new IllegalStateException(kind.name());
            }
        }

        Object read(DataInputView in) throws IOException {
            if (kind == Kind.STRING) {
                return StringValue.readString(in);
            }
            if (nullable && !in.readBoolean()) {
                return null;
            }
            return switch (kind) {
                case INT -> in.readInt();
                case LONG -> in.readLong();
                case BOOLEAN -> in.readBoolean();
                case DOUBLE -> in.readDouble();
                case FLOAT -> in.readFloat();
                case ENUM -> constants[in.readUnsignedByte()];
                case STRING_ARRAY -> {
                    int n = in.readInt();
                    List<String> items = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        items.add(StringValue.readString(in));
                    }
                    yield items;
                }
                default -> throw new IllegalStateException(kind.name());
            };
        }

        /** Copies one serialized value from {@code in} to {@code out} without decoding it. */
        void copy(DataInputView in, DataOutputView out) throws IOException {
            if (kind == Kind.STRING) {
                StringValue.copyString(in, out);
                return;
            }
            if (nullable) {
                boolean present = in.readBoolean();
                out.writeBoolean(present);
                if (!present) {
                    return;
                }
            }
            switch (kind) {
                // Not out.write(in, n): some views (DataOutputSerializer) do not grow for it.
                case INT, FLOAT -> out.writeInt(in.readInt());
                case LONG, DOUBLE -> out.writeLong(in.readLong());
                case BOOLEAN, ENUM -> out.writeByte(in.readUnsignedByte());
                case STRING_ARRAY -> {
                    int n = in.readInt();
                    out.writeInt(n);
                    for (int i = 0; i < n; i++) {
                        StringValue.copyString(in, out);
                    }
                }
                default -> throw new IllegalStateException(kind.name());
            }
        }

        /** Strings, numbers and enums are immutable; only an array needs a copy of its own. */
        Object copy(Object value) {
            return kind == Kind.STRING_ARRAY && value != null ? new ArrayList<>((List<?>) value) : value;
        }
    }
}
