package org.accessdetector.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.avro.RowDataToAvroConverters;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

/**
 * Writes a row as the record's newest released schema in Avro single-object encoding, so the detector and every
 * reader of the released versions decode it.
 */
final class SingleObjectRowSerializer implements SerializationSchema<RowData> {
    private static final long serialVersionUID = 1L;

    private final String record;
    private final RowType rowType;

    private transient Schema newest;
    private transient Schema flinkSchema;
    private transient List<String> columns;
    private transient RowDataToAvroConverters.RowDataToAvroConverter converter;
    private transient BinaryMessageEncoder<GenericRecord> encoder;

    SingleObjectRowSerializer(String record, RowType rowType) {
        this.record = record;
        this.rowType = rowType;
    }

    @Override
    public void open(InitializationContext context) {
        init();
    }

    private void init() {
        newest = RecordSchemas.newest(record);
        flinkSchema = org.apache.flink.formats.avro.typeutils.AvroSchemaConverter.convertToSchema(rowType);
        columns = rowType.getFieldNames();
        converter = RowDataToAvroConverters.createConverter(rowType);
        encoder = new BinaryMessageEncoder<>(GenericData.get(), newest);
    }

    @Override
    public byte[] serialize(RowData row) {
        if (encoder == null) {
            init();
        }
        GenericRecord flat = (GenericRecord) converter.convert(flinkSchema, row);
        GenericRecord out = new GenericData.Record(newest);
        for (String name : columns) {
            out.put(name, typed(newest.getField(name).schema(), flat.get(name)));
        }
        try {
            ByteBuffer buffer = encoder.encode(out);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a " + record + " row", e);
        }
    }

    /** Flink writes enums as strings and rows as records of its own schema; Avro wants the record's own types. */
    private static Object typed(Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        switch (schema.getType()) {
            case UNION:
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return typed(branch, value);
                    }
                }
                return value;
            case ENUM:
                return new GenericData.EnumSymbol(schema, value.toString());
            case ARRAY:
                List<Object> items = new ArrayList<>();
                for (Object item : (List<?>) value) {
                    items.add(typed(schema.getElementType(), item));
                }
                return new GenericData.Array<>(schema, items);
            case RECORD:
                GenericRecord in = (GenericRecord) value;
                GenericRecord out = new GenericData.Record(schema);
                for (Schema.Field f : schema.getFields()) {
                    out.put(f.name(), typed(f.schema(), in.get(f.name())));
                }
                return out;
            default:
                return value;
        }
    }
}
