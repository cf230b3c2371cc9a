package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.accessdetector.alerting.consoles.ConsoleTemplates;
import org.junit.jupiter.api.Test;

/** The console made from the Grafana dashboard holds every panel, each with every one of its queries. */
class ConsoleTemplatesTest {

    private static JsonNode dashboard() {
        return ConfigFiles.json(ModulePaths.alertingDir().resolve("grafana/dashboards/access-detector.json"));
    }

    @Test
    void everyPanelIsASectionWithEachOfItsQueriesAsGrafanaEvaluatesThem() {
        String console = ConsoleTemplates.render(dashboard());
        int panels = 0;
        for (JsonNode panel : ConsoleTemplates.panels(dashboard())) {
            if (panel.path("type").asText().equals("row")) {
                assertThat(console).contains("<h2>" + panel.path("title").asText() + "</h2>");
                continue;
            }
            panels++;
            String section = console.substring(console.indexOf("data-title=\"" + panel.path("title").asText() + "\""));
            section = section.substring(0, section.indexOf("</section>"));
            for (JsonNode target : panel.path("targets")) {
                assertThat(section).as(panel.path("title").asText())
                        .contains("{{ range query `" + ConsoleTemplates.withGrafanaVariables(target.path("expr").asText()) + "` }}");
            }
        }
        assertThat(console.split("<section class=\"panel\"", -1)).hasSize(panels + 1);
        assertThat(console).doesNotContain("$__rate_interval").doesNotContain("$partner");
    }

    @Test
    void legendsNameEachSeriesByItsLabelsAndTextIsEscaped() {
        assertThat(ConsoleTemplates.legend("late {{kind}} records/min")).isEqualTo("late {{ .Labels.kind }} records/min");
        assertThat(ConsoleTemplates.legend("{{topic}} {{reason}}")).isEqualTo("{{ .Labels.topic }} {{ .Labels.reason }}");
        assertThat(ConsoleTemplates.legend("p50 <b>")).isEqualTo("p50 &lt;b&gt;");
        assertThat(ConsoleTemplates.legend("")).isEqualTo("{{ .Labels }}");
    }

    @Test
    void theBuildWritesTheConsoleOfTheDashboard() throws Exception {
        Path built = ModulePaths.alertingDir().resolve("target/prometheus-consoles/access-detector.html");
        assertThat(built).as("written in process-classes, before the tests").exists();
        assertThat(java.nio.file.Files.readString(built)).isEqualTo(ConsoleTemplates.render(dashboard()));
    }
}
