package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Grafana provisioning files and the dashboard agree with each other. (The ITCase evaluates every query.) */
class GrafanaDashboardTest {

    private static JsonNode datasource() {
        JsonNode file = ConfigFiles.yaml(ModulePaths.grafanaProvisioningDir().resolve("datasources/prometheus.yml"));
        assertThat(file.path("datasources")).hasSize(1);
        return file.path("datasources").get(0);
    }

    private static JsonNode dashboard() {
        return ConfigFiles.json(ModulePaths.dashboardsDir().resolve("access-detector.json"));
    }

    @Test
    void datasourceIsThePrometheusService() {
        JsonNode ds = datasource();
        assertThat(ds.path("type").asText()).isEqualTo("prometheus");
        assertThat(ds.path("uid").asText()).isNotBlank();
        assertThat(ds.path("url").asText()).isEqualTo("http://prometheus:9090");
        assertThat(ds.path("isDefault").asBoolean()).isTrue();
    }

    @Test
    void dashboardHasThePanelsOperatorsNeed() {
        List<String> titles = ConfigFiles.panels(dashboard()).stream().map(p -> p.path("title").asText()).toList();
        assertThat(titles).contains(
                "Calls judged per second by partner",
                "Violations per second by rule",
                "Open alerts",
                "Detection latency percentiles",
                "Kafka consumer lag",
                "Dead letters per minute",
                "Alert delivery");
    }

    @Test
    void everyQueryUsesTheProvisionedDatasourceAndPanelsHaveUniqueIds() {
        String uid = datasource().path("uid").asText();
        for (Path file : ConfigFiles.dashboards()) {
            JsonNode dashboard = ConfigFiles.json(file);
            assertThat(dashboard.path("uid").asText()).as(file + " uid").isNotBlank();
            Set<Integer> ids = new HashSet<>();
            for (JsonNode panel : ConfigFiles.panels(dashboard)) {
                String title = panel.path("title").asText();
                assertThat(ids.add(panel.path("id").asInt())).as("unique id of panel " + title).isTrue();
                assertThat(panel.path("gridPos").path("w").asInt()).as("width of " + title).isPositive();
                if (panel.path("type").asText().equals("row")) {
                    continue;
                }
                assertThat(panel.path("targets")).as("targets of " + title).isNotEmpty();
                assertThat(panel.path("datasource").path("uid").asText()).as("datasource of " + title).isEqualTo(uid);
                for (JsonNode target : panel.path("targets")) {
                    assertThat(target.path("expr").asText()).as("expr of " + title).isNotBlank();
                    assertThat(target.path("datasource").path("uid").asText()).as("datasource of a target of " + title)
                            .isEqualTo(uid);
                }
            }
            for (JsonNode variable : dashboard.path("templating").path("list")) {
                if (variable.has("datasource")) {
                    assertThat(variable.path("datasource").path("uid").asText()).as("variable " + variable.path("name"))
                            .isEqualTo(uid);
                }
            }
        }
    }

    /** Queries use only the Grafana variables the ITCase knows how to fill in. */
    @Test
    void queriesUseOnlyKnownVariables() {
        for (ConfigFiles.Expression e : ConfigFiles.dashboardExpressions()) {
            assertThat(e.promql()).as(e.source()).doesNotContain("$");
        }
    }

    @Test
    void dashboardProviderLoadsADirectory() {
        JsonNode providers = ConfigFiles.yaml(ModulePaths.grafanaProvisioningDir().resolve("dashboards/dashboards.yml"))
                .path("providers");
        assertThat(providers).hasSize(1);
        assertThat(providers.get(0).path("type").asText()).isEqualTo("file");
        assertThat(providers.get(0).path("options").path("path").asText()).startsWith("/");
    }
}
