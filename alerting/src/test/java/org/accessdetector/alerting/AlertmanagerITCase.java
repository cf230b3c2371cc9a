package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.accessdetector.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Alertmanager runs alerting/alertmanager/alertmanager.yml on loopback, with a temporary copy whose webhook
 * URLs point at a recording endpoint in the test (same paths) and whose group_wait/group_interval are 1 s. Alerts
 * are posted as the alert router and Prometheus post them; the test checks who is notified, and the inhibition that
 * amtool cannot test offline.
 */
class AlertmanagerITCase {

    @TempDir
    static Path tmp;

    private static FakeHttpEndpoint webhooks;
    private static ManagedProcess alertmanager;
    private static URI base;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startAlertmanager() throws Exception {
        Path binary = Tools.alertmanager();
        webhooks = FakeHttpEndpoint.recording();
        int port = ManagedProcess.freePort();
        base = URI.create("http://127.0.0.1:" + port);

        Path copy = AlertmanagerConfigs.withWebhooksAt(webhooks, tmp);

        alertmanager = ManagedProcess.start("alertmanager", tmp, tmp.resolve("alertmanager.log"), List.of(
                binary.toString(),
                "--config.file=" + copy,
                "--storage.path=" + tmp.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=",
                "--log.level=warn"));
        alertmanager.awaitReady(base.resolve("/-/ready"), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (alertmanager != null) {
                alertmanager.close();
                assertThat(alertmanager.isAlive()).isFalse();
            }
        } finally {
            if (webhooks != null) {
                webhooks.close();
            }
        }
    }

    @Test
    void routesNotifiesAndInhibits() throws Exception {
        List<Map<String, String>> alerts = List.of(
                violation("AFTER_REVOCATION", "acme", "MESSAGES", "CRITICAL"),
                violation("OUT_OF_SCOPE", "acme", "PHOTOS", "HIGH"),
                violation("OUT_OF_SCOPE", "globex", "PHOTOS", "HIGH"),
                violation("RATE_LIMIT", "initech", "PROFILE", "MEDIUM"),
                health("AccessDetectorTargetDown", "critical", "flink-taskmanager"),
                health("AccessDetectorDeadLetters", "warning", "flink-taskmanager"));
        post(alerts);

        // Alertmanager marks OUT_OF_SCOPE of acme inhibited by its AFTER_REVOCATION; globex's stays active.
        JsonNode listed = await("all six alerts listed", () -> {
            JsonNode a = getJson("/api/v2/alerts");
            return a.size() == alerts.size() ? a : null;
        });
        for (JsonNode alert : listed) {
            JsonNode labels = alert.path("labels");
            boolean muted = labels.path("rule").asText().equals("OUT_OF_SCOPE") && labels.path("partner").asText().equals("acme");
            assertThat(alert.path("status").path("state").asText()).as(labels.toString()).isEqualTo(muted ? "suppressed" : "active");
            assertThat(alert.path("status").path("inhibitedBy").size()).as(labels.toString()).isEqualTo(muted ? 1 : 0);
        }

        await("notifications for five alerts", () -> {
            Map<String, List<String>> byPath = notifications();
            int count = byPath.values().stream().mapToInt(List::size).sum();
            return count >= 5 ? byPath : null;
        });
        // A sentinel in a group of its own, posted now: its group starts later than the inhibited alert's and waits
        // as long, so a stray notification of the inhibited alert would have come before the sentinel's.
        post(List.of(violation("OUT_OF_SCOPE", "sentinel", "PHOTOS", "HIGH")));
        Map<String, List<String>> notified = await("the sentinel's notification",
                () -> notifications().getOrDefault("/chat", List.of()).contains("OUT_OF_SCOPE/sentinel")
                        ? notifications() : null);
        notified.get("/chat").remove("OUT_OF_SCOPE/sentinel");
        assertThat(notified.getOrDefault("/page", List.of()))
                .containsExactlyInAnyOrder("AFTER_REVOCATION/acme", "AccessDetectorTargetDown");
        assertThat(notified.getOrDefault("/chat", List.of()))
                .containsExactlyInAnyOrder("OUT_OF_SCOPE/globex", "RATE_LIMIT/initech", "AccessDetectorDeadLetters");
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, String> violation(String rule, String partner, String resource, String severity) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("alertname", "PartnerAccessViolation");
        labels.put("rule", rule);
        labels.put("partner", partner);
        labels.put("resource", resource);
        labels.put("action", "READ");
        labels.put("severity", severity);
        return labels;
    }

    private static Map<String, String> health(String alertname, String severity, String job) {
        return Map.of("alertname", alertname, "severity", severity, "component", "detector", "job", job);
    }

    private static void post(List<Map<String, String>> alerts) throws Exception {
        ArrayNode body = ConfigFiles.JSON.createArrayNode();
        for (Map<String, String> labels : alerts) {
            ObjectNode alert = body.addObject();
            ObjectNode l = alert.putObject("labels");
            labels.forEach(l::put);
            alert.putObject("annotations").put("summary", "test alert " + labels);
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/api/v2/alerts"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Webhook path to the alerts it was notified of: "rule/partner" for violations, else the alert name. */
    private static Map<String, List<String>> notifications() throws Exception {
        Map<String, List<String>> byPath = new LinkedHashMap<>();
        for (FakeHttpEndpoint.Request request : webhooks.posts()) {
            for (JsonNode alert : ConfigFiles.JSON.readTree(request.body()).path("alerts")) {
                JsonNode labels = alert.path("labels");
                String name = labels.has("rule") ? labels.path("rule").asText() + "/" + labels.path("partner").asText()
                        : labels.path("alertname").asText();
                List<String> names = byPath.computeIfAbsent(request.path(), k -> new ArrayList<>());
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        }
        return byPath;
    }

    private static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return ConfigFiles.JSON.readTree(response.body());
    }

    private static <T> T await(String what, Await.Probe<T> probe) throws Exception {
        try {
            return Await.until(what, Duration.ofSeconds(30), probe, java.util.Objects::nonNull);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nwebhooks: " + webhooks.posts() + "\nAlertmanager log:\n"
                    + alertmanager.log(), e);
        }
    }
}
