package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Which receiver each kind of alert reaches, as {@code amtool config routes test} resolves alertmanager.yml. */
class AlertmanagerRoutingTest {

    static Stream<Arguments> alerts() {
        return Stream.of(
                // Security alerts from the alert router: upper-case severities.
                Arguments.of("pager", List.of("alertname=PartnerAccessViolation", "severity=CRITICAL", "rule=AFTER_REVOCATION",
                        "partner=acme", "resource=MESSAGES", "action=READ")),
                Arguments.of("pager", List.of("alertname=PartnerAccessViolation", "severity=CRITICAL", "rule=NO_USER_CONSENT",
                        "partner=globex", "resource=CONTACTS", "action=READ")),
                Arguments.of("chat", List.of("alertname=PartnerAccessViolation", "severity=HIGH", "rule=OUT_OF_SCOPE",
                        "partner=acme", "resource=PHOTOS", "action=READ")),
                Arguments.of("chat", List.of("alertname=PartnerAccessViolation", "severity=MEDIUM", "rule=RATE_LIMIT",
                        "partner=acme", "resource=PROFILE", "action=READ")),
                Arguments.of("chat", List.of("alertname=PartnerAccessViolation", "severity=LOW", "rule=FRIEND_DATA",
                        "partner=initech", "resource=FRIENDS", "action=READ")),
                // A critical alert with a lower-case severity pages too.
                Arguments.of("pager", List.of("severity=critical", "rule=AFTER_REVOCATION", "partner=acme")),
                // Health alerts from Prometheus: chat unless critical.
                Arguments.of("chat", List.of("alertname=AccessDetectorDeadLetters", "component=detector", "severity=warning",
                        "topic=partner-api-calls", "reason=TRUNCATED")),
                Arguments.of("chat", List.of("alertname=AccessDetectorDetectionLatencyHigh", "component=detector",
                        "severity=warning", "job_name=access-detector")),
                Arguments.of("pager", List.of("alertname=AccessDetectorTargetDown", "component=detector", "severity=critical",
                        "job=flink-taskmanager")),
                Arguments.of("pager", List.of("alertname=AlertRouterAlertmanagerUnreachable", "component=detector",
                        "severity=CRITICAL")),
                // No severity at all: chat, never lost.
                Arguments.of("chat", List.of("alertname=Unexpected")));
    }

    @ParameterizedTest(name = "{1} -> {0}")
    @MethodSource("alerts")
    void routesToReceiver(String receiver, List<String> labels) throws Exception {
        Path config = ModulePaths.alertmanagerConfig();
        List<String> args = new ArrayList<>(List.of("config", "routes", "test", "--config.file=" + config));
        args.addAll(labels);
        Tools.Result result = Tools.run(config.getParent(), Duration.ofSeconds(60), Tools.amtool(), args.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout().strip()).as(result.describe()).isEqualTo(receiver);
    }

    /** Every health alert in the rules routes by its severity: critical pages, warning goes to chat. */
    @Test
    void everyHealthAlertRoutesBySeverity() throws Exception {
        Path config = ModulePaths.alertmanagerConfig();
        for (JsonNode rule : ConfigFiles.alertingRules()) {
            List<String> args = new ArrayList<>(List.of("config", "routes", "test", "--config.file=" + config,
                    "alertname=" + rule.get("alert").asText()));
            rule.path("labels").fields().forEachRemaining(e -> args.add(e.getKey() + "=" + e.getValue().asText()));
            Tools.Result result = Tools.run(config.getParent(), Duration.ofSeconds(60), Tools.amtool(), args.toArray(String[]::new));
            String severity = rule.path("labels").path("severity").asText();
            assertThat(result.stdout().strip()).as(result.describe())
                    .isEqualTo(severity.equalsIgnoreCase("critical") ? "pager" : "chat");
        }
    }

    @Test
    void groupsSecurityAlertsByPartnerAndRuleAndInhibitsOutOfScopeDuringRevocation() {
        JsonNode config = ConfigFiles.yaml(ModulePaths.alertmanagerConfig());
        JsonNode route = config.path("route");
        assertThat(route.path("group_by")).extracting(JsonNode::asText).containsExactlyInAnyOrder("partner", "rule");
        assertThat(route.path("group_wait").asText()).isNotBlank();
        assertThat(route.path("group_interval").asText()).isNotBlank();
        assertThat(route.path("repeat_interval").asText()).isNotBlank();

        boolean found = false;
        for (JsonNode inhibit : config.path("inhibit_rules")) {
            Set<String> source = texts(inhibit.path("source_matchers"));
            Set<String> target = texts(inhibit.path("target_matchers"));
            if (source.equals(Set.of("rule=\"AFTER_REVOCATION\"")) && target.equals(Set.of("rule=\"OUT_OF_SCOPE\""))) {
                assertThat(texts(inhibit.path("equal"))).containsExactly("partner");
                found = true;
            }
        }
        assertThat(found).as("an inhibit rule AFTER_REVOCATION -> OUT_OF_SCOPE, equal [partner]").isTrue();
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> out = new java.util.LinkedHashSet<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
