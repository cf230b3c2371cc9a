package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicWriter;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.testing.Await;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.Ports;
import org.accessdetector.testing.Story;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path with real parts: the detector (Flink, its Prometheus reporter) over a real Kafka broker, the
 * alert router (its own jar), and real Prometheus and Alertmanager processes with the project's configuration.
 * Prometheus shows the violation counter of the expected rule; Alertmanager holds the alerts with their
 * labels, and an Alertmanager restart in the middle loses none.
 */
class ObservabilityITCase {

    private static final int METRICS_PORT = Ports.free();

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .setConfiguration(reporter())
            .build());

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private JobClient job;
    private Process alertmanager;
    private int amPort;

    private static Configuration reporter() {
        Configuration c = new Configuration();
        // The reporter `run` and `demo` use, on loopback: Prometheus scrapes it there.
        c.setString("metrics.reporter.prom.factory.class",
                org.accessdetector.metrics.LoopbackPrometheusReporterFactory.class.getName());
        c.setString("metrics.reporter.prom.port", Integer.toString(METRICS_PORT));
        c.setString("metrics.reporter.prom.filterLabelValueCharacters", "false");
        return c;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void violationsReachPrometheusAndAlertsReachAlertmanagerThroughARestart() throws Exception {
        Path prometheus = org.accessdetector.testing.Tools.tool("prometheus");
        Path alertmanagerBinary = org.accessdetector.testing.Tools.tool("prometheus-alertmanager");
        Path routerJar = REPO.resolve("alerting/target/alert-router.jar");
        assertThat(routerJar).as("the alerting module is built before flink-jobs").exists();

        Topics topics = Topics.defaults();
        try (TopicAdmin admin = new TopicAdmin(KAFKA.bootstrapServers())) {
            admin.createOrUpdate(topics);
        }
        amPort = Ports.free();
        int routerPort = Ports.free();
        int promPort = Ports.free();
        alertmanager = startAlertmanager(alertmanagerBinary);
        spawn("router", javaBinary(), "-jar", routerJar.toString(), "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--alertmanager-url", "http://127.0.0.1:" + amPort, "--metrics-port", Integer.toString(routerPort),
                "--resend-interval", "1s");
        Path promConfig = dir.resolve("prometheus.yml");
        Files.writeString(promConfig, String.join("\n",
                "global: {scrape_interval: 1s, evaluation_interval: 1s}",
                "rule_files: ['" + REPO.resolve("alerting/prometheus/rules") + "/*.yml']",
                "scrape_configs:",
                "  - job_name: flink",
                "    static_configs: [{targets: ['127.0.0.1:" + METRICS_PORT + "']}]",
                "  - job_name: alert-router",
                "    static_configs: [{targets: ['127.0.0.1:" + routerPort + "']}]",
                ""));
        // The dashboard's panels as console templates, made from the Grafana JSON by the alerting module's build.
        Path consoles = REPO.resolve("alerting/target/prometheus-consoles");
        assertThat(consoles.resolve("access-detector.html")).as("built by the alerting module").exists();
        spawn("prometheus", prometheus.toString(), "--config.file=" + promConfig,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort,
                "--web.console.templates=" + consoles, "--web.console.libraries=" + consoles);

        Configuration conf = LiveJob.withDefaults(new Configuration()); // the production live settings
        conf.set(LiveOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        new LiveJob(conf).build(env);
        job = env.executeAsync("observability-test");

        // Calls of a partner nobody registered, now: NO_AGREEMENT, judged within seconds by the wall clock.
        send(topics, "rogue-1", "quizapp-research");
        String query = "sum by (rule) (flink_taskmanager_job_task_operator_accessdetector_rule_severity_partner_violations"
                + "{rule=\"NO_AGREEMENT\"})";
        JsonNode result = await(() -> promQuery(promPort, query),
                r -> r.size() > 0 && r.get(0).get("value").get(1).asDouble() > 0);
        assertThat(result.get(0).get("metric").get("rule").asText()).isEqualTo("NO_AGREEMENT");

        // The dashboard, seen: the console in a real browser shows the panels with the detector's figures.
        Path chromium = org.accessdetector.testing.Tools.tool("chromium");
        String console = "http://127.0.0.1:" + promPort + "/consoles/access-detector.html";
        List<String> showingData = List.of("Calls judged per second", "Violations per minute",
                "Open alerts (detector)", "Calls judged per second by partner", "Violations per second by rule",
                "Alerts opened, resolved and merged per minute");
        String page = org.accessdetector.testing.Await.until("the dashboard's panels showing data", WAIT,
                () -> browse(chromium, "--dump-dom", console), dom -> showingData.stream().allMatch(t -> showsData(dom, t)));
        assertThat(panelTitles(page)).as("every panel of the Grafana dashboard").containsAll(showingData)
                .hasSizeGreaterThanOrEqualTo(18);
        assertThat(panel(page, "Violations per second by rule")).contains("NO_AGREEMENT");
        browse(chromium, "--window-size=1280,1600", "--hide-scrollbars", "--screenshot="
                + Path.of("target", "dashboard-console.png").toAbsolutePath(), console);

        JsonNode alerts = await(this::activeAlerts, a -> hasAlertOf(a, "quizapp-research"));
        JsonNode alert = find(alerts, "quizapp-research").orElseThrow();
        assertThat(alert.get("labels").get("rule").asText()).isEqualTo("NO_AGREEMENT");
        assertThat(alert.get("labels").get("resource").asText()).isEqualTo("PROFILE");
        assertThat(alert.get("labels").get("severity").asText()).isEqualTo("HIGH");

        // Alertmanager goes away; a new partner misbehaves; Alertmanager comes back empty: nothing is lost.
        alertmanager.destroy();
        alertmanager.waitFor(10, TimeUnit.SECONDS);
        double failures = routerCounter(routerPort, "alert_router_delivery_failures_total");
        send(topics, "rogue-2", "shadow-analytics");
        // The new partner's alert is on the topic (committed) while Alertmanager is down, and the router has failed
        // to deliver since: it holds the alert and retries.
        try (KafkaClients kafka = new KafkaClients(KAFKA.bootstrapServers())) {
            List<ConsumerRecord<byte[], byte[]>> seen = kafka.readUntil(topics.alerts().name(),
                    records -> records.stream().anyMatch(r -> alertOf(topics, r, "shadow-analytics")), WAIT);
            assertThat(seen).as("the alert of shadow-analytics on the alerts topic")
                    .anyMatch(r -> alertOf(topics, r, "shadow-analytics"));
        }
        await(() -> JSON.valueToTree(routerCounter(routerPort, "alert_router_delivery_failures_total")),
                n -> n.asDouble() > failures);
        alertmanager = startAlertmanager(alertmanagerBinary);
        JsonNode after = await(this::activeAlerts,
                a -> hasAlertOf(a, "quizapp-research") && hasAlertOf(a, "shadow-analytics"));
        assertThat(hasAlertOf(after, "quizapp-research") && hasAlertOf(after, "shadow-analytics")).isTrue();
    }

    /** Headless Chromium on {@code url} with {@code flags}; returns what it prints (the DOM with --dump-dom). */
    private String browse(Path chromium, String... flagsThenUrl) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + dir.resolve("chromium")));
        cmd.addAll(List.of(flagsThenUrl));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish with " + cmd);
        }
        return out;
    }

    /** The titles of the panels in a console page. */
    private static List<String> panelTitles(String dom) {
        List<String> out = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<section class=\"panel\" data-title=\"([^\"]*)\"")
                .matcher(dom);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** One panel's markup in a console page, empty if it has none. */
    private static String panel(String dom, String title) {
        int start = dom.indexOf("<section class=\"panel\" data-title=\"" + title + "\"");
        return start < 0 ? "" : dom.substring(start, dom.indexOf("</section>", start));
    }

    /** Whether a panel shows figures: a row with a value, evaluated by Prometheus (not only "no data"). */
    private static boolean showsData(String dom, String title) {
        return panel(dom, title).contains("class=\"value\"");
    }

    private void send(Topics topics, String callId, String partner) throws Exception {
        try (TopicWriter writer = new TopicWriter(KAFKA.bootstrapServers())) {
            writer.sendAll(topics.calls(), List.of(new JsonInputParser().parseCall(Story.call(callId, partner, "alice",
                    null, "PROFILE", "READ", Instant.now().toString(), ""))));
        }
    }

    private Process startAlertmanager(Path binary) throws Exception {
        Process p = spawn("alertmanager", binary.toString(),
                "--config.file=" + REPO.resolve("alerting/alertmanager/alertmanager.yml"),
                "--storage.path=" + Files.createTempDirectory(dir, "am"),
                "--web.listen-address=127.0.0.1:" + amPort, "--cluster.listen-address=");
        await(() -> JSON.readTree(get("http://127.0.0.1:" + amPort + "/api/v2/status")), s -> s.has("cluster"));
        return p;
    }

    private JsonNode activeAlerts() throws Exception {
        return JSON.readTree(get("http://127.0.0.1:" + amPort + "/api/v2/alerts?active=true"));
    }

    private static boolean hasAlertOf(JsonNode alerts, String partner) {
        return find(alerts, partner).isPresent();
    }

    private static Optional<JsonNode> find(JsonNode alerts, String partner) {
        for (JsonNode a : alerts) {
            if (a.get("labels").get("partner").asText().equals(partner)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    private JsonNode promQuery(int port, String q) throws Exception {
        JsonNode r = JSON.readTree(get("http://127.0.0.1:" + port + "/api/v1/query?query="
                + URLEncoder.encode(q, StandardCharsets.UTF_8)));
        assertThat(r.get("status").asText()).isEqualTo("success");
        return r.get("data").get("result");
    }

    private static boolean alertOf(Topics topics, ConsumerRecord<byte[], byte[]> r, String partner) {
        try {
            return topics.alerts().codec().decode(r.value()).getPartnerId().equals(partner);
        } catch (DecodeException e) {
            throw new AssertionError("the detector wrote an undecodable alert", e);
        }
    }

    /** A counter of the router's Prometheus text exposition; 0 before its first increment. */
    private double routerCounter(int port, String name) throws Exception {
        for (String line : get("http://127.0.0.1:" + port + "/metrics").split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private String get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static JsonNode await(Await.Probe<JsonNode> probe, Predicate<JsonNode> done) throws Exception {
        return Await.until("the observability stack", WAIT, () -> {
            try {
                return probe.get();
            } catch (IOException notUp) {
                return null; // starting or restarting
            }
        }, seen -> seen != null && done.test(seen));
    }

    private Process spawn(String name, String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
