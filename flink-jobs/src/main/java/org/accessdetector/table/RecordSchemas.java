package org.accessdetector.table;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.avro.ReleasedSchemas;
import org.apache.avro.Schema;
import org.apache.flink.formats.avro.typeutils.AvroSchemaConverter;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Table schemas derived from the released Avro schemas, never written by hand: a record's columns are the fields
 * of its newest released version, under their schema names (enums read as strings, optional fields nullable).
 */
public final class RecordSchemas {

    private RecordSchemas() {}

    /** Every released version of the record, oldest first; a clear error for a record nobody released. */
    public static List<Schema> released(String recordName) {
        List<Schema> versions = ReleasedSchemas.of(recordName);
        if (versions.isEmpty()) {
            throw new ValidationException("no released Avro schema for record '" + recordName
                    + "' (known: PartnerApiCall, PartnerAgreement, ConsentEvent, Violation, AccessAlert)");
        }
        return versions;
    }

    /** The newest released version: what tables read every older version as. */
    public static Schema newest(String recordName) {
        List<Schema> versions = released(recordName);
        return versions.get(versions.size() - 1);
    }

    /** The row type of the record's newest released version. */
    public static DataType dataType(String recordName) {
        return AvroSchemaConverter.convertToDataType(newest(recordName).toString());
    }

    /**
     * The newest schema cut down to a table's columns, in the table's order: Avro's schema resolution then reads
     * any released writer version into exactly those fields. A column the record does not have is an error.
     */
    public static Schema projected(String recordName, RowType columns) {
        Schema newest = newest(recordName);
        List<Schema.Field> fields = new ArrayList<>();
        for (String name : columns.getFieldNames()) {
            Schema.Field f = newest.getField(name);
            if (f == null) {
                throw new ValidationException("record " + recordName + " has no field '" + name + "' (its fields: "
                        + newest.getFields().stream().map(Schema.Field::name).toList() + ")");
            }
            fields.add(new Schema.Field(f, f.schema()));
        }
        return Schema.createRecord(newest.getName(), newest.getDoc(), newest.getNamespace(), false, fields);
    }
}
