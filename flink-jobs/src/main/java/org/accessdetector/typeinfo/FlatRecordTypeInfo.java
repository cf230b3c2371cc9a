package org.accessdetector.typeinfo;

import java.util.Map;
import java.lang.reflect.Type;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** The type of a stream of flat Avro records, serialized by {@link FlatRecordSerializer}. */
public final class FlatRecordTypeInfo<T extends SpecificRecordBase> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;

    public FlatRecordTypeInfo(Class<T> type) {
        this.type = type;
        new FlatRecordSerializer<>(type); // a schema it cannot write fails here, where the graph is built
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return new FlatRecordSerializer<>(type);
    }

    @Override
    public String toString() {
        return "FlatRecord<" + type.getSimpleName() + ">";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlatRecordTypeInfo<?> other && other.type.equals(type);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof FlatRecordTypeInfo;
    }

    /** For {@code @TypeInfo} on a POJO's field of a flat record type. */
    public static final class Factory<T extends SpecificRecordBase> extends TypeInfoFactory<T> {
        @Override
        @SuppressWarnings("unchecked")
        public TypeInformation<T> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new FlatRecordTypeInfo<>((Class<T>) t);
        }
    }
}
