package org.accessdetector.replay;

/**
 * One line of replay output on its way to the client.
 *
 * @param file the output file it belongs in
 * @param key what the summary counts it by: the rule of a violation, the id of an alert, the input file of a
 *     rejected line
 * @param status an alert's status, else null
 */
public record ReplayLine(String file, String key, String status, String json) {
    public static final String VIOLATIONS = "violations.jsonl";
    public static final String ALERTS = "alerts.jsonl";
    public static final String REJECTED = "rejected.jsonl";
}
