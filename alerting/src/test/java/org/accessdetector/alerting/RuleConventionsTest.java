package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What every rule must carry for the on-call engineer: severity, summary, description and a runbook that exists. */
class RuleConventionsTest {

    private static final String RUNBOOK_PREFIX =
            "https://github.com/accessdetector/access-detector/blob/main/alerting/README.md#";

    @Test
    void everyAlertHasSeverityComponentAnnotationsAndARunbook() {
        List<JsonNode> alerts = ConfigFiles.alertingRules();
        assertThat(alerts).isNotEmpty();
        for (JsonNode alert : alerts) {
            String name = alert.get("alert").asText();
            assertThat(alert.path("labels").path("severity").asText()).as(name + " severity").isIn("critical", "warning");
            assertThat(alert.path("labels").path("component").asText()).as(name + " component").isEqualTo("detector");
            JsonNode annotations = alert.path("annotations");
            assertThat(annotations.path("summary").asText()).as(name + " summary").isNotBlank();
            assertThat(annotations.path("description").asText()).as(name + " description").isNotBlank();
            assertThat(annotations.path("runbook_url").asText()).as(name + " runbook_url").startsWith(RUNBOOK_PREFIX + "runbook-");
        }
    }

    /** Each runbook_url anchor is a heading of alerting/README.md (GitHub's heading anchors). */
    @Test
    void everyRunbookAnchorExistsInTheReadme() throws IOException {
        Set<String> anchors = githubAnchors(ModulePaths.alertingDir().resolve("README.md"));
        for (JsonNode alert : ConfigFiles.alertingRules()) {
            String url = alert.path("annotations").path("runbook_url").asText();
            String anchor = url.substring(url.indexOf('#') + 1);
            assertThat(anchors).as(alert.get("alert").asText() + " runbook " + url).contains(anchor);
        }
    }

    @Test
    void requiredHealthAlertsExist() {
        assertThat(ConfigFiles.alertingRules()).extracting(r -> r.get("alert").asText()).contains(
                "AccessDetectorTargetDown",
                "AccessDetectorNoCallsJudged",
                "AccessDetectorDeadLetters",
                "AccessDetectorConsumerLagGrowing",
                "AccessDetectorCheckpointsFailing",
                "AccessDetectorDetectionLatencyHigh",
                "AlertRouterDeliveryFailing",
                "AlertRouterAlertmanagerUnreachable");
    }

    /** Every alert is exercised by a promtool unit test, and every alert and recording rule name is unique. */
    @Test
    void everyAlertHasAUnitTestAndNamesAreUnique() throws IOException {
        StringBuilder tests = new StringBuilder();
        for (Path file : ConfigFiles.ruleTestFiles()) {
            tests.append(Files.readString(file));
        }
        Set<String> names = new HashSet<>();
        for (JsonNode rule : ConfigFiles.rules()) {
            String name = rule.has("alert") ? rule.get("alert").asText() : rule.get("record").asText();
            assertThat(names.add(name)).as("duplicate rule " + name).isTrue();
            if (rule.has("alert")) {
                assertThat(tests.toString()).as("a promtool test of " + name).contains("alertname: " + name);
            }
        }
    }

    /** Recording rules follow Prometheus' level:metric:operation naming. */
    @Test
    void recordingRulesAreNamedLevelMetricOperation() {
        for (JsonNode rule : ConfigFiles.rules()) {
            if (rule.has("record")) {
                assertThat(rule.get("record").asText()).matches("[a-z_]+:[a-z0-9_]+:[a-z0-9_]+");
            }
        }
    }

    /** The anchors GitHub generates for a Markdown file's headings. */
    static Set<String> githubAnchors(Path markdown) throws IOException {
        Set<String> anchors = new HashSet<>();
        Pattern heading = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
        for (String line : Files.readAllLines(markdown)) {
            Matcher m = heading.matcher(line);
            if (m.matches()) {
                String slug = m.group(1).toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-');
                anchors.add(slug);
            }
        }
        return anchors;
    }
}
