package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.accessdetector.cli.ClusterJob;
import org.accessdetector.flink.local.FlinkRest;
import org.accessdetector.flink.local.LocalFlinkCluster;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.Violation;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.testing.Await;
import org.accessdetector.testing.FinalOutput;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.LiveTestJob;
import org.accessdetector.testing.SimulatedRun;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job jar on a real Flink session cluster (a JobManager and two TaskManagers, each its own JVM, one slot each, so
 * that a job of parallelism 2 spans both), submitted through the REST API as `flink run` submits it, through the
 * faults production meets. After each fault the output must be what it would have been without it: the violations
 * in force are the simulator's oracle's, the alerts count them, and no violation or alert record is written twice
 * (by id, the same thing said again): exactly-once through the fault, with the job's production settings.
 */
@Tag("long")
class ClusterFaultsITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** Avro's caps on declared sizes, as the launcher sets them for every JVM (see the pom's avro.limits). */
    private static final List<String> AVRO_LIMITS = List.of("org.apache.avro.limits.string.maxLength",
            "org.apache.avro.limits.bytes.maxLength", "org.apache.avro.limits.collectionItems.maxLength");
    private static final Duration DEPLOY = Duration.ofMinutes(4);
    private static final Duration OUTPUT = Duration.ofMinutes(6);
    private static final AtomicInteger RUN = new AtomicInteger();

    private static LocalFlinkCluster cluster;
    private static String jar;

    private String job;

    @BeforeAll
    static void startCluster() throws Exception {
        // Under target/, kept: the processes' logs are there to read when a fault test fails.
        Path dir = java.nio.file.Files.createTempDirectory(java.nio.file.Files.createDirectories(Path.of("target")),
                "cluster-faults-");
        LocalFlinkCluster.Builder builder = LocalFlinkCluster.builder().dir(dir).taskManagers(2).slotsPerTaskManager(1);
        for (String limit : AVRO_LIMITS) {
            builder.jvmOption("-D" + limit + "=" + System.getProperty(limit));
        }
        cluster = builder.build().start();
        // The shaded job jar the package phase built, as a user would submit it.
        jar = cluster.rest().uploadJar(Path.of("target", "detector-job.jar"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @AfterEach
    void cancelJob() throws Exception {
        if (job != null && !List.of("CANCELED", "FINISHED", "FAILED").contains(cluster.rest().jobState(job))) {
            cluster.rest().cancel(job);
        }
    }

    /**
     * kill -9 of a TaskManager while calls stream in, after a checkpoint: the job restarts from that checkpoint on a
     * replacement TaskManager, and what the dead one had written since (in open transactions) never counts.
     */
    @Test
    void aTaskManagerKilledMidStreamRecoversFromItsCheckpointWithNothingLostOrRepeated() throws Exception {
        Story story = story(31);
        try (KafkaClients kafka = new KafkaClients(KAFKA.bootstrapServers())) {
            job = runFirstHalf(kafka, story, story.conf());
            // So that the job restarts from a checkpoint, not from the start (exactly-once commits on checkpoints, so
            // committed violations already imply one; any other delivery guarantee must wait here).
            Await.until("a checkpoint before the kill", OUTPUT, () -> cluster.rest().completedCheckpoints(job) > 0);

            // The second half streams in while one of the two TaskManagers dies.
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> sendInOrder(kafka, story.secondHalf()));
            String victim = cluster.taskManagers().keySet().iterator().next();
            cluster.killTaskManager(victim);
            sending.get();
            cluster.startTaskManager();
            cluster.rest().awaitAllTasksRunning(job, DEPLOY);

            assertThat(cluster.rest().restarts(job)).as("restarts after the kill").isPositive();
            JsonNode restored = cluster.rest().get("/jobs/" + job + "/checkpoints").path("latest").path("restored");
            assertThat(restored.path("is_savepoint").asBoolean(true)).as("restored from a checkpoint: " + restored)
                    .isFalse();
            assertThat(restored.path("id").asLong()).as("the checkpoint restored").isPositive();
            assertOutputAsWithoutFaults(kafka, story);
        }
    }

    /**
     * kill -9 of the broker while the job runs, and a restart on the same data and ports: the job's consumers and
     * transactional producers ride through the outage (reconnecting, or restarting from a checkpoint).
     */
    @Test
    void theBrokerKilledAndRestartedMidStreamLeavesNothingLostOrRepeated() throws Exception {
        Story story = story(33);
        try (KafkaClients kafka = new KafkaClients(KAFKA.bootstrapServers())) {
            job = runFirstHalf(kafka, story, story.conf());
        }
        long killed = KAFKA.broker().pid().orElseThrow();
        KAFKA.broker().kill();
        assertThat(ProcessHandle.of(killed).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        KAFKA.broker().start();
        try (KafkaClients kafka = new KafkaClients(KAFKA.bootstrapServers())) {
            kafka.sendInOrder(story.secondHalf());
            cluster.rest().awaitAllTasksRunning(job, DEPLOY);
            assertOutputAsWithoutFaults(kafka, story);
        }
    }

    /**
     * stop-with-savepoint (as `flink stop`), then the same jar resumed from the savepoint at parallelism 1, with
     * RocksDB and incremental checkpoints: state moves between key groups and backends' files without a change in
     * the verdicts.
     */
    @Test
    void stopWithSavepointThenResumeAtAnotherParallelismOnRocksDbKeepsEveryVerdict() throws Exception {
        Story story = story(32);
        Configuration conf = story.conf();
        conf.setString("state.backend.type", "rocksdb");
        conf.setString("execution.checkpointing.incremental", "true");
        try (KafkaClients kafka = new KafkaClients(KAFKA.bootstrapServers())) {
            job = runFirstHalf(kafka, story, conf);

            String savepoint = cluster.rest().stopWithSavepoint(job, cluster.savepoints(), DEPLOY);
            assertThat(cluster.rest().jobState(job)).isEqualTo("FINISHED");
            kafka.sendInOrder(story.secondHalf()); // while no job runs: a backlog for the resumed one
            job = submit(conf, 1, savepoint);
            cluster.rest().awaitAllTasksRunning(job, DEPLOY);
            JsonNode vertices = cluster.rest().get("/jobs/" + job).path("vertices");
            assertThat(vertices).allSatisfy(v -> assertThat(v.path("parallelism").asInt()).isEqualTo(1));
            JsonNode restored = cluster.rest().get("/jobs/" + job + "/checkpoints").path("latest").path("restored");
            assertThat(restored.path("is_savepoint").asBoolean()).as("restored from the savepoint: " + restored).isTrue();
            assertOutputAsWithoutFaults(kafka, story);
        }
    }

    /** A simulated run on topics of its own: three minutes of calls, with revocations, bursts and consent changes. */
    private record Story(Configuration conf, Topics topics, SimulatedRun traffic,
            List<ProducerRecord<byte[], byte[]>> firstHalf, List<ProducerRecord<byte[], byte[]>> secondHalf) {}

    private static Story story(int seed) throws Exception {
        Configuration conf = LiveTestJob.configuration(KAFKA.bootstrapServers(), "-cluster" + RUN.incrementAndGet());
        Topics topics = LiveTestJob.createTopics(conf);
        long start = System.currentTimeMillis() - Duration.ofMinutes(20).toMillis();
        SimulatedRun traffic = SimulatedRun.of(SimulationSettings.builder().seed(seed).callsPerSecond(100)
                .duration(Duration.ofMinutes(3)).startTime(start).revocationsPerHour(60).burstsPerHour(1200)
                .build(), topics);
        List<ProducerRecord<byte[], byte[]>> records = traffic.records();
        int half = records.size() / 2;
        return new Story(conf, topics, traffic, records.subList(0, half), records.subList(half, records.size()));
    }

    /** Submits the live job as `flink run` would: the jar's cluster entry class with `detector run`'s arguments. */
    private static String submit(Configuration conf, int parallelism, String savepoint) throws Exception {
        List<String> args = new ArrayList<>();
        conf.toMap().forEach((key, value) -> {
            args.add("-c");
            args.add(key + "=" + value);
        });
        FlinkRest.Run run = FlinkRest.Run.entryClass(ClusterJob.class.getName()).args(args).parallelism(parallelism);
        return cluster.rest().run(jar, savepoint == null ? run : run.fromSavepoint(savepoint));
    }

    /**
     * The agreements, the job at parallelism 2, the first half of the story; returns the job once the sink has
     * committed violations (a checkpoint covered part of the stream).
     */
    private static String runFirstHalf(KafkaClients kafka, Story story, Configuration conf) throws Exception {
        kafka.sendBatch(story.topics().agreements(), story.traffic().initialAgreements());
        String job = submit(conf, 2, null);
        cluster.rest().awaitAllTasksRunning(job, DEPLOY);
        kafka.sendInOrder(story.firstHalf());
        List<ConsumerRecord<byte[], byte[]>> seen =
                kafka.readUntil(story.topics().violations().name(), r -> !r.isEmpty(), OUTPUT);
        assertThat(seen).as("violations committed before the fault").isNotEmpty();
        return job;
    }

    private static void sendInOrder(KafkaClients kafka, List<ProducerRecord<byte[], byte[]>> records) {
        try {
            kafka.sendInOrder(records);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertOutputAsWithoutFaults(KafkaClients kafka, Story story) throws Exception {
        int partitions = story.conf().get(TopicOptions.PARTITIONS);
        FinalOutput.sendEndMarkers(kafka, story.topics(), partitions, story.traffic().lastEventTime());
        FinalOutput.assertIs(kafka, story.topics(), partitions, story.traffic().expected(), OUTPUT);

        List<Violation> violations = kafka.readAll(story.topics().violations().name()).stream()
                .map(r -> decode(story.topics().violations(), r)).toList();
        assertThat(repeats(violations, Violation::getViolationId,
                v -> Violation.newBuilder(v).setDetectedAt(null).build()))
                .as("violation records that repeat the one before of their id").isEmpty();
        List<AccessAlert> alerts = kafka.readAll(story.topics().alerts().name()).stream()
                .map(r -> decode(story.topics().alerts(), r)).toList();
        assertThat(repeats(alerts, AccessAlert::getAlertId, a -> AccessAlert.newBuilder(a).setDetectedAt(null).build()))
                .as("alert records that repeat the one before of their id").isEmpty();
    }

    /**
     * The records that say again what the previous record of the same id said (apart from when it was written): what
     * a replay after a failure writes when delivery is not exactly-once.
     */
    static <T> List<T> repeats(List<T> records, java.util.function.Function<T, String> id,
            java.util.function.UnaryOperator<T> withoutWallClock) {
        Map<String, T> previous = new HashMap<>();
        List<T> out = new ArrayList<>();
        for (T r : records) {
            T said = withoutWallClock.apply(r);
            if (said.equals(previous.put(id.apply(r), said))) {
                out.add(r);
            }
        }
        return out;
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> T decode(Topics.Topic<T> topic,
            ConsumerRecord<byte[], byte[]> r) {
        try {
            return topic.codec().decode(r.value());
        } catch (org.accessdetector.avro.DecodeException e) {
            throw new AssertionError("the detector wrote an undecodable " + topic.name() + " record", e);
        }
    }
}
