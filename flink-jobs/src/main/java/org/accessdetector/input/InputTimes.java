package org.accessdetector.input;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Input times: epoch milliseconds UTC (a whole JSON number) or an ISO-8601 string with an offset, such as
 * {@code 2018-12-18T10:00:00.123Z} or {@code 2018-12-18T12:00:00+02:00}. A string without an offset is
 * rejected rather than guessed in some time zone.
 */
public final class InputTimes {

    private static final int MAX_SHOWN = 64;
    private static final String EXAMPLE = "e.g. 2018-12-18T10:00:00Z";

    private InputTimes() {}

    /**
     * The time in {@code node}, in epoch milliseconds UTC.
     *
     * @param field the field's name, for the reason of a rejection
     * @throws InputRejectedException if the node is missing, null, not a whole number or a string, out of
     *     range, or a string that is not an ISO-8601 date-time with an offset
     */
    public static long parse(JsonNode node, String field) throws InputRejectedException {
        if (node == null || node.isNull() || node.isMissingNode()) {
            throw new InputRejectedException("missing required field '" + field + "'");
        }
        if (node.isNumber()) {
            if (!node.canConvertToExactIntegral()) {
                throw new InputRejectedException("field '" + field + "' must be whole epoch milliseconds, got "
                        + shown(node));
            }
            if (!node.canConvertToLong()) {
                throw new InputRejectedException("field '" + field + "' is out of range, got " + shown(node));
            }
            return node.longValue();
        }
        if (node.isTextual()) {
            return parseIso(node.textValue(), field);
        }
        throw new InputRejectedException("field '" + field
                + "' must be epoch milliseconds or an ISO-8601 string with an offset (" + EXAMPLE + "), got "
                + shown(node));
    }

    private static long parseIso(String text, String field) throws InputRejectedException {
        OffsetDateTime time;
        try {
            time = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        } catch (DateTimeParseException e) {
            if (isLocalDateTime(text)) {
                throw new InputRejectedException("field '" + field + "' has no offset: '" + shown(text)
                        + "' (add Z or an offset such as +02:00, " + EXAMPLE + ")");
            }
            throw new InputRejectedException("field '" + field + "' is not a time: '" + shown(text)
                    + "' (expected epoch milliseconds or ISO-8601 with an offset, " + EXAMPLE + ")");
        }
        try {
            return time.toInstant().toEpochMilli();
        } catch (ArithmeticException | DateTimeException e) {
            throw new InputRejectedException("field '" + field + "' is out of range: '" + shown(text) + "'");
        }
    }

    /** A value for a reason, cut so that a huge input does not make a huge reason. */
    static String shown(JsonNode value) {
        return shown(value.toString());
    }

    static String shown(String value) {
        return value.length() <= MAX_SHOWN ? value : value.substring(0, MAX_SHOWN) + "...";
    }

    private static boolean isLocalDateTime(String text) {
        try {
            LocalDateTime.parse(text, DateTimeFormatter.ISO_LOCAL_DATE_TIME);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
