package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import org.accessdetector.testing.Await;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert router between a real Kafka broker and a real Alertmanager (the Debian package), with the
 * project's alertmanager.yml: alerts arrive with their labels, resolutions resolve, and an Alertmanager
 * restart in the middle loses nothing; a refused alert is dead-lettered, a rebalance moves re-sending, and two
 * routers with two clustered Alertmanagers page once per alert through the kill of one Alertmanager.
 */
class AlertRouterITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final java.util.concurrent.atomic.AtomicInteger RUN = new java.util.concurrent.atomic.AtomicInteger();
    // Topics and groups of each test's own: the broker is shared by the class.
    private final String suffix = "-" + RUN.incrementAndGet();
    private final String topic = "access-alerts" + suffix;
    private final String deadLetters = "router-dead-letters" + suffix;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private int amPort;
    private ManagedProcess alertmanager;
    private Router router;
    private final List<AutoCloseable> started = new ArrayList<>();
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
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        router = startRouter("router-test", List.of(alertmanagerUrl()));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        // Null when set-up stopped early (e.g. Alertmanager is not installed and the test is skipped).
        if (producer != null) {
            producer.close();
        }
        if (alertmanager != null) {
            alertmanager.close();
        }
    }

    private String alertmanagerUrl() {
        return "http://127.0.0.1:" + amPort;
    }

    /** A router of its own thread and metrics endpoint, in consumer group {@code group}. */
    private record Router(AlertRouter router, Thread thread, RouterMetrics metrics) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            router.close();
            thread.join(20_000);
            metrics.close();
        }
    }

    private Router startRouter(String group, List<String> alertmanagers) throws Exception {
        RouterMetrics metrics = new RouterMetrics().serve(0);
        AlertRouter r = new AlertRouter(new AlertRouter.Settings(KAFKA.bootstrapServers(), topic, group + suffix,
                alertmanagers, Duration.ofSeconds(1), Duration.ofHours(1), "https://example.org/README.md",
                deadLetters), metrics);
        Thread thread = new Thread(r, "router-" + group);
        thread.start();
        Router handle = new Router(r, thread, metrics);
        started.add(handle);
        return handle;
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
        producer.send(new ProducerRecord<>(topic, a.getAlertId().getBytes(), codec.encode(a))).get();
    }

    private void send(int partition, AccessAlert a) throws Exception {
        producer.send(new ProducerRecord<>(topic, partition, a.getAlertId().getBytes(), codec.encode(a))).get();
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

    /** Alertmanager's active alerts once they satisfy {@code done}; while it restarts, it is not asked. */
    private Map<String, JsonNode> awaitAlerts(Predicate<Map<String, JsonNode>> done) throws Exception {
        return Await.until("Alertmanager's active alerts", WAIT, () -> {
            try {
                return activeAlerts();
            } catch (java.io.IOException restarting) {
                return null;
            }
        }, alerts -> alerts != null && done.test(alerts));
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
        double failedBefore = metric(router, "alert_router_delivery_failures_total");
        send(alert("a-consent", ViolationRule.NO_USER_CONSENT, Severity.CRITICAL, AlertStatus.FIRING, 1));
        Await.until("the router tried while Alertmanager was away", WAIT,
                () -> metric(router, "alert_router_delivery_failures_total"), n -> n > failedBefore);
        alertmanager = startAlertmanager(Tools.alertmanager());

        Map<String, JsonNode> after = awaitAlerts(a -> a.keySet().containsAll(List.of("a-revoked", "a-consent")));
        assertThat(after).as("the alert raised while Alertmanager was down, and the one still firing")
                .containsKeys("a-revoked", "a-consent").doesNotContainKey("a-scope");
    }

    @Test
    void anAlertFirstSeenAheadOfTheClockIsStillAValidAlert() throws Exception {
        // A call stamped ahead of this machine's clock (within the allowed skew) makes an alert first seen in the
        // future. Sent as seen, it would end (at the next re-send) before it starts, which Alertmanager refuses.
        AccessAlert ahead = AccessAlert.newBuilder(alert("a-ahead", ViolationRule.OUT_OF_SCOPE, Severity.HIGH,
                AlertStatus.FIRING, 1)).setFirstSeen(System.currentTimeMillis() + 3_600_000L)
                .setLastSeen(System.currentTimeMillis() + 3_600_000L).build();
        send(ahead);
        assertThat(awaitAlerts(a -> a.containsKey("a-ahead"))).containsKey("a-ahead");

        send(AccessAlert.newBuilder(ahead).setStatus(AlertStatus.RESOLVED).build());
        assertThat(awaitAlerts(a -> !a.containsKey("a-ahead"))).doesNotContainKey("a-ahead");
        assertThat(metric(router, "alert_router_alerts_rejected_total")).isZero();
    }

    @Test
    void anAlertTheAlertmanagerSideRefusesIsDeadLetteredAndTheOthersAreDelivered() throws Exception {
        router.close();
        started.remove(router);
        try (RefusingProxy proxy = new RefusingProxy(URI.create(alertmanagerUrl()), "a-refused")) {
            Router behindProxy = startRouter("router-behind-proxy", List.of(proxy.url()));
            send(alert("a-before", ViolationRule.OUT_OF_SCOPE, Severity.HIGH, AlertStatus.FIRING, 1));
            send(alert("a-refused", ViolationRule.AFTER_REVOCATION, Severity.CRITICAL, AlertStatus.FIRING, 1));
            send(alert("a-after", ViolationRule.NO_AGREEMENT, Severity.HIGH, AlertStatus.FIRING, 1));

            // Retried forever, the refused alert would hold back every alert after it.
            Map<String, JsonNode> alerts = awaitAlerts(a -> a.keySet().containsAll(List.of("a-before", "a-after")));
            assertThat(alerts).containsKeys("a-before", "a-after").doesNotContainKey("a-refused");

            ConsumerRecord<byte[], byte[]> dead = awaitDeadLetter("a-refused");
            assertThat(codec.decode(dead.value()).getRule()).isEqualTo(ViolationRule.AFTER_REVOCATION);
            assertThat(header(dead, AlertRouter.HEADER_STATUS)).isEqualTo("413");
            assertThat(header(dead, AlertRouter.HEADER_REASON)).contains("413").contains("request entity too large");
            assertThat(metric(behindProxy, "alert_router_alerts_rejected_total")).isEqualTo(1.0);
            // Not re-sent: the router keeps firing only the alerts Alertmanager took.
            assertThat(metric(behindProxy, "alert_router_firing_alerts")).isEqualTo(2.0);
        }
    }

    @Test
    void aRouterStopsResendingTheAlertsOfPartitionsARebalanceTookAway() throws Exception {
        send(0, alert("a-p0", ViolationRule.OUT_OF_SCOPE, Severity.HIGH, AlertStatus.FIRING, 1));
        send(1, alert("a-p1", ViolationRule.NO_AGREEMENT, Severity.HIGH, AlertStatus.FIRING, 1));
        Await.until("the first router fires both", WAIT, () -> metric(router, "alert_router_firing_alerts"),
                n -> n == 2.0);

        Router second = startRouter("router-test", List.of(alertmanagerUrl()));
        // Each partition has one owner, which alone re-sends its alerts (the newcomer rebuilt its own from the topic).
        Await.until("each router fires the alert of its own partition", WAIT,
                () -> List.of(metric(router, "alert_router_firing_alerts"), metric(second, "alert_router_firing_alerts")),
                n -> n.equals(List.of(1.0, 1.0)));
        assertThat(awaitAlerts(a -> a.keySet().containsAll(List.of("a-p0", "a-p1")))).containsKeys("a-p0", "a-p1");
    }

    private ConsumerRecord<byte[], byte[]> awaitDeadLetter(String alertId) throws Exception {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "dead-letter-reader-" + System.nanoTime());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(deadLetters));
            List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();
            return Await.until("alert " + alertId + " on " + deadLetters, WAIT, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.stream().filter(r -> alertId.equals(new String(r.key(), StandardCharsets.UTF_8)))
                        .findFirst();
            }, java.util.Optional::isPresent).orElseThrow();
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** A metric's value as the router serves it to Prometheus, 0 if it has none yet. */
    private double metric(Router r, String name) throws Exception {
        return metric(r.metrics().port(), name);
    }

    /** A sample's value on the /metrics page at {@code port} ({@code name} with its labels, if any), 0 if absent. */
    private double metric(int port, String name) throws Exception {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(
                l.substring(name.length() + 1).trim())).findFirst().orElse(0);
    }

    /**
     * Alertmanager's high availability as the detector is deployed: two Alertmanagers in one cluster (--cluster.peer,
     * sharing their notification log by gossip), two routers in one consumer group, each posting to both. One
     * Alertmanager is killed (SIGKILL) and one router stopped between two batches of alerts; the on-call receiver (a
     * webhook, with the project's routes) is still paged exactly once per alert when it fires and once when it
     * resolves.
     */
    @Test
    void twoRoutersAndTwoClusteredAlertmanagersPageEachAlertOnceThroughTheKillOfOne() throws Exception {
        router.close();
        started.remove(router);
        Path binary = Tools.alertmanager();
        try (FakeHttpEndpoint pager = FakeHttpEndpoint.recording()) {
            Path config = AlertmanagerConfigs.withWebhooksAt(pager, dir);
            int[] web = {ManagedProcess.freePort(), ManagedProcess.freePort()};
            int[] gossip = {ManagedProcess.freePort(), ManagedProcess.freePort()};
            List<ManagedProcess> cluster = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ManagedProcess am = ManagedProcess.start("alertmanager-" + i, dir, dir.resolve("alertmanager-" + i + ".log"),
                        List.of(binary.toString(), "--config.file=" + config,
                                "--storage.path=" + Files.createDirectories(dir.resolve("ha-data-" + i)),
                                "--web.listen-address=127.0.0.1:" + web[i],
                                "--cluster.listen-address=127.0.0.1:" + gossip[i],
                                "--cluster.advertise-address=127.0.0.1:" + gossip[i],
                                "--cluster.peer=127.0.0.1:" + gossip[1 - i]));
                started.add(am);
                cluster.add(am);
            }
            for (int i = 0; i < 2; i++) {
                cluster.get(i).awaitReady(URI.create("http://127.0.0.1:" + web[i] + "/-/ready"), WAIT);
            }
            Await.until("both Alertmanagers in one cluster", WAIT,
                    () -> metric(web[0], "alertmanager_cluster_members") == 2 && metric(web[1], "alertmanager_cluster_members") == 2);
            List<String> both = List.of("http://127.0.0.1:" + web[0], "http://127.0.0.1:" + web[1]);
            Router first = startRouter("router-ha", both);
            startRouter("router-ha", both);

            // Each alert a notification group of its own (a partner of its own), paging (CRITICAL).
            List<AccessAlert> early = new ArrayList<>();
            List<AccessAlert> late = new ArrayList<>();
            for (int n = 1; n <= 6; n++) {
                AccessAlert a = AccessAlert.newBuilder(alert("a-ha-" + n, ViolationRule.NO_USER_CONSENT,
                        Severity.CRITICAL, AlertStatus.FIRING, 1)).setPartnerId("partner-" + n).build();
                (n <= 3 ? early : late).add(a);
            }
            for (AccessAlert a : early) {
                send(a);
            }
            Await.until("pages for the first alerts", WAIT, () -> pages(pager, "firing").keySet()
                    .containsAll(ids(early)));
            // The survivor-to-be knows of every page sent so far (its own, or gossiped to it), so that it cannot
            // page them again.
            int paged = pager.posts().size();
            Await.until("the second Alertmanager knows the pages sent", WAIT,
                    () -> metric(web[1], "alertmanager_notifications_total{integration=\"webhook\"}")
                            + metric(web[1], "alertmanager_cluster_messages_received_total{msg_type=\"update\"}")
                            >= paged);

            cluster.get(0).kill();
            first.close();
            started.remove(first);
            for (AccessAlert a : late) {
                send(a);
            }
            Await.until("pages for every alert", WAIT, () -> pages(pager, "firing").keySet()
                    .containsAll(ids(late)));
            for (AccessAlert a : early) {
                send(AccessAlert.newBuilder(a).setStatus(AlertStatus.RESOLVED).build());
            }
            for (AccessAlert a : late) {
                send(AccessAlert.newBuilder(a).setStatus(AlertStatus.RESOLVED).build());
            }
            List<String> all = new ArrayList<>(ids(early));
            all.addAll(ids(late));
            Await.until("resolution pages for every alert", WAIT, () -> pages(pager, "resolved").keySet()
                    .containsAll(all));

            // Every firing page came before its alert's resolution was posted, and the resolutions after the
            // survivor had flushed each group again: a page sent twice would be among them.
            assertThat(pages(pager, "firing")).as("firing pages per alert").containsOnlyKeys(all)
                    .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
            assertThat(pages(pager, "resolved")).as("resolution pages per alert").containsOnlyKeys(all)
                    .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
        }
    }

    private static List<String> ids(List<AccessAlert> alerts) {
        return alerts.stream().map(AccessAlert::getAlertId).toList();
    }

    /** How many pager notifications named each alert (by alert_id) in the state {@code status}. */
    private static Map<String, Integer> pages(FakeHttpEndpoint pager, String status) throws Exception {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (FakeHttpEndpoint.Request request : pager.posts()) {
            if (!request.path().equals("/page")) {
                continue;
            }
            for (JsonNode alert : JSON.readTree(request.body()).path("alerts")) {
                if (alert.path("status").asText().equals(status)) {
                    out.merge(alert.path("labels").path("alert_id").asText(), 1, Integer::sum);
                }
            }
        }
        return out;
    }
}
