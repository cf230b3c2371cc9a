package org.accessdetector.table;

import java.io.IOException;
import org.accessdetector.avro.AvroCodec;
import org.accessdetector.avro.AvroLimits;
import org.accessdetector.avro.DecodeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.AvroToRowDataConverters;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one Avro single-object encoded record into a row: the writer's schema is found by the fingerprint in the
 * record's header among the released versions, and resolved to the table's columns.
 */
final class SingleObjectRowDeserializer implements DeserializationSchema<RowData> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SingleObjectRowDeserializer.class);

    private final String record;
    private final RowType rowType;
    private final TypeInformation<RowData> produced;
    private final boolean ignoreParseErrors;

    private transient BinaryMessageDecoder<GenericRecord> decoder;
    private transient AvroToRowDataConverters.AvroToRowDataConverter converter;
    private transient Counter undecodable;

    SingleObjectRowDeserializer(String record, RowType rowType, TypeInformation<RowData> produced,
            boolean ignoreParseErrors) {
        this.record = record;
        this.rowType = rowType;
        this.produced = produced;
        this.ignoreParseErrors = ignoreParseErrors;
    }

    @Override
    public void open(InitializationContext context) {
        AvroLimits.apply();
        undecodable = context.getMetricGroup().counter("undecodableRecords");
        init();
    }

    private void init() {
        Schema reader = RecordSchemas.projected(record, rowType);
        decoder = new BinaryMessageDecoder<>(GenericData.get(), reader);
        for (Schema writer : RecordSchemas.released(record)) {
            decoder.addSchema(writer);
        }
        converter = AvroToRowDataConverters.createRowConverter(rowType);
    }

    @Override
    public RowData deserialize(byte[] message) throws IOException {
        if (decoder == null) {
            init(); // used without open(), e.g. by a test
        }
        try {
            return (RowData) converter.convert(decode(message));
        } catch (DecodeException e) {
            if (!ignoreParseErrors) {
                throw new IOException("cannot decode a " + record + " record: " + e.getMessage()
                        + " (set 'avro-single-object.ignore-parse-errors' = 'true' to skip such records)");
            }
            if (undecodable != null) {
                undecodable.inc();
            }
            // The reason only: a record's bytes may hold user data.
            LOG.warn("Skipped an undecodable {} record: {}", record, e.getMessage());
            return null; // the Kafka connector skips a null row
        }
    }

    private GenericRecord decode(byte[] message) throws DecodeException {
        return AvroCodec.decode(decoder, message, record);
    }

    @Override
    public boolean isEndOfStream(RowData nextElement) {
        return false;
    }

    @Override
    public TypeInformation<RowData> getProducedType() {
        return produced;
    }
}
