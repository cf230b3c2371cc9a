package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.accessdetector.alerting.router.AlertRouter;
import org.accessdetector.alerting.router.RouterMetrics;
import org.accessdetector.avro.AvroCodec;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AlertStatus;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.ViolationRule;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert router between a real Kafka broker and a real Alertmanager (the Debian package), with the
 * project's alertmanager.yml: alerts arrive with their labels, resolutions resolve, and an Alertmanager
 * restart in the middle loses nothing.
 */
class AlertRouterITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final String TOPIC = "access-alerts";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private int amPort;
    private ManagedProcess alertmanager;
    private AlertRouter router;
    private Thread routerThread;
    private RouterMetrics metrics;
    private KafkaProducer<byte[], byte[]> producer;
    private final AvroCodec<AccessAlert> codec = new AvroCodec<>(AccessAlert.class);
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws Exception {
        Path binary = Tools.alertmanager();
        amPort = ManagedProcess.freePort();
        alertmanager = startAlertmanager(binary);
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get();
        }
        p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        metrics = new RouterMetrics().serve(0);
        router = new AlertRouter(new AlertRouter.Settings(KAFKA.bootstrapServers(), TOPIC, "router-test",
                "http://127.0.0.1:" + amPort, Duration.ofSeconds(1), Duration.ofHours(1),
                "https://example.org/README.md"), metrics);
        routerThread = new Thread(router, "router");
        routerThread.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        router.close();
        routerThread.join(20_000);
        metrics.close();
        producer.close();
        alertmanager.close();
    }

    private ManagedProcess startAlertmanager(Path binary) throws Exception {
        Path storage = Files.createDirectories(dir.resolve("am-data-" + System.nanoTime()));
        ManagedProcess am = ManagedProcess.start("alertmanager", dir, dir.resolve("alertmanager.log"), List.of(
                binary.toString(),
                "--config.file=" + ModulePaths.alertmanagerConfig(),
                "--storage.path=" + storage,
                "--web.listen-address=127.0.0.1:" + amPort,
                "--cluster.listen-address="));
        am.awaitReady(URI.create("http://127.0.0.1:" + amPort + "/-/ready"), Duration.ofSeconds(30));
        return am;
    }

    private static AccessAlert alert(String id, ViolationRule rule, Severity severity, AlertStatus status, long count) {
        long t0 = 1_545_123_600_000L;
        return AccessAlert.newBuilder()
                .setAlertId(id).setStatus(status).setPartnerId("acme-phones").setRule(rule)
                .setResource(Resource.CONTACTS).setAction(Action.READ).setSeverity(severity)
                .setViolationCount(count).setFirstSeen(t0).setLastSeen(t0 + 60_000).setDistinctSubjectUsers(2)
                .setSampleCallIds(new ArrayList<>(List.of("c1", "c2"))).setSummary(count + " violations")
                .setUpdatedAt(t0 + 60_000).setDetectedAt(System.currentTimeMillis())
                .build();
    }

    private void send(AccessAlert a) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, a.getAlertId().getBytes(), codec.encode(a))).get();
    }

    /** Active alerts in Alertmanager, by alert_id label. */
    private Map<String, JsonNode> activeAlerts() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + amPort + "/api/v2/alerts?active=true")).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, JsonNode> byId = new java.util.HashMap<>();
        for (JsonNode a : JSON.readTree(r.body())) {
            if (Instant(a.get("endsAt").asText()).isAfter(java.time.Instant.now())) {
                byId.put(a.get("labels").get("alert_id").asText(), a);
            }
        }
        return byId;
    }

    private static java.time.Instant Instant(String iso) {
        return java.time.OffsetDateTime.parse(iso).toInstant();
    }

    private Map<String, JsonNode> awaitAlerts(Predicate<Map<String, JsonNode>> done) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, JsonNode> alerts = Map.of();
        while (System.nanoTime() < deadline) {
            try {
                alerts = activeAlerts();
                if (done.test(alerts)) {
                    return alerts;
                }
            } catch (java.io.IOException notUpYet) {
                // Alertmanager restarting
            }
            Thread.sleep(250);
        }
        return alerts;
    }

    @Test
    void alertsReachAlertmanagerWithTheirLabelsAndSurviveItsRestart() throws Exception {
        send(alert("a-revoked", ViolationRule.AFTER_REVOCATION, Severity.CRITICAL, AlertStatus.FIRING, 1));
        send(alert("a-scope", ViolationRule.OUT_OF_SCOPE, Severity.HIGH, AlertStatus.FIRING, 3));

        Map<String, JsonNode> alerts = awaitAlerts(a -> a.keySet().containsAll(List.of("a-revoked", "a-scope")));
        assertThat(alerts).containsKeys("a-revoked", "a-scope");
        JsonNode revoked = alerts.get("a-revoked");
        assertThat(revoked.get("labels").get("alertname").asText()).isEqualTo("PartnerAccessViolation");
        assertThat(revoked.get("labels").get("rule").asText()).isEqualTo("AFTER_REVOCATION");
        assertThat(revoked.get("labels").get("partner").asText()).isEqualTo("acme-phones");
        assertThat(revoked.get("labels").get("resource").asText()).isEqualTo("CONTACTS");
        assertThat(revoked.get("labels").get("action").asText()).isEqualTo("READ");
        assertThat(revoked.get("labels").get("severity").asText()).isEqualTo("CRITICAL");
        assertThat(revoked.get("annotations").get("runbook_url").asText()).endsWith("#runbook-after-revocation");
        assertThat(revoked.get("annotations").get("sample_call_ids").asText()).isEqualTo("c1,c2");
        assertThat(revoked.get("annotations").get("evidence").asText()).contains("./detector violations");
        assertThat(revoked.get("receivers").toString()).contains("pager");

        // Resolved: gone from the active alerts.
        send(alert("a-scope", ViolationRule.OUT_OF_SCOPE, Severity.HIGH, AlertStatus.RESOLVED, 3));
        assertThat(awaitAlerts(a -> !a.containsKey("a-scope"))).doesNotContainKey("a-scope");

        // Alertmanager goes away; an alert fires meanwhile; Alertmanager comes back with empty storage.
        alertmanager.close();
        send(alert("a-consent", ViolationRule.NO_USER_CONSENT, Severity.CRITICAL, AlertStatus.FIRING, 1));
        Thread.sleep(3_000);
        alertmanager = startAlertmanager(Tools.alertmanager());

        Map<String, JsonNode> after = awaitAlerts(a -> a.keySet().containsAll(List.of("a-revoked", "a-consent")));
        assertThat(after).as("the alert raised while Alertmanager was down, and the one still firing")
                .containsKeys("a-revoked", "a-consent").doesNotContainKey("a-scope");
        assertThat(scrape()).contains("alert_router_delivery_failures_total").doesNotContain(
                "alert_router_delivery_failures_total 0.0");
    }

    private String scrape() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
