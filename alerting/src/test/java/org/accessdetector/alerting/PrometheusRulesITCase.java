package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real Prometheus runs alerting/prometheus/prometheus.yml and its rules on loopback.
 *
 * <p>Loopback targets: the test writes a temporary copy of prometheus.yml in which every scrape job's targets
 * (static or DNS-discovered compose service names) are replaced by one 127.0.0.1 target served by a
 * {@link FakeHttpEndpoint} with that job's metrics fixture (the prometheus job by Prometheus' own port), the
 * Alertmanager target by a recording endpoint, rule_files by absolute paths to the repository's rules, and the
 * intervals by 1 s so the test is quick. Nothing else changes, and a scrape job without a fixture fails the test.
 */
class PrometheusRulesITCase {

    /** Scrape job name to the fixture its fake target serves. */
    private static final Map<String, String> FIXTURES = Map.of(
            "flink-jobmanager", "flink-jobmanager.prom",
            "flink-taskmanager", "flink-taskmanager.prom",
            "alert-router", "alert-router.prom",
            "alertmanager", "alertmanager.prom");

    /** The health alerts the fixtures' troubled detector must raise (pending or firing), and no others. */
    private static final Set<String> EXPECTED_ALERTS = Set.of(
            "AccessDetectorDeadLetters",
            "AccessDetectorCheckpointsFailing",
            "AccessDetectorConsumerLagGrowing",
            "AccessDetectorDetectionLatencyHigh",
            "AlertRouterDeliveryFailing",
            "AlertRouterAlertmanagerUnreachable");

    /** Alerts without a `for`, so they fire (and are sent to Alertmanager) at once. */
    private static final Set<String> EXPECTED_FIRING = Set.of("AccessDetectorDeadLetters", "AccessDetectorCheckpointsFailing");

    @TempDir
    static Path tmp;

