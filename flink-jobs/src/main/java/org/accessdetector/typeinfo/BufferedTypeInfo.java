package org.accessdetector.typeinfo;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** A type whose serializer is its delegate's, {@linkplain BufferedSerializer buffered}. For keys and state. */
public final class BufferedTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final TypeInformation<T> delegate;

    private BufferedTypeInfo(TypeInformation<T> delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    public static <T> TypeInformation<T> of(TypeInformation<T> type) {
        return type instanceof BufferedTypeInfo<T> ? type : new BufferedTypeInfo<>(type);
    }

    @Override
    public boolean isBasicType() {
        return delegate.isBasicType();
    }

    @Override
    public boolean isTupleType() {
        return delegate.isTupleType();
    }

    @Override
    public int getArity() {
        return delegate.getArity();
    }

    @Override
    public int getTotalFields() {
        return delegate.getTotalFields();
    }

    @Override
    public Class<T> getTypeClass() {
        return delegate.getTypeClass();
    }

    @Override
    public boolean isKeyType() {
        return delegate.isKeyType();
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return new BufferedSerializer<>(delegate.createSerializer(config));
    }

    @Override
    public String toString() {
        return "Buffered(" + delegate + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BufferedTypeInfo<?> other && other.delegate.equals(delegate);
    }

    @Override
    public int hashCode() {
        return 31 * delegate.hashCode() + 7;
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof BufferedTypeInfo;
    }
}
