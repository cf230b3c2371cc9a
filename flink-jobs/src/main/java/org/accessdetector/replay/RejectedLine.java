package org.accessdetector.replay;

/** An input line that could not be used, with the reason; the raw text is cut to {@link #MAX_RAW_CHARS}. */
public record RejectedLine(String file, long line, String reason, String raw) {

    public static final int MAX_RAW_CHARS = 1024;

    public static RejectedLine of(String file, NumberedLine line, String reason) {
        String raw = line.text();
        if (raw.length() > MAX_RAW_CHARS) {
            raw = raw.substring(0, MAX_RAW_CHARS);
        }
        return new RejectedLine(file, line.number(), reason, raw);
    }
}