    private static final List<FakeHttpEndpoint> endpoints = new ArrayList<>();
    private static FakeHttpEndpoint alertmanager;
    private static ManagedProcess prometheus;
    private static URI base;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void startPrometheus() throws Exception {
        Path binary = Tools.prometheus();
        int port = ManagedProcess.freePort();
        base = URI.create("http://127.0.0.1:" + port);

        alertmanager = FakeHttpEndpoint.serving("alertmanager.prom");
        endpoints.add(alertmanager);
        Map<String, String> targets = new LinkedHashMap<>();
        targets.put("prometheus", "127.0.0.1:" + port);
        for (Map.Entry<String, String> fixture : FIXTURES.entrySet()) {
            FakeHttpEndpoint endpoint = fixture.getKey().equals("alertmanager") ? alertmanager
                    : FakeHttpEndpoint.serving(fixture.getValue());
            if (endpoint != alertmanager) {
                endpoints.add(endpoint);
            }
            targets.put(fixture.getKey(), endpoint.hostPort());
        }

        Path config = tmp.resolve("prometheus.yml");
        ConfigFiles.YAML.writeValue(config.toFile(), loopbackConfig(targets, alertmanager.hostPort()));

        prometheus = ManagedProcess.start("prometheus", tmp, tmp.resolve("prometheus.log"), List.of(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + tmp.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn"));
        prometheus.awaitReady(base.resolve("/-/ready"), Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (prometheus != null) {
                prometheus.close();
                assertThat(prometheus.isAlive()).isFalse();
            }
        } finally {
            endpoints.forEach(FakeHttpEndpoint::close);
        }
    }

    /** The repository's prometheus.yml with every target on loopback (see the class comment). */
    static JsonNode loopbackConfig(Map<String, String> targetByJob, String alertmanagerTarget) {
        ObjectNode config = (ObjectNode) ConfigFiles.yaml(ModulePaths.prometheusConfig());
        ObjectNode global = config.with("global");
        global.put("scrape_interval", "1s");
        global.put("scrape_timeout", "1s");
        global.put("evaluation_interval", "1s");

        ArrayNode ruleFiles = config.putArray("rule_files");
        ConfigFiles.yaml(ModulePaths.prometheusConfig()).path("rule_files").forEach(
                f -> ruleFiles.add(ModulePaths.prometheusConfig().getParent().resolve(f.asText()).toString()));

        for (JsonNode am : config.path("alerting").path("alertmanagers")) {
            ((ObjectNode) am).putArray("static_configs").addObject().putArray("targets").add(alertmanagerTarget);
        }
        for (JsonNode job : config.path("scrape_configs")) {
            String name = job.path("job_name").asText();
            assertThat(targetByJob).as("a fake target (fixture) for scrape job " + name).containsKey(name);
            ObjectNode scrape = (ObjectNode) job;
            scrape.remove("dns_sd_configs");
            scrape.putArray("static_configs").addObject().putArray("targets").add(targetByJob.get(name));
        }
        return config;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void scrapesEveryTarget() throws Exception {
        JsonNode targets = await("every scrape target up", () -> {
            JsonNode active = api("/api/v1/targets").path("data").path("activeTargets");
            boolean allUp = active.size() == FIXTURES.size() + 1;
            for (JsonNode t : active) {
                allUp &= t.path("health").asText().equals("up");
            }
            return allUp ? active : null;
        });
        Set<String> jobs = new TreeSet<>();
        targets.forEach(t -> jobs.add(t.path("labels").path("job").asText()));
        assertThat(jobs).containsExactlyInAnyOrder("flink-jobmanager", "flink-taskmanager", "alert-router", "alertmanager",
                "prometheus");
    }

    @Test
    void loadsEveryRuleFileWithoutErrors() throws Exception {
        JsonNode groups = api("/api/v1/rules").path("data").path("groups");
        Set<String> files = new TreeSet<>();
        int rules = 0;
        for (JsonNode group : groups) {
            files.add(Path.of(group.path("file").asText()).getFileName().toString());
            rules += group.path("rules").size();
        }
        assertThat(files).containsExactlyInAnyOrderElementsOf(
                ConfigFiles.ruleFiles().stream().map(f -> f.getFileName().toString()).toList());
        assertThat(rules).isEqualTo(ConfigFiles.rules().size());
        await("every rule evaluated without error", () -> {
            JsonNode g = api("/api/v1/rules").path("data").path("groups");
            for (JsonNode group : g) {
                for (JsonNode rule : group.path("rules")) {
                    if (!rule.path("health").asText().equals("ok")) {
                        assertThat(rule.path("lastError").asText()).as(rule.path("name").asText()).isEmpty();
                        return null;
                    }
                }
            }
            return g;
        });
    }

    static List<ConfigFiles.Expression> expressions() {
        List<ConfigFiles.Expression> all = new ArrayList<>(ConfigFiles.ruleExpressions());
        all.addAll(ConfigFiles.dashboardExpressions());
        return all;
    }

    /** Every rule expression and every dashboard query is valid PromQL to this Prometheus. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("expressions")
    void expressionEvaluates(ConfigFiles.Expression expression) throws Exception {
        JsonNode response = query(expression.promql());
        assertThat(response.path("status").asText())
                .as(expression.source() + "\n" + expression.promql() + "\n" + response).isEqualTo("success");
        assertThat(response.has("error")).as(response.toString()).isFalse();
    }

    @Test
    void thereAreExpressionsFromRulesAndDashboards() {
        assertThat(ConfigFiles.ruleExpressions()).hasSizeGreaterThanOrEqualTo(20);
        assertThat(ConfigFiles.dashboardExpressions()).hasSizeGreaterThanOrEqualTo(15);
    }

    /** The recording rules produce series from the exporters' metrics: names and labels match the contract. */
    @Test
    void everyRecordingRuleProducesSeries() throws Exception {
        for (JsonNode rule : ConfigFiles.rules()) {
            if (rule.has("record")) {
                String name = rule.get("record").asText();
                JsonNode result = await("series of " + name, () -> {
                    JsonNode r = query(name).path("data").path("result");
                    return r.size() > 0 ? r : null;
                });
                assertThat(result).as(name).isNotEmpty();
            }
        }
        assertThat(query("partner:accessdetector_partner_resource_action_calls_judged:rate1m").path("data").path("result"))
                .extracting(r -> r.path("metric").path("partner").asText())
                .containsExactlyInAnyOrder("acme", "globex-corp");
    }

    /** The dashboards' queries return data from the exporters (not only valid, but matching real series). */
    @Test
    void dashboardQueriesReturnData() throws Exception {
        await("every recording rule evaluated twice", () -> query("partner:accessdetector_partner_resource_action_calls_judged:rate1m")
                .path("data").path("result").size() > 0 ? Boolean.TRUE : null);
        List<String> empty = new ArrayList<>();
        for (ConfigFiles.Expression e : ConfigFiles.dashboardExpressions()) {
            if (query(e.promql()).path("data").path("result").isEmpty()) {
                empty.add(e.source() + ": " + e.promql());
            }
        }
        assertThat(empty).as("dashboard queries without data").isEmpty();
    }

    @Test
    void theTroubledDetectorRaisesExactlyTheExpectedAlertsAndSendsThemToAlertmanager() throws Exception {
        Map<String, String> states = await("alerts " + EXPECTED_ALERTS, () -> {
            Map<String, String> s = new LinkedHashMap<>();
            for (JsonNode alert : api("/api/v1/alerts").path("data").path("alerts")) {
                s.put(alert.path("labels").path("alertname").asText(), alert.path("state").asText());
            }
            return s.keySet().containsAll(EXPECTED_ALERTS) ? s : null;
        });
        assertThat(states.keySet()).containsExactlyInAnyOrderElementsOf(EXPECTED_ALERTS);
        for (String firing : EXPECTED_FIRING) {
            assertThat(states.get(firing)).as(firing).isEqualTo("firing");
        }

        String sent = await("firing alerts posted to Alertmanager", () -> {
            StringBuilder all = new StringBuilder();
            alertmanager.posts().forEach(p -> all.append(p.path()).append(' ').append(p.body()).append('\n'));
            return EXPECTED_FIRING.stream().allMatch(all.toString()::contains) ? all.toString() : null;
        });
        assertThat(sent).contains("/api/v2/alerts", "\"component\":\"detector\"", "\"runbook_url\"");
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode query(String promql) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private static JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return ConfigFiles.JSON.readTree(response.body());
    }

    interface Probe<T> {
        T get() throws Exception;
    }

    /** Polls until the probe returns non-null, for at most 30 s; then fails with the Prometheus log. */
    private static <T> T await(String what, Probe<T> probe) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\nPrometheus log:\n" + prometheus.log());
            }
            Thread.sleep(250);
        }
    }

}
