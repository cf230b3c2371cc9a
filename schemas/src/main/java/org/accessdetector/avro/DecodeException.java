package org.accessdetector.avro;

/** A record's bytes cannot be decoded; the message says why in a few words (it goes into a header). */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    public DecodeException(String reason) {
        super(reason, null, false, false);
    }

    /** A bounded category of a decode failure's reason (marker, fingerprint, limit, empty or corrupt). */
    public static String kindOf(String reason) {
        if (reason.contains("marker")) {
            return "bad_marker";
        }
        if (reason.contains("fingerprint")) {
            return "unknown_schema";
        }
        if (reason.contains("limit") || reason.contains("memory")) {
            return "over_limit";
        }
        if (reason.startsWith("empty")) {
            return "empty";
        }
        return "corrupt";
    }
}
