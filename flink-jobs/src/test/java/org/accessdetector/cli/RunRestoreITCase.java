package org.accessdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.accessdetector.config.DetectorOptions;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.testing.Await;
import org.accessdetector.testing.Listeners;
import org.accessdetector.testing.FinalOutput;
import org.accessdetector.testing.SimulatedRun;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.Ports;
import org.accessdetector.testing.TestData;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./detector run} as an operator starts it (its own JVM, the launcher's JVM options, a working directory
 * of its own) against a real broker: killed with SIGKILL and started again under the same job name, it resumes
 * from its newest complete checkpoint, so the alerts it had open are updated under their ids, not opened again.
 */
class RunRestoreITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final String JOB = "restore-test";
    private static final Path CHECKPOINTS = RunCommand.localCheckpoints(JOB);
    private static final Pattern RESUMING = Pattern.compile("Resuming job " + JOB + " from checkpoint "
            + Pattern.quote(CHECKPOINTS.toString()) + "/[0-9a-f]{32}/chk-(\\d+) "
            + "\\(completed \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)");
    private static final AtomicInteger RUN = new AtomicInteger();
    /** Alerts stay open across the restart, however long the machine takes. */
    private static final String[] ALERTS_STAY_OPEN = {"-c", DetectorOptions.ALERT_QUIET_PERIOD.key() + "=1h"};

    /** The working directory of the runs: their .local/checkpoints land here. */
    @TempDir
    Path workDir;

    private final List<Process> started = new ArrayList<>();
    private Topics topics;
    private final List<String> topicArgs = new ArrayList<>();
    private KafkaClients kafka;

    /** Each test has topics of its own on the shared broker. */
    @BeforeEach
    void createTopics() throws Exception {
        String suffix = "-" + RUN.incrementAndGet();
        Configuration conf = new Configuration();
        for (var option : TopicOptions.NAMES) {
            conf.set(option, option.defaultValue() + suffix);
            topicArgs.addAll(List.of("-c", option.key() + "=" + option.defaultValue() + suffix));
        }
        topics = Topics.from(conf);
        try (TopicAdmin admin = new TopicAdmin(KAFKA.bootstrapServers())) {
            admin.createOrUpdate(topics);
        }
        kafka = new KafkaClients(KAFKA.bootstrapServers());
    }

    @AfterEach
    void stopWhatWasStarted() throws Exception {
        for (Process p : started) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        kafka.close();
    }

    @Test
    void aRunKilledWithSigkillResumesFromItsLastCheckpointAndUpdatesTheAlertsItHadOpen() throws Exception {
        kafka.send(topics.agreements(), List.of(TestData.agreement(1).build())); // grants nothing: calls break it
        List<PartnerApiCall> beforeKill = calls("before-", 3);
        kafka.send(topics.calls(), beforeKill);

        Run first = startRun(ALERTS_STAY_OPEN);
        assertThat(first.awaitStartLine()).isEqualTo("Starting job " + JOB + " fresh (no checkpoint under "
                + CHECKPOINTS + ")");
        Set<String> groupsOpen = groupsOf(awaitViolationsOf(beforeKill));
        Map<String, String> alertIdByGroup = awaitAlertsUpdatedSince(groupsOpen, Long.MIN_VALUE);
        // A checkpoint started after those alerts were out holds them in its state.
        long startedBefore = highestCheckpointStarted();
        // Until the group has committed its offsets past these calls, a job that is not restored would read them
        // again and open the very same alert (its id comes from its first violation): the ids would not tell.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            Await.until("the group's offsets committed past the calls", WAIT,
                    () -> committedOffsets(admin, topics.calls().name()) >= beforeKill.size());
        }
        long holdingTheAlerts = Await.until("a checkpoint started after the alerts were seen", WAIT,
                () -> LocalCheckpoints.latestComplete(workDir.resolve(CHECKPOINTS))
                        .map(LocalCheckpoints.Checkpoint::id).orElse(-1L),
                id -> id > startedBefore);

        first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no cancellation, no final checkpoint
        assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();

        Run second = startRun(ALERTS_STAY_OPEN);
        String resuming = second.awaitStartLine();
        Matcher line = RESUMING.matcher(resuming);
        assertThat(line.matches()).as(resuming).isTrue();
        assertThat(Long.parseLong(line.group(1))).isGreaterThanOrEqualTo(holdingTheAlerts);
        assertThat(second.stdout()).as("one line on stdout").containsExactly(resuming);

        List<PartnerApiCall> afterRestart = calls("after-", 3);
        kafka.send(topics.calls(), afterRestart);
        assertThat(groupsOf(awaitViolationsOf(afterRestart))).containsAll(groupsOpen);
        long afterRestartTime = afterRestart.stream().mapToLong(PartnerApiCall::getEventTime).min().orElseThrow();

        // The alerts open before the kill were updated by the new calls, and no group has a second alert.
        assertThat(awaitAlertsUpdatedSince(groupsOpen, afterRestartTime))
                .as("alert ids by group after the restart (another id: the alert was opened again)")
                .isEqualTo(alertIdByGroup);
        Map<String, Set<String>> alertIdsByGroup = new HashMap<>();
        for (AccessAlert a : alerts()) {
            alertIdsByGroup.computeIfAbsent(group(a), g -> new HashSet<>()).add(a.getAlertId());
        }
        for (String group : groupsOpen) {
            assertThat(alertIdsByGroup.get(group)).as(group).containsExactly(alertIdByGroup.get(group));
        }
    }

    /**
     * The equivalence through a crash: simulated traffic (late revocations, bursts, consent breaches) streamed
     * into a run that is killed with SIGKILL mid-stream and started again ends with the violations replay finds
     * in the same records, worked out by the simulator's oracle, and alert counts that add up to them, with no
     * group paged twice. Production settings throughout.
     */
    @Test
    void aRunKilledMidStreamEndsWithReplaysVerdictsAndAlertsThatAddUp() throws Exception {
        SimulatedRun traffic = SimulatedRun.of(SimulationSettings.builder().seed(10).callsPerSecond(200)
                .duration(Duration.ofMinutes(2)).startTime(System.currentTimeMillis() - Duration.ofMinutes(10).toMillis())
                .revocationsPerHour(60).burstsPerHour(1200).build(), topics);
        List<org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>> records = traffic.records();
        int half = records.size() / 2;
        kafka.sendBatch(topics.agreements(), traffic.initialAgreements());

        Run first = startRun();
        first.awaitStartLine();
        kafka.sendInOrder(records.subList(0, half));
        Await.until("violations of the first half", WAIT, () -> kafka.readAll(topics.violations().name()).size(),
                n -> n > 0);
        long startedBefore = highestCheckpointStarted();
        Await.until("a checkpoint of the first half", WAIT,
                () -> LocalCheckpoints.latestComplete(workDir.resolve(CHECKPOINTS))
                        .map(LocalCheckpoints.Checkpoint::id).orElse(-1L),
                id -> id > startedBefore);

        // The rest streams in while the run is killed, and while it is down.
        java.util.concurrent.CompletableFuture<Void> rest = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                kafka.sendInOrder(records.subList(half, records.size()));
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        first.process().destroyForcibly(); // SIGKILL
        assertThat(first.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        rest.get(2, TimeUnit.MINUTES);

        Run second = startRun();
        assertThat(second.awaitStartLine()).matches(RESUMING);
        FinalOutput.sendEndMarkers(kafka, topics, TopicOptions.PARTITIONS.defaultValue(), traffic.lastEventTime());
        FinalOutput.assertIs(kafka, topics, TopicOptions.PARTITIONS.defaultValue(), traffic.expected(),
                Duration.ofMinutes(5));
    }

    @Test
    void freshStartsOverWhateverCheckpointsThereAre() throws Exception {
        Path old = Files.createDirectories(workDir.resolve(CHECKPOINTS).resolve("0123456789abcdef0123456789abcdef")
                .resolve("chk-7"));
        Files.writeString(old.resolve(LocalCheckpoints.METADATA), "not even a checkpoint: it must not be read");

        Run run = startRun("--fresh");

        assertThat(run.awaitStartLine()).isEqualTo("Starting job " + JOB
                + " fresh (--fresh: ignoring the checkpoints under " + CHECKPOINTS + ")");
    }

    @Test
    void aRunListensOnLoopbackOnly() throws Exception {
        kafka.send(topics.agreements(), List.of(TestData.agreement(1).build()));
        List<PartnerApiCall> calls = calls("loopback-", 1);
        kafka.send(topics.calls(), calls);
        Run run = startRun();
        awaitViolationsOf(calls); // the job runs: its web UI, RPC, blob, data and metrics ports are all open

        List<java.net.InetSocketAddress> listening = Await.until("the metrics endpoint listening", WAIT,
                () -> Listeners.of(run.process().pid()),
                l -> l.stream().anyMatch(a -> a.getPort() == run.metricsPort()));
        assertThat(listening).as("what `detector run` listens on").hasSizeGreaterThan(1)
                .allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).as(a.toString()).isTrue());
    }

    /** Calls of acme-phones now (so judged within seconds by the wall clock), outside its agreement. */
    private static List<PartnerApiCall> calls(String prefix, int count) {
        long now = Instant.now().toEpochMilli();
        List<PartnerApiCall> calls = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            calls.add(TestData.call(prefix + i).setEventTime(now + i).build());
        }
        return calls;
    }

    /** The violations on the topic once each call has one. */
    private List<Violation> awaitViolationsOf(List<PartnerApiCall> calls) throws Exception {
        Set<String> ids = new HashSet<>();
        calls.forEach(c -> ids.add(c.getCallId()));
        return Await.until("violations of " + ids, WAIT, this::violations, seen -> seen.stream()
                .map(Violation::getCallId).collect(Collectors.toSet()).containsAll(ids))
                .stream().filter(v -> ids.contains(v.getCallId())).toList();
    }

    /** Waits until each group has an alert seen at or after {@code since}; returns each group's alert id. */
    private Map<String, String> awaitAlertsUpdatedSince(Set<String> groups, long since) throws Exception {
        Map<String, String> alertIdByGroup = new HashMap<>();
        Await.until("alerts of " + groups + " updated since " + since, WAIT, this::alerts, seen -> {
            alertIdByGroup.clear();
            seen.stream().filter(a -> a.getLastSeen() >= since)
                    .forEach(a -> alertIdByGroup.put(group(a), a.getAlertId()));
            return alertIdByGroup.keySet().containsAll(groups);
        });
        alertIdByGroup.keySet().retainAll(groups);
        return alertIdByGroup;
    }

    private static Set<String> groupsOf(List<Violation> violations) {
        Set<String> groups = new HashSet<>();
        violations.forEach(v -> groups.add(v.getPartnerId() + "|" + v.getRule() + "|" + v.getResource() + "|"
                + v.getAction()));
        return groups;
    }

    private static String group(AccessAlert a) {
        return a.getPartnerId() + "|" + a.getRule() + "|" + a.getResource() + "|" + a.getAction();
    }

    private List<Violation> violations() throws Exception {
        List<Violation> out = new ArrayList<>();
        for (var r : kafka.readAll(topics.violations().name())) {
            out.add(topics.violations().codec().decode(r.value()));
        }
        return out;
    }

    private List<AccessAlert> alerts() throws Exception {
        List<AccessAlert> out = new ArrayList<>();
        for (var r : kafka.readAll(topics.alerts().name())) {
            out.add(topics.alerts().codec().decode(r.value()));
        }
        return out;
    }

    /** The offsets the detector's consumer group committed on {@code topic}: how many records it read there. */
    private static long committedOffsets(Admin admin, String topic) throws Exception {
        return admin.listConsumerGroupOffsets(LiveOptions.GROUP_ID.defaultValue()).partitionsToOffsetAndMetadata()
                .get().entrySet().stream()
                .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                .mapToLong(e -> e.getValue().offset()).sum();
    }

    /** The highest number of a checkpoint directory, complete or not: Flink creates it as it triggers one. */
    private long highestCheckpointStarted() throws IOException {
        if (!Files.isDirectory(workDir.resolve(CHECKPOINTS))) {
            return -1;
        }
        try (Stream<Path> dirs = Files.find(workDir.resolve(CHECKPOINTS), 2,
                (p, attributes) -> attributes.isDirectory() && p.getFileName().toString().matches("chk-\\d+"))) {
            return dirs.mapToLong(p -> Long.parseLong(p.getFileName().toString().substring("chk-".length())))
                    .max().orElse(-1);
        }
    }

    /** A started {@code detector run} and where its output goes. */
    private record Run(Process process, Path out, Path err, int metricsPort) {

        List<String> stdout() throws IOException {
            return Files.readAllLines(out);
        }

        /** The line that says where the run starts from, the first on its stdout. */
        String awaitStartLine() throws Exception {
            return Await.until("the run's first line", WAIT, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("run exited with " + process.exitValue() + ":\n"
                            + Files.readString(err));
                }
                return stdout();
            }, lines -> !lines.isEmpty()).get(0);
        }
    }

    /** Starts {@code detector run} in a JVM of its own, as the launcher does, in the test's working directory. */
    private Run startRun(String... extraArgs) throws IOException {
        int metricsPort = Ports.free();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.add("-Xmx768m");
        command.addAll(launcherJvmOptions());
        command.add("-Dlog4j.configurationFile=" + REPO.resolve("flink-jobs/conf/log4j2-cli.properties"));
        command.add("-Djava.io.tmpdir=" + Files.createDirectories(workDir.resolve("tmp"))); // what SIGKILL leaves
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), DetectorCli.class.getName(), "run",
                "--bootstrap-servers", KAFKA.bootstrapServers(), "--job-name", JOB,
                "-c", "execution.checkpointing.interval=1s",
                // Parallelism 2, as every pipeline test, whatever a local run's default on this machine's cores.
                "-c", "parallelism.default=2",
                "-c", RunCommand.PROMETHEUS_REPORTER + "port=" + metricsPort));
        command.addAll(topicArgs);
        command.addAll(List.of(extraArgs));
        int n = started.size() + 1;
        Path out = workDir.resolve("run-" + n + ".out");
        Path err = workDir.resolve("run-" + n + ".err");
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        started.add(process);
        return new Run(process, out, err, metricsPort);
    }

    /** The JVM options ./detector passes (modules Flink needs opened, Avro's limits): the launcher is their source. */
    private static List<String> launcherJvmOptions() throws IOException {
        Matcher option = Pattern.compile("--add-(?:opens|exports)=\\S+|-Dorg\\.apache\\.avro\\.limits\\.\\S+")
                .matcher(Files.readString(REPO.resolve("detector")));
        Set<String> options = new LinkedHashSet<>();
        while (option.find()) {
            options.add(option.group());
        }
        assertThat(options).as("options parsed from ./detector").isNotEmpty();
        return List.copyOf(options);
    }
}
