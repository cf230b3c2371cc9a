package org.accessdetector.typeinfo;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes what another serializer writes, byte for byte, but into a buffer first and then to the target in one
 * call. A heap state snapshot writes to a {@code DataOutputStream}, whose single-byte {@code write} is
 * synchronized: Flink's string encoding calls it once per character, and in a profile of catching up a backlog
 * those calls were two thirds of the snapshot thread's time, a third of the machine's. Into Flink's own byte
 * buffers (records in flight, RocksDB's keys and values) it writes directly, as the delegate would.
 *
 * <p>The bytes are the delegate's, so its snapshot is this serializer's: state written with one restores with
 * the other, both ways.
 */
public final class BufferedSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    /** Past this size a thread's buffer is let go after use, so one huge record does not pin its memory. */
    private static final int KEEP_AT_MOST = 64 * 1024;
    private static final ThreadLocal<DataOutputSerializer> BUFFER =
            ThreadLocal.withInitial(() -> new DataOutputSerializer(256));

    private final TypeSerializer<T> delegate;

    public BufferedSerializer(TypeSerializer<T> delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    public TypeSerializer<T> delegate() {
        return delegate;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        if (target instanceof DataOutputSerializer) { // already a byte array; also a nested buffered serializer
            delegate.serialize(record, target);
            return;
        }
        DataOutputSerializer buffer = BUFFER.get();
        buffer.clear();
        delegate.serialize(record, buffer);
        target.write(buffer.getSharedBuffer(), 0, buffer.length());
        if (buffer.getSharedBuffer().length > KEEP_AT_MOST) {
            BUFFER.remove();
        }
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return delegate.deserialize(source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return delegate.deserialize(reuse, source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        delegate.copy(source, target);
    }

    @Override
    public boolean isImmutableType() {
        return delegate.isImmutableType();
    }

    @Override
    public TypeSerializer<T> duplicate() {
        TypeSerializer<T> d = delegate.duplicate();
        return d == delegate ? this : new BufferedSerializer<>(d);
    }

    @Override
    public T createInstance() {
        return delegate.createInstance();
    }

    @Override
    public T copy(T from) {
        return delegate.copy(from);
    }

    @Override
    public T copy(T from, T reuse) {
        return delegate.copy(from, reuse);
    }

    @Override
    public int getLength() {
        return delegate.getLength();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BufferedSerializer<?> other && other.delegate.equals(delegate);
    }

    @Override
    public int hashCode() {
        return 31 * delegate.hashCode() + 7;
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return delegate.snapshotConfiguration();
    }

    @Override
    public String toString() {
        return "Buffered(" + delegate + ")";
    }
}
