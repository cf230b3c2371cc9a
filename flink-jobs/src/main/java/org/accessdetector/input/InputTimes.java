package org.accessdetector.input;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Input times: epoch milliseconds (an integral number) or an ISO-8601 string with an offset. */
public final class InputTimes {

    private InputTimes() {}

    public static long parse(JsonNode node, String field) throws InputRejectedException {
        if (node.isIntegralNumber()) {
            if (!node.canConvertToLong()) {
                throw new InputRejectedException("field '" + field + "' is out of range");
            }
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return OffsetDateTime.parse(node.textValue()).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new InputRejectedException("field '" + field + "' is not a time: '" + node.textValue()
                        + "' (expected epoch milliseconds or ISO-8601 with an offset, e.g. 2018-12-18T10:00:00Z)");
            }
        }
        throw new InputRejectedException("field '" + field + "' must be epoch milliseconds or an ISO-8601 string");
    }
}
