package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.accessdetector.cli.DetectorCli;
import org.accessdetector.kafka.AccessModel;
import org.accessdetector.kafka.AccessModel.Role;
import org.accessdetector.kafka.KafkaConnection;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.TopicReader;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.LocalKafkaBroker;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.testing.Await;
import org.accessdetector.testing.FinalOutput;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.LiveStory;
import org.accessdetector.testing.LiveTestJob;
import org.accessdetector.testing.Ports;
import org.accessdetector.testing.Story;
import org.accessdetector.testing.Tools;
import org.accessdetector.testing.Verdicts;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system on a secure broker (SASL_SSL, SCRAM, ACLs of {@link AccessModel}), each part as its own principal:
 * the agreements publisher and the simulator write their topics, the live job (parallelism 2, production
 * settings) reads them and writes the story's verdicts, a responder reads them, and the alert router (its own
 * jar) delivers the alerts to a real Alertmanager. A principal without the right is refused: the simulator
 * cannot publish an agreement, a responder cannot write a call, the router cannot read violations.
 */
@Tag("long")
class SecureBrokerITCase {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    private static LocalKafkaBroker broker;

    @TempDir
    Path dir;

    private final List<Process> processes = new ArrayList<>();
    private JobClient job;

    @BeforeAll
    static void startSecureBroker() throws Exception {
        broker = LocalKafkaBroker.builder()
                .secure(Arrays.stream(Role.values()).map(r -> r.user).toList())
                .build().start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
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
    void everyPartWorksAsItsOwnPrincipalAndWhatItMayNotDoIsRefused() throws Exception {
        Configuration conf = LiveTestJob.configuration(broker.bootstrapServers(), "-secure");
        Topics topics = Topics.from(conf);
        try (TopicAdmin admin = new TopicAdmin(connection(conf, LocalKafkaBroker.ADMIN))) {
            admin.createOrUpdate(topics);
            admin.grant(new AccessModel(topics, conf.get(LiveOptions.GROUP_ID), AccessModel.RouterSettings.DEFAULTS,
                    java.util.Map.of()));
        }

        // The agreements publisher's CLI, with its client settings, publishes; the simulator's may not.
        String[] topicArgs = topicArgs();
        assertThat(cli("agreements", "publish", REPO.resolve("agreements/partners.yaml").toString(),
                Role.SIMULATOR, topicArgs)).as("the simulator publishing agreements").isEqualTo(DetectorCli.REFUSED);
        try (KafkaClients publisher = new KafkaClients(connection(conf, Role.AGREEMENTS.user))) {
            publisher.sendBatch(topics.agreements(), LiveStory.agreements(Story.AGREEMENTS));
        }
        assertThat(cli("agreements", "revoke", "--partner", "streamly", "--at", "2018-12-18T13:00:00Z",
                Role.AGREEMENTS, topicArgs)).as("the publisher revoking an agreement").isZero();
        List<PartnerAgreement> agreements = TopicReader.readAll(connection(conf, Role.RESPONDER.user),
                topics.agreements());
        assertThat(agreements).hasSize(Story.AGREEMENTS.size() + 1)
                .anyMatch(a -> a.getPartnerId().equals("streamly") && a.getVersion() == 2
                        && a.getStatus() == org.accessdetector.schema.AgreementStatus.REVOKED);

        // The detector, as its own principal, judges what the platform's side (the simulator) writes; a
        // responder reads the verdicts.
        try (KafkaClients simulator = new KafkaClients(connection(conf, Role.SIMULATOR.user),
                connection(conf, Role.RESPONDER.user));
                KafkaClients responder = new KafkaClients(connection(conf, Role.RESPONDER.user))) {
            Configuration detector = conf.clone();
            KafkaConnection.addClientConfig(detector, broker.clientConfig(Role.DETECTOR.user));
            job = LiveTestJob.start(detector, "secure-detector");
            simulator.sendBatch(topics.consents(), LiveStory.consents(Story.CONSENTS));
            LiveStory story = new LiveStory(simulator, topics, conf);
            story.awaitControlRecordsLoaded("probe-");
            simulator.sendBatch(topics.calls(), LiveStory.storyCallsAsAppended());
            FinalOutput.sendEndMarkers(simulator, topics, topics.partitions(),
                    Instant.parse("2018-12-18T12:00:00Z").toEpochMilli());

            // The hand-derived story, exactly.
            assertThat(Verdicts.brief(LiveStory.withoutProbes(story.violationsInForce(Story.EXPECTED)).stream()
                    .filter(v -> !v.getPartnerId().equals(FinalOutput.MARKER_PARTNER)).toList()))
                    .containsExactlyInAnyOrderElementsOf(Story.EXPECTED);

            // A responder may not write what the platform writes.
            assertThatThrownBy(() -> responder.sendBatch(topics.calls(), LiveStory.calls(Story.CALLS.subList(0, 1))))
                    .hasRootCauseInstanceOf(TopicAuthorizationException.class);
        }

        // The router, as its own principal, delivers the alerts; it may not read the violations.
        int amPort = Ports.free();
        startAlertmanager(amPort);
        Path routerConfig = broker.clientConfig(Role.ROUTER.user);
        spawn("router", javaBinary(), "-jar", REPO.resolve("alerting/target/alert-router.jar").toString(),
                "--bootstrap-servers", broker.bootstrapServers(), "--client-config", routerConfig.toString(),
                "--topic", topics.alerts().name(), "--alertmanager-url", "http://127.0.0.1:" + amPort,
                "--metrics-port", Integer.toString(Ports.free()));
        // What fires at the end of the story (the detector resolved the alerts of its earlier hours) is what
        // the on-call receiver's Alertmanager holds.
        java.util.Map<String, org.accessdetector.schema.AccessAlert> latest = new java.util.HashMap<>();
        TopicReader.readAll(connection(conf, Role.RESPONDER.user), topics.alerts()).forEach(a -> latest.put(a.getAlertId(), a));
        java.util.Set<String> firing = new java.util.TreeSet<>();
        latest.values().stream().filter(a -> a.getStatus() == org.accessdetector.schema.AlertStatus.FIRING)
                .forEach(a -> firing.add(a.getAlertId()));
        assertThat(latest.values()).as("the streamly lapse still fires")
                .anyMatch(a -> a.getPartnerId().equals("streamly") && firing.contains(a.getAlertId()));
        JsonNode alerts = Await.until("the firing alerts in Alertmanager", WAIT, () -> activeAlerts(amPort),
                a -> a != null && alertIds(a).equals(firing));
        assertThat(alertIds(alerts)).isEqualTo(firing);
        assertThatThrownBy(() -> TopicReader.readAll(connection(conf, Role.ROUTER.user), topics.violations()))
                .isInstanceOf(TopicAuthorizationException.class);
    }

    /** The job's settings with a user's client properties file, as --client-config adds them. */
    private static KafkaConnection connection(Configuration conf, String user) throws IOException {
        Configuration c = conf.clone();
        KafkaConnection.addClientConfig(c, broker.clientConfig(user));
        return KafkaConnection.from(c);
    }

    private static String[] topicArgs() {
        List<String> args = new ArrayList<>();
        for (var option : TopicOptions.NAMES) {
            args.addAll(List.of("-c", option.key() + "=" + option.defaultValue() + "-secure"));
        }
        return args.toArray(String[]::new);
    }

    private static int cli(String command, String sub, String arg1, Role role, String[] topicArgs) {
        return cli(new String[] {command, sub, arg1}, role, topicArgs);
    }

    private static int cli(String command, String sub, String f1, String v1, String f2, String v2, Role role,
            String[] topicArgs) {
        return cli(new String[] {command, sub, f1, v1, f2, v2}, role, topicArgs);
    }

    private static int cli(String[] args, Role role, String[] topicArgs) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--bootstrap-servers", broker.bootstrapServers(), "--client-config",
                broker.clientConfig(role.user).toString()));
        all.addAll(List.of(topicArgs));
        return DetectorCli.run(all.toArray(String[]::new));
    }

    private static java.util.Set<String> alertIds(JsonNode alerts) {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        alerts.forEach(a -> ids.add(a.get("labels").get("alert_id").asText()));
        return ids;
    }

    private void startAlertmanager(int port) throws Exception {
        spawn("alertmanager", Tools.tool("prometheus-alertmanager").toString(),
                "--config.file=" + REPO.resolve("alerting/alertmanager/alertmanager.yml"),
                "--storage.path=" + Files.createTempDirectory(dir, "am"),
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=");
        Await.until("Alertmanager", WAIT, () -> {
            try {
                return get("http://127.0.0.1:" + port + "/api/v2/status");
            } catch (IOException starting) {
                return null;
            }
        }, s -> s != null && s.contains("cluster"));
    }

    private static JsonNode activeAlerts(int port) throws Exception {
        try {
            return JSON.readTree(get("http://127.0.0.1:" + port + "/api/v2/alerts?active=true"));
        } catch (IOException notUp) {
            return null;
        }
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private void spawn(String name, String... command) throws IOException {
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start());
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
