package org.accessdetector.replay;

/**
 * One line of replay output on its way to the client.
 *
 * @param file the output file it belongs in
 * @param key what the summary counts it by: the rule of a violation, the id of an alert, the input file of a
 *     rejected line
 * @param status an alert's status, else null
 * @param json the line, UTF-8, without its line end: bytes rather than a String, so that the collect sink and
 *     the client copy each line in bulk instead of character by character (a replay's output is tens of MB)
 */
public record ReplayLine(String file, String key, String status, byte[] json) {
    public static final String VIOLATIONS = "violations.jsonl";
    public static final String ALERTS = "alerts.jsonl";
    public static final String REJECTED = "rejected.jsonl";
}
