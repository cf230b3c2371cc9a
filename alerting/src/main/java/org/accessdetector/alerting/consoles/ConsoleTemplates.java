package org.accessdetector.alerting.consoles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Prometheus console templates made from the Grafana dashboards, so that the dashboards can be seen where Grafana
 * cannot be installed: Prometheus itself serves them ({@code --web.console.templates}) at
 * {@code /consoles/<dashboard>.html}. Each panel becomes a table of its queries' current values, one row per series,
 * named by the panel's legend; the queries are the panels' own, with Grafana's variables filled in as
 * {@link #GRAFANA_VARIABLES} says. Generated at build time (alerting/target/prometheus-consoles), never edited, so
 * the two cannot drift. Graph panels show their current values, not their history.
 */
public final class ConsoleTemplates {

    /**
     * Values for Grafana's variables in dashboard queries, so each query can be evaluated as plain PromQL: all
     * partners, and a rate interval of four 15 s scrapes.
     */
    public static final Map<String, String> GRAFANA_VARIABLES = Map.of(
            "$__rate_interval", "1m",
            "$__interval", "15s",
            "$__range", "1h",
            "$partner", ".*");

    private static final Pattern LEGEND_LABEL = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ConsoleTemplates() {}

    /** {@code <dashboards folder> <output folder>}: one console per dashboard JSON file. */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ConsoleTemplates <dashboards folder> <output folder>");
        }
        Path out = Files.createDirectories(Path.of(args[1]));
        try (Stream<Path> files = Files.list(Path.of(args[0]))) {
            for (Path dashboard : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                String name = dashboard.getFileName().toString().replaceFirst("\\.json$", ".html");
                Files.writeString(out.resolve(name), render(JSON.readTree(dashboard.toFile())), StandardCharsets.UTF_8);
            }
        }
    }

    /** A query with Grafana's variables replaced by {@link #GRAFANA_VARIABLES}. */
    public static String withGrafanaVariables(String expr) {
        String out = expr;
        // Longest names first, so $__rate_interval is not taken for $__interval.
        for (String name : GRAFANA_VARIABLES.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed())
                .toList()) {
            out = out.replace("${" + name.substring(1) + "}", GRAFANA_VARIABLES.get(name))
                    .replace(name, GRAFANA_VARIABLES.get(name));
        }
        return out;
    }

    /** The panels of a dashboard in order, those inside collapsed rows included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        collect(dashboard.path("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, List<JsonNode> out) {
        for (JsonNode panel : panels) {
            out.add(panel);
            collect(panel.path("panels"), out);
        }
    }

    /** The console template of one dashboard. */
    public static String render(JsonNode dashboard) {
        String title = html(dashboard.path("title").asText("Dashboard"));
        StringBuilder page = new StringBuilder();
        page.append("<!DOCTYPE html>\n<!-- Generated from the Grafana dashboard ").append(html(dashboard.path("uid").asText()))
                .append(" by ConsoleTemplates: do not edit. -->\n<html><head><meta charset=\"utf-8\"><title>")
                .append(title).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:1em 2em;background:#fafafa;color:#222}\n")
                .append("h2{border-bottom:1px solid #ccc;margin-top:1.5em}\n")
                .append(".panels{display:flex;flex-wrap:wrap;gap:1em}\n")
                .append("section.panel{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.5em 1em;"
                        + "min-width:22em;max-width:40em}\n")
                .append("section.panel h3{font-size:1em;margin:.3em 0}\n")
                .append("table{border-collapse:collapse;width:100%}td{padding:2px 6px;border-top:1px solid #eee}\n")
                .append("td.value{text-align:right;font-family:monospace}tr.no-data td{color:#999}\n")
                .append("</style></head><body>\n<h1>").append(title).append("</h1>\n")
                .append("<p>Current values of the dashboard's queries, evaluated by this Prometheus at ")
                .append("{{ with query \"time()\" }}{{ . | first | value | humanizeTimestamp }}{{ end }}.</p>\n");
        boolean open = false;
        for (JsonNode panel : panels(dashboard)) {
            if (panel.path("type").asText().equals("row")) {
                if (open) {
                    page.append("</div>\n");
                }
                page.append("<h2>").append(html(panel.path("title").asText())).append("</h2>\n<div class=\"panels\">\n");
                open = true;
                continue;
            }
            if (!open) {
                page.append("<div class=\"panels\">\n");
                open = true;
            }
            page.append("<section class=\"panel\" data-title=\"").append(html(panel.path("title").asText())).append("\">\n")
                    .append("<h3>").append(html(panel.path("title").asText())).append("</h3>\n<table>\n");
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText("");
                if (expr.isBlank()) {
                    continue;
                }
                String promql = withGrafanaVariables(expr);
                if (promql.contains("`")) {
                    throw new IllegalArgumentException("a query with a backquote cannot be quoted in a console: " + expr);
                }
                page.append("<tbody class=\"target\">{{ range query `").append(promql).append("` }}<tr><td>")
                        .append(legend(target.path("legendFormat").asText("")))
                        .append("</td><td class=\"value\">{{ .Value | humanize }}</td></tr>")
                        .append("{{ else }}<tr class=\"no-data\"><td colspan=\"2\">")
                        .append(html(target.path("legendFormat").asText(""))).append(": no data</td></tr>{{ end }}</tbody>\n");
            }
            page.append("</table>\n</section>\n");
        }
        if (open) {
            page.append("</div>\n");
        }
        return page.append("</body></html>\n").toString();
    }

    /** A Grafana legend ({@code {{partner}} calls}) as a console template: its labels filled from each series. */
    public static String legend(String format) {
        if (format.isBlank()) {
            return "{{ .Labels }}";
        }
        Matcher m = LEGEND_LABEL.matcher(format);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(html(format.substring(last, m.start()))).append("{{ .Labels.").append(m.group(1)).append(" }}");
            last = m.end();
        }
        return out.append(html(format.substring(last))).toString();
    }

    private static String html(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("{{", "{{ \"{{\" }}");
    }
}
