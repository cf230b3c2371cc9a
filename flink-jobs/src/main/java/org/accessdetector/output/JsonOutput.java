package org.accessdetector.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Renders Avro records as plain JSON objects for people and tools: field names as in the schema, enums as
 * their symbols, times as epoch milliseconds, and absent (null) optional fields left out.
 */
public final class JsonOutput {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonOutput() {}

    public static String toJson(SpecificRecord record) {
        try {
            return MAPPER.writeValueAsString(toNode(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + record.getSchema().getName(), e);
        }
    }

    /** {@link #toJson(SpecificRecord)} as UTF-8 bytes, written straight from the tree (no String between). */
    public static byte[] toJsonBytes(SpecificRecord record) {
        try {
            return MAPPER.writeValueAsBytes(toNode(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + record.getSchema().getName(), e);
        }
    }

    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render " + value.getClass().getSimpleName(), e);
        }
    }

    public static ObjectNode toNode(SpecificRecord record) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value != null) {
                node.set(field.name(), MAPPER.valueToTree(plain(value)));
            }
        }
        return node;
    }

    private static Object plain(Object value) {
        if (value instanceof SpecificRecord r) {
            return toNode(r);
        }
        if (value instanceof Enum<?> e) {
            return e.name();
        }
        if (value instanceof CharSequence s) {
            return s.toString();
        }
        if (value instanceof List<?> list) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (Object item : list) {
                array.add(MAPPER.<com.fasterxml.jackson.databind.JsonNode>valueToTree(plain(item)));
            }
            return array;
        }
        return value;
    }

    /**
     * The record a {@link #toNode} object renders, read back (e.g. replay's violations.jsonl): absent fields are
     * null, enums are looked up by symbol.
     */
    public static <T extends SpecificRecord> T fromJson(String json, Class<T> type) throws JsonProcessingException {
        org.apache.avro.specific.SpecificData model = org.apache.avro.specific.SpecificData.getForClass(type);
        Schema schema = model.getSchema(type);
        @SuppressWarnings("unchecked")
        T record = (T) value(model, schema, MAPPER.readTree(json));
        return record;
    }

    private static Object value(org.apache.avro.specific.SpecificData model, Schema schema,
            com.fasterxml.jackson.databind.JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        switch (schema.getType()) {
            case UNION -> {
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() != Schema.Type.NULL) {
                        return value(model, branch, node);
                    }
                }
                return null;
            }
            case RECORD -> {
                SpecificRecord r = (SpecificRecord) model.newRecord(null, schema);
                for (Schema.Field f : schema.getFields()) {
                    r.put(f.pos(), value(model, f.schema(), node.get(f.name())));
                }
                return r;
            }
            case ARRAY -> {
                List<Object> items = new java.util.ArrayList<>();
                node.forEach(n -> items.add(value(model, schema.getElementType(), n)));
                return items;
            }
            case ENUM -> {
                return model.createEnum(node.asText(), schema);
            }
            case STRING -> {
                return node.asText();
            }
            case INT -> {
                return node.asInt();
            }
            case LONG -> {
                return node.asLong();
            }
            case BOOLEAN -> {
                return node.asBoolean();
            }
            case DOUBLE -> {
                return node.asDouble();
            }
            default -> throw new IllegalArgumentException("cannot read a " + schema.getType() + " from JSON");
        }
    }
}
