package org.accessdetector.avro;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SystemLimitException;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding for one record type: writes with the current schema and reads any released
 * version (the writer's schema is found by the fingerprint in the record's header).
 */
public final class AvroCodec<T extends SpecificRecordBase> implements Serializable {
    private static final long serialVersionUID = 1L;

    static {
        AvroLimits.apply();
    }

    private final Class<T> type;
    private transient BinaryMessageEncoder<T> encoder;
    private transient BinaryMessageDecoder<T> decoder;

    public AvroCodec(Class<T> type) {
        this.type = type;
    }

    public Class<T> type() {
        return type;
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder().encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + type.getSimpleName(), e);
        }
    }

    public T decode(byte[] bytes) throws DecodeException {
        return decode(decoder(), bytes, type.getSimpleName());
    }

    /**
     * Decodes with {@code decoder}, turning whatever Avro throws on bytes that are not a valid record into a
     * {@link DecodeException} with a bounded reason: bad input never fails the caller in any other way.
     */
    public static <R> R decode(BinaryMessageDecoder<R> decoder, byte[] bytes, String what) throws DecodeException {
        if (bytes == null) {
            throw new DecodeException("empty record (null value)");
        }
        try {
            return decoder.decode(bytes);
        } catch (BadHeaderException e) {
            throw new DecodeException("not Avro single-object encoding (bad marker)");
        } catch (MissingSchemaException e) {
            throw new DecodeException("unknown schema fingerprint");
        } catch (SystemLimitException e) {
            throw new DecodeException("declared size over the limit: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new DecodeException("corrupt or truncated " + what + ": " + e);
        } catch (OutOfMemoryError e) {
            // A length field that lies can still ask for a large buffer below the limits; never crash the caller.
            throw new DecodeException("record asks for more memory than allowed");
        }
    }

    private BinaryMessageEncoder<T> encoder() {
        if (encoder == null) {
            SpecificData model = SpecificData.getForClass(type);
            encoder = new BinaryMessageEncoder<>(model, model.getSchema(type));
        }
        return encoder;
    }

    private BinaryMessageDecoder<T> decoder() {
        if (decoder == null) {
            SpecificData model = SpecificData.getForClass(type);
            Schema current = model.getSchema(type);
            decoder = new BinaryMessageDecoder<>(model, current);
            List<Schema> released = ReleasedSchemas.of(current.getName());
            for (Schema s : released) {
                decoder.addSchema(s);
            }
        }
        return decoder;
    }
}
