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
}
