package org.accessdetector.table;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.accessdetector.avro.AvroCodec;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Action;
import org.accessdetector.testing.TestData;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.factories.DeserializationFormatFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.SerializationFormatFactory;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.junit.jupiter.api.Test;

class AvroSingleObjectFormatTest {

    private static final AvroCodec<PartnerApiCall> CALLS = new AvroCodec<>(PartnerApiCall.class);
    private static final AvroCodec<PartnerAgreement> AGREEMENTS = new AvroCodec<>(PartnerAgreement.class);

    private static RowType rowOf(String record) {
        return (RowType) RecordSchemas.dataType(record).getLogicalType();
    }

    private static SingleObjectRowDeserializer reader(String record, RowType type, boolean ignoreErrors) {
        return new SingleObjectRowDeserializer(record, type, InternalTypeInfo.of(type), ignoreErrors);
    }

    @Test
    void columnsAreTheFieldsOfTheNewestReleasedSchema() {
        assertThat(rowOf("PartnerApiCall").getFieldNames()).containsExactly("callId", "partnerId", "subjectUserId",
                "actingUserId", "resource", "action", "outcome", "recordCount", "eventTime", "tokenId", "endpoint",
                "sourceIp", "appendedAt");
        assertThat(rowOf("PartnerApiCall").getTypeAt(3).isNullable()).as("an optional field").isTrue();
        assertThat(rowOf("PartnerApiCall").getTypeAt(0).isNullable()).as("a required field").isFalse();
    }

    @Test
    void readsARecordOfTheCurrentWriter() throws IOException {
        PartnerApiCall call = TestData.call("c1").setTokenId("tok-1").build();
        RowData row = reader("PartnerApiCall", rowOf("PartnerApiCall"), false).deserialize(CALLS.encode(call));
        assertThat(row.getString(0).toString()).isEqualTo("c1");
        assertThat(row.getString(4).toString()).isEqualTo("CONTACTS");
        assertThat(row.getLong(8)).isEqualTo(BEFORE_REVOCATION);
        assertThat(row.getString(9).toString()).isEqualTo("tok-1");
        assertThat(row.isNullAt(12)).isTrue();
    }

    @Test
    void readsARecordOfAnOlderReleasedWriter() throws IOException {
        Schema v1 = RecordSchemas.released("PartnerApiCall").get(0);
        assertThat(v1.getField("appendedAt")).as("v1 predates appendedAt").isNull();
        GenericRecord old = new GenericData.Record(v1);
        old.put("callId", "old-1");
        old.put("partnerId", "acme-phones");
        old.put("subjectUserId", "alice");
        old.put("resource", new GenericData.EnumSymbol(v1.getField("resource").schema(), "MESSAGES"));
        old.put("action", new GenericData.EnumSymbol(v1.getField("action").schema(), "READ"));
        old.put("outcome", new GenericData.EnumSymbol(v1.getField("outcome").schema(), "ALLOWED"));
        old.put("recordCount", 3);
        old.put("eventTime", 42L);
        ByteBuffer bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);

        RowData row = reader("PartnerApiCall", rowOf("PartnerApiCall"), false).deserialize(bytes.array());
        assertThat(row.getString(0).toString()).isEqualTo("old-1");
        assertThat(row.getString(4).toString()).isEqualTo("MESSAGES");
        assertThat(row.getInt(7)).isEqualTo(3);
        assertThat(row.isNullAt(12)).as("a field the writer did not have").isTrue();
    }

    @Test
    void aTableMayDeclareSomeColumnsInAnyOrder() throws IOException {
        RowType two = (RowType) DataTypes.ROW(DataTypes.FIELD("eventTime", DataTypes.BIGINT().notNull()),
                DataTypes.FIELD("callId", DataTypes.STRING().notNull())).getLogicalType();
        RowData row = reader("PartnerApiCall", two, false).deserialize(CALLS.encode(TestData.call("c2").build()));
        assertThat(row.getArity()).isEqualTo(2);
        assertThat(row.getLong(0)).isEqualTo(BEFORE_REVOCATION);
        assertThat(row.getString(1).toString()).isEqualTo("c2");
    }

    @Test
    void aColumnTheRecordDoesNotHaveOrAnUnknownRecordIsAClearError() {
        RowType wrong = (RowType) DataTypes.ROW(DataTypes.FIELD("userId", DataTypes.STRING())).getLogicalType();
        assertThatThrownBy(() -> RecordSchemas.projected("PartnerApiCall", wrong))
                .isInstanceOf(ValidationException.class).hasMessageContaining("no field 'userId'");
        assertThatThrownBy(() -> RecordSchemas.released("PartnerCall"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("no released Avro schema");
    }

    @Test
    void aCorruptRecordFailsTheQueryUnlessParseErrorsAreIgnored() throws IOException {
        byte[] corrupt = "not avro".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> reader("PartnerApiCall", rowOf("PartnerApiCall"), false).deserialize(corrupt))
                .isInstanceOf(IOException.class).hasMessageContaining("cannot decode a PartnerApiCall record")
                .hasMessageContaining("ignore-parse-errors");
        assertThat(reader("PartnerApiCall", rowOf("PartnerApiCall"), true).deserialize(corrupt)).isNull();
        byte[] truncated = java.util.Arrays.copyOf(CALLS.encode(TestData.call("c3").build()), 12);
        assertThat(reader("PartnerApiCall", rowOf("PartnerApiCall"), true).deserialize(truncated)).isNull();
    }

    @Test
    void writtenRowsDecodeAsTheRecordTheyWereReadFrom() throws Exception {
        PartnerApiCall call = TestData.call("c4").setEndpoint("/v2/me").setAppendedAt(7L).build();
        RowType calls = rowOf("PartnerApiCall");
        RowData row = reader("PartnerApiCall", calls, false).deserialize(CALLS.encode(call));
        byte[] written = new SingleObjectRowSerializer("PartnerApiCall", calls).serialize(row);
        assertThat(CALLS.decode(written)).isEqualTo(call);

        // Nested records, arrays and enums too.
        PartnerAgreement agreement = TestData.agreement(1).setGrants(TestData.grants(
                TestData.grant(Resource.MESSAGES, Action.READ, Action.WRITE).setMaxRecordsPerMinute(100L),
                TestData.grant(Resource.FRIENDS, Action.READ))).build();
        RowType agreements = rowOf("PartnerAgreement");
        RowData agreementRow = reader("PartnerAgreement", agreements, false).deserialize(AGREEMENTS.encode(agreement));
        byte[] agreementBytes = new SingleObjectRowSerializer("PartnerAgreement", agreements).serialize(agreementRow);
        assertThat(AGREEMENTS.decode(agreementBytes)).isEqualTo(agreement);
    }

    @Test
    void theFormatIsFoundByItsIdentifier() {
        ClassLoader cl = getClass().getClassLoader();
        assertThat(FactoryUtil.discoverFactory(cl, DeserializationFormatFactory.class, "avro-single-object"))
                .isInstanceOf(AvroSingleObjectFormatFactory.class);
        assertThat(FactoryUtil.discoverFactory(cl, SerializationFormatFactory.class, "avro-single-object"))
                .isInstanceOf(AvroSingleObjectFormatFactory.class);
    }
}
