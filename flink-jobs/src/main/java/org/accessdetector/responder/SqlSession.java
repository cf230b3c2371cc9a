package org.accessdetector.responder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.accessdetector.output.TextTable;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs SQL statements on a table environment and prints their results as an aligned table, CSV or JSON Lines.
 * A statement that fails prints one line, never a stack trace.
 */
public final class SqlSession {

    public enum Format { TABLE, CSV, JSON }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PARAM = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private final TableEnvironment env;
    private final Format format;
    private final PrintWriter out;
    private final PrintWriter err;
    private final AuditLog audit;

    /** {@code audit} records every statement run (null: none, e.g. a test of the printing). */
    public SqlSession(TableEnvironment env, Format format, PrintWriter out, PrintWriter err, AuditLog audit) {
        this.env = env;
        this.format = format;
        this.out = out;
        this.err = err;
        this.audit = audit;
    }

    /** Runs each statement in turn; stops at the first that fails and returns false. */
    public boolean run(String script) {
        for (String statement : statements(script)) {
            if (!runOne(statement)) {
                return false;
            }
        }
        return true;
    }

    /** Runs one statement; prints its rows, or one line saying why it failed; and records it in the audit log. */
    public boolean runOne(String statement) {
        Long rows = null;
        String error = null;
        try {
            TableResult result = env.executeSql(statement);
            List<Column> columns = result.getResolvedSchema().getColumns();
            try (CloseableIterator<Row> it = result.collect()) {
                rows = print(columns, it);
            }
            err.println(rows + (rows == 1 ? " row" : " rows"));
        } catch (Exception e) {
            error = oneLine(e);
            err.println("error: " + error);
        }
        err.flush();
        if (audit != null) {
            try {
                audit.record(statement, rows, error);
            } catch (AuditLog.AuditFailedException e) {
                err.println("error: " + e.getMessage());
                err.flush();
                return false;
            }
        }
        return error == null;
    }

    /** The message of a failure on one line: the outermost message, and the innermost cause if it says more. */
    static String oneLine(Throwable e) {
        String top = firstLine(e.getMessage());
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String cause = firstLine(root.getMessage());
        if (top.isEmpty()) {
            return cause.isEmpty() ? e.getClass().getSimpleName() : cause;
        }
        return cause.isEmpty() || top.contains(cause) ? top : top + ": " + cause;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        String line = message.strip().lines().findFirst().orElse("");
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }

    /** Splits a script at semicolons outside quotes and comments; blank statements are dropped. */
    public static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (quote == 0 && c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                int end = script.indexOf('\n', i);
                i = end < 0 ? script.length() : end;
                current.append('\n');
                continue;
            }
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == ';') {
                add(out, current);
                continue;
            }
            current.append(c);
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder statement) {
        String s = statement.toString().strip();
        if (!s.isEmpty()) {
            out.add(s);
        }
        statement.setLength(0);
    }

    /**
     * Fills {@code ${name}} placeholders with the given values as SQL string contents (a quote is doubled), so a
     * saved query written as {@code '${partner}'} takes any value safely. A placeholder without a value is an error.
     */
    public static String substitute(String sql, Map<String, String> params) {
        Matcher m = PARAM.matcher(sql);
        StringBuilder sb = new StringBuilder();
        List<String> missing = new ArrayList<>();
        while (m.find()) {
            String value = params.get(m.group(1));
            if (value == null) {
                if (!missing.contains(m.group(1))) {
                    missing.add(m.group(1));
                }
                value = "";
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value.replace("'", "''")));
        }
        m.appendTail(sb);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the query needs " + String.join(", ",
                    missing.stream().map(p -> "--param " + p + "=...").toList()));
        }
        return sb.toString();
    }

    private long print(List<Column> columns, CloseableIterator<Row> rows) {
        List<String> names = columns.stream().map(Column::getName).toList();
        List<DataType> types = columns.stream().map(Column::getDataType).toList();
        long count = 0;
        switch (format) {
            case CSV -> {
                out.println(TextTable.csvLine(names));
                while (rows.hasNext()) {
                    Row r = rows.next();
                    List<String> cells = new ArrayList<>();
                    for (int i = 0; i < names.size(); i++) {
                        Object v = r.getField(i);
                        cells.add(v == null ? "" : text(v, types.get(i).getLogicalType()));
                    }
                    out.println(TextTable.csvLine(cells));
                    count++;
                }
            }
            case JSON -> {
                while (rows.hasNext()) {
                    Row r = rows.next();
                    ObjectNode o = JSON.createObjectNode();
                    for (int i = 0; i < names.size(); i++) {
                        o.set(names.get(i), json(r.getField(i), types.get(i).getLogicalType()));
                    }
                    out.println(o.toString());
                    count++;
                }
            }
            case TABLE -> {
                List<String[]> cells = new ArrayList<>();
                while (rows.hasNext()) {
                    Row r = rows.next();
                    String[] line = new String[names.size()];
                    for (int i = 0; i < line.length; i++) {
                        Object v = r.getField(i);
                        line[i] = v == null ? "<NULL>" : text(v, types.get(i).getLogicalType());
                    }
                    cells.add(line);
                }
                TextTable.printTable(out, names, cells);
                count = cells.size();
            }
        }
        out.flush();
        return count;
    }

    /** A value as text: instants in ISO-8601 UTC, bytes in hex, nested values as JSON. */
    private static String text(Object v, LogicalType type) {
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        if (v instanceof byte[] b) {
            return HexFormat.of().formatHex(b);
        }
        if (v instanceof Instant i) {
            return i.toString();
        }
        JsonNode node = json(v, type);
        return node.isTextual() ? node.asText() : node.toString();
    }

    private static JsonNode json(Object v, LogicalType type) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) {
            return f.nullNode();
        }
        if (v instanceof String s) {
            return f.textNode(s);
        }
        if (v instanceof Integer i) {
            return f.numberNode(i);
        }
        if (v instanceof Long l) {
            return f.numberNode(l);
        }
        if (v instanceof Double d) {
            return f.numberNode(d);
        }
        if (v instanceof Float d) {
            return f.numberNode(d);
        }
        if (v instanceof java.math.BigDecimal d) {
            return f.numberNode(d);
        }
        if (v instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (v instanceof byte[] b) {
            return f.textNode(HexFormat.of().formatHex(b));
        }
        if (v instanceof Object[] items) {
            ArrayNode a = f.arrayNode();
            LogicalType element = type.getChildren().isEmpty() ? type : type.getChildren().get(0);
            for (Object item : items) {
                a.add(json(item, element));
            }
            return a;
        }
        if (v instanceof Row row && type instanceof RowType rowType) {
            ObjectNode o = f.objectNode();
            for (int i = 0; i < rowType.getFieldCount() && i < row.getArity(); i++) {
                o.set(rowType.getFieldNames().get(i), json(row.getField(i), rowType.getTypeAt(i)));
            }
            return o;
        }
        if (v instanceof Map<?, ?> map) {
            ObjectNode o = f.objectNode();
            LogicalType valueType = type.getChildren().size() == 2 ? type.getChildren().get(1) : type;
            map.forEach((k, value) -> o.set(String.valueOf(k), json(value, valueType)));
            return o;
        }
        return f.textNode(v.toString());
    }
}
