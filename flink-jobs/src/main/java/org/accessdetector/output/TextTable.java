package org.accessdetector.output;

import java.io.PrintWriter;
import java.util.List;

/** Rows of text for people (an aligned table) and for tools (CSV, RFC 4180 quoting). */
public final class TextTable {

    private TextTable() {}

    /** An aligned table with a header; {@code rows} are cells already rendered as text. */
    public static void printTable(PrintWriter out, List<String> names, List<String[]> rows) {
        int[] width = names.stream().mapToInt(String::length).toArray();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        String rule = ruleLine(width);
        out.println(rule);
        out.println(line(names.toArray(String[]::new), width));
        out.println(rule);
        for (String[] row : rows) {
            out.println(line(row, width));
        }
        out.println(rule);
    }

    /** One CSV line. */
    public static String csvLine(List<String> cells) {
        return String.join(",", cells.stream().map(TextTable::csv).toList());
    }

    public static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
                ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String ruleLine(int[] width) {
        StringBuilder sb = new StringBuilder("+");
        for (int w : width) {
            sb.append("-".repeat(w + 2)).append('+');
        }
        return sb.toString();
    }

    private static String line(String[] cells, int[] width) {
        StringBuilder sb = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            sb.append(' ').append(cells[i]).append(" ".repeat(width[i] - cells[i].length())).append(" |");
        }
        return sb.toString();
    }
}
