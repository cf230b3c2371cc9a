package org.accessdetector.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reading the YAML and JSON configuration under test, and the PromQL expressions in it. */
final class ConfigFiles {

    static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .build())
            .build();
    static final ObjectMapper JSON = new ObjectMapper();

    private ConfigFiles() {}

    static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> ruleFiles() {
        return files(ModulePaths.rulesDir(), ".yml");
    }

    static List<Path> ruleTestFiles() {
        return files(ModulePaths.ruleTestsDir(), ".test.yml");
    }

    static List<Path> dashboards() {
        return files(ModulePaths.dashboardsDir(), ".json");
    }

    /** Every rule (recording and alerting) of every rules file. */
    static List<JsonNode> rules() {
        List<JsonNode> rules = new ArrayList<>();
        for (Path file : ruleFiles()) {
            for (JsonNode group : yaml(file).path("groups")) {
                group.path("rules").forEach(rules::add);
            }
        }
        return rules;
    }

    static List<JsonNode> alertingRules() {
        return rules().stream().filter(r -> r.has("alert")).toList();
    }

    /** A PromQL expression and where it came from, for messages. */
    record Expression(String source, String promql) {
        @Override
        public String toString() {
            return source;
        }
    }

    /** The expr of every recording and alerting rule. */
    static List<Expression> ruleExpressions() {
        List<Expression> out = new ArrayList<>();
        for (Path file : ruleFiles()) {
            for (JsonNode group : yaml(file).path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    String name = rule.has("record") ? "record " + rule.get("record").asText() : "alert " + rule.path("alert").asText();
                    out.add(new Expression(file.getFileName() + ": " + name, rule.path("expr").asText()));
                }
            }
        }
        return out;
    }

    /** Every panel of a dashboard, including those nested in rows. */
    static List<JsonNode> panels(JsonNode dashboard) {
        return org.accessdetector.alerting.consoles.ConsoleTemplates.panels(dashboard);
    }

    /** The expr of every target of every panel of every dashboard, with Grafana's variables filled in. */
    static List<Expression> dashboardExpressions() {
        List<Expression> out = new ArrayList<>();
        for (Path file : dashboards()) {
            for (JsonNode panel : panels(json(file))) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asText("");
                    if (!expr.isBlank()) {
                        out.add(new Expression(file.getFileName() + ": panel '" + panel.path("title").asText() + "' target "
                                + target.path("refId").asText(), withGrafanaVariables(expr)));
                    }
                }
            }
        }
        return out;
    }

    static String withGrafanaVariables(String expr) {
        return org.accessdetector.alerting.consoles.ConsoleTemplates.withGrafanaVariables(expr);
    }
}
