package org.accessdetector.table;

import java.util.Set;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.format.DecodingFormat;
import org.apache.flink.table.connector.format.EncodingFormat;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.DynamicTableFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * The Flink table format {@code avro-single-object}: the detector's topics as tables, from any Flink SQL
 * deployment with the job jar on its classpath. Flink's {@code avro} format reads plain Avro binary and
 * {@code avro-confluent} needs a schema registry; this one reads Avro single-object encoding, finding each
 * record's writer schema by its fingerprint among the released schemas, as the detector does.
 *
 * <pre>
 * 'value.format' = 'avro-single-object',
 * 'value.avro-single-object.record' = 'PartnerApiCall',
 * 'value.avro-single-object.ignore-parse-errors' = 'true'
 * </pre>
 */
public final class AvroSingleObjectFormatFactory implements DeserializationFormatFactory, SerializationFormatFactory {

    public static final String IDENTIFIER = "avro-single-object";

    public static final ConfigOption<String> RECORD = ConfigOptions.key("record").stringType().noDefaultValue()
            .withDescription("The record's Avro name (PartnerApiCall, PartnerAgreement, ConsentEvent, Violation, "
                    + "AccessAlert): its released schemas decode the records, its newest one gives the columns.");

    public static final ConfigOption<Boolean> IGNORE_PARSE_ERRORS = ConfigOptions.key("ignore-parse-errors")
            .booleanType().defaultValue(false)
            .withDescription("Skip a record that cannot be decoded (counted in the undecodableRecords metric and "
                    + "logged without its contents) instead of failing the query.");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(RECORD);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(IGNORE_PARSE_ERRORS);
    }

    @Override
    public DecodingFormat<DeserializationSchema<RowData>> createDecodingFormat(DynamicTableFactory.Context context,
            ReadableConfig options) {
        FactoryUtil.validateFactoryOptions(this, options);
        String record = options.get(RECORD);
        boolean ignoreErrors = options.get(IGNORE_PARSE_ERRORS);
        RecordSchemas.released(record); // fail at planning time for an unknown record
        return new DecodingFormat<>() {
            @Override
            public DeserializationSchema<RowData> createRuntimeDecoder(DynamicTableSource.Context c, DataType physical) {
                RowType rowType = (RowType) physical.getLogicalType();
                RecordSchemas.projected(record, rowType); // every column must be a field of the record
                TypeInformation<RowData> produced = c.createTypeInformation(physical);
                return new SingleObjectRowDeserializer(record, rowType, produced, ignoreErrors);
            }

            @Override
            public ChangelogMode getChangelogMode() {
                return ChangelogMode.insertOnly();
            }
        };
    }

    @Override
    public EncodingFormat<SerializationSchema<RowData>> createEncodingFormat(DynamicTableFactory.Context context,
            ReadableConfig options) {
        FactoryUtil.validateFactoryOptions(this, options);
        String record = options.get(RECORD);
        RecordSchemas.released(record);
        return new EncodingFormat<>() {
            @Override
            public SerializationSchema<RowData> createRuntimeEncoder(DynamicTableSink.Context c, DataType physical) {
                RowType rowType = (RowType) physical.getLogicalType();
                if (rowType.getFieldCount() != RecordSchemas.newest(record).getFields().size()) {
                    throw new org.apache.flink.table.api.ValidationException("writing " + record
                            + " needs every field of its newest schema as a column");
                }
                RecordSchemas.projected(record, rowType);
                return new SingleObjectRowSerializer(record, rowType);
            }

            @Override
            public ChangelogMode getChangelogMode() {
                return ChangelogMode.insertOnly();
            }
        };
    }
}
