package org.accessdetector.live;

import static org.accessdetector.testing.LiveStory.agreements;
import static org.accessdetector.testing.LiveStory.calls;
import static org.accessdetector.testing.LiveStory.consents;
import static org.accessdetector.testing.LiveStory.storyCallsAsAppended;
import static org.accessdetector.testing.LiveStory.withoutProbes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.accessdetector.kafka.DeadLetter;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.testing.Await;
import org.accessdetector.testing.Flink;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.LiveStory;
import org.accessdetector.testing.LiveTestJob;
import org.accessdetector.testing.Story;
import org.accessdetector.testing.Verdicts;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The live job end to end with a real Kafka broker (a separate KRaft process) and the real Flink runtime:
 * records produced with a plain producer, outputs read with a plain read_committed consumer.
 */
@org.junit.jupiter.api.Tag("long")
class LiveJobITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    private static final Duration WAIT = Duration.ofSeconds(90);
    /** How long one probe waits for its verdict: longer than a checkpoint interval, which commits it. */
    private static final AtomicInteger RUN = new AtomicInteger();

    private Topics topics;
    private Configuration conf;
    private KafkaClients kafka;
    private JobClient job;
    private LiveStory story;

    @BeforeEach
    void setUp() throws Exception {
        // Fresh topics per test, so tests do not see each other's records.
        String suffix = "-" + RUN.incrementAndGet();
        // The live defaults and event-time settings of `run`: event time follows the calls, so a story from
        // 2018 works as it is.
        conf = LiveTestJob.configuration(KAFKA.bootstrapServers(), suffix);
        topics = LiveTestJob.createTopics(conf);
        kafka = new KafkaClients(KAFKA.bootstrapServers());
        story = new LiveStory(kafka, topics, conf);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        kafka.close();
    }

    private void tick(String time) throws Exception {
        story.tick(time);
    }

    private void awaitControlRecordsLoaded() throws Exception {
        story.awaitControlRecordsLoaded("probe-");
    }

    private List<Violation> kafkaViolationsInForce(Set<String> expected) {
        return story.violationsInForce(expected);
    }

    private void startJob() throws Exception {
        job = LiveTestJob.start(conf, "live-job-test");
    }

    /** The violations in force at the end of what was read, as brief lines. */
    private static Set<String> brief(List<Violation> violations) {
        return Verdicts.brief(Verdicts.inForce(violations));
    }

    /**
     * Detection latency is measured from the broker's append time of the call to that of its violation: each
     * per-call violation must carry exactly its call's log-append timestamp, and be appended after it.
     */
    private void assertEachCallViolationCarriesItsCallsAppendTime(List<Violation> violations) {
        Map<String, Long> callAppended = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(topics.calls().name())) {
            assertThat(r.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            callAppended.putIfAbsent(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), r.timestamp()); // a redelivery is judged as first delivered
        }
        Map<String, ConsumerRecord<byte[], byte[]>> violationRecords = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(topics.violations().name())) {
            assertThat(r.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
            violationRecords.put(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8), r);
        }
        List<Violation> perCall = violations.stream().filter(v -> v.getCallId() != null).toList();
        assertThat(perCall).isNotEmpty().allSatisfy(v -> {
            assertThat(v.getCallAppendedAt()).as(v.getCallId()).isEqualTo(callAppended.get(v.getCallId()));
            assertThat(violationRecords.get(v.getViolationId()).timestamp()).isGreaterThanOrEqualTo(v.getCallAppendedAt());
        });
        assertThat(violations).filteredOn(v -> v.getCallId() == null).allSatisfy(
                v -> assertThat(v.getCallAppendedAt()).as("a rate violation has no single call").isNull());
    }

    @Test
    void storyProducedToKafkaRaisesTheExpectedViolationsAndAlerts() throws Exception {
        kafka.send(topics.agreements(), agreements(Story.AGREEMENTS));
        kafka.send(topics.consents(), consents(Story.CONSENTS));
        startJob();
        awaitControlRecordsLoaded();
        kafka.send(topics.calls(), storyCallsAsAppended());
        tick("2018-12-19T12:00:00Z"); // a day later: every minute closed, every quiet period over

        List<Violation> violations = Verdicts.inForce(withoutProbes(kafkaViolationsInForce(Story.EXPECTED)));
        assertThat(brief(violations)).containsExactlyInAnyOrderElementsOf(Story.EXPECTED);
        assertThat(violations).allSatisfy(v -> assertThat(v.getDetectedAt()).isNotNull());
        assertEachCallViolationCarriesItsCallsAppendTime(violations);

        assertEveryGroupsFinalAlertIsResolvedAndCountsItsViolations(violations);

        // The evidence command every alert carries lists the group's violations from the topic.
        java.io.StringWriter evidence = new java.io.StringWriter();
        var cli = org.accessdetector.cli.DetectorCli.commandLine();
        cli.setOut(new java.io.PrintWriter(evidence, true));
        java.io.StringWriter evidenceErr = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(evidenceErr, true));
        assertThat(cli.execute("violations", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "-c", TopicOptions.VIOLATIONS.key() + "=" + topics.violations().name(),
                "--partner", "chatbank", "--rule", "NO_USER_CONSENT", "--resource", "MESSAGES", "--action", "READ",
                "--from", "2018-12-18T00:00:00Z", "--to", "2018-12-19T00:00:00Z")).isZero();
        assertThat(evidence.toString().lines().map(l -> l.replaceAll(".*\"callId\":\"([^\"]+)\".*", "$1"))
                .distinct().sorted().toList()).as(evidenceErr + " / " + evidence).containsExactly("c13", "c7");
    }

    /**
     * Once event time has moved a day past the story: every group's final alert is RESOLVED, and the alerts'
     * counts add up to the group's violations in force, each counted once (whatever was redelivered or written
     * again after a restart).
     */
    private void assertEveryGroupsFinalAlertIsResolvedAndCountsItsViolations(List<Violation> violations) {
        Map<String, Long> violationsPerGroup = new HashMap<>();
        Set<String> uniqueIds = new HashSet<>();
        for (Violation v : violations) {
            if (uniqueIds.add(v.getViolationId())) {
                violationsPerGroup.merge(v.getPartnerId() + "|" + v.getRule() + "|" + v.getResource() + "|"
                        + v.getAction(), 1L, Long::sum);
            }
        }
        Map<String, AccessAlert> finalAlerts = new HashMap<>();
        kafka.readUntil(topics.alerts().name(), seen -> {
            finalAlerts.clear();
            for (ConsumerRecord<byte[], byte[]> r : seen) {
                try {
                    AccessAlert a = topics.alerts().codec().decode(r.value());
                    boolean probes = a.getPartnerId().equals("heartbeat") || a.getPartnerId().equals("acme-phones")
                            && a.getRule().name().equals("NO_USER_CONSENT") && a.getResource().name().equals("CONTACTS");
                    if (!probes) {
                        finalAlerts.put(a.getAlertId(), a);
                    }
                } catch (DecodeException e) {
                    throw new AssertionError(e);
                }
            }
            return finalAlerts.values().stream().allMatch(a -> a.getStatus().name().equals("RESOLVED"))
                    && countsPerGroup(finalAlerts).equals(violationsPerGroup);
        }, WAIT);
        assertThat(finalAlerts.values()).allSatisfy(a -> assertThat(a.getStatus().name()).isEqualTo("RESOLVED"));
        Map<String, Long> alerted = countsPerGroup(finalAlerts);
        assertThat(alerted).isEqualTo(violationsPerGroup);
    }

    private static Map<String, Long> countsPerGroup(Map<String, AccessAlert> alerts) {
        Map<String, Long> out = new HashMap<>();
        for (AccessAlert a : alerts.values()) {
            if (a.getViolationCount() == 0) {
                continue; // all its violations retracted: it counts none
            }
            out.merge(a.getPartnerId() + "|" + a.getRule() + "|" + a.getResource() + "|" + a.getAction(),
                    (long) a.getViolationCount(), Long::sum);
        }
        return out;
    }

    /** Reads violations until {@code distinct} different story violations (besides probes) are in force. */
    private List<Violation> kafkaViolationsMatching(int distinct) {
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readUntil(topics.violations().name(),
                seen -> Verdicts.inForce(withoutProbes(story.decode(seen))).size() >= distinct, WAIT);
        return story.decode(records);
    }

    @Test
    void restartFromACheckpointAfterTheTaskManagerDiesLosesNothing(@InjectMiniCluster MiniCluster flink)
            throws Exception {
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        // RocksDB serializes every state access: recovery and the state types are tested the hard way.
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        kafka.send(topics.agreements(), agreements(Story.AGREEMENTS));
        kafka.send(topics.consents(), consents(Story.CONSENTS));
        startJob();
        awaitControlRecordsLoaded();
        kafka.send(topics.calls(), storyCallsAsAppended());
        tick("2018-12-18T09:20:00Z"); // judges the calls before 09:20, closes the 09:10 rate window
        // Some violations before the kill (which ones beyond these depends on how far event time got).
        Set<String> beforeKill = Set.of("OUT_OF_SCOPE c3", "NO_USER_CONSENT c4", "FRIEND_DATA c8");
        assertThat(brief(story.decode(kafka.readUntil(topics.violations().name(),
                seen -> brief(story.decode(seen)).containsAll(beforeKill), WAIT)))).containsAll(beforeKill);

        // Let a checkpoint complete with that state, then kill the only TaskManager mid-stream.
        long checkpoints = completedCheckpoints(flink);
        Await.until("two more checkpoints", WAIT, () -> completedCheckpoints(flink), n -> n >= checkpoints + 2);
        flink.terminateTaskManager(0).get();
        flink.startTaskManager();
        tick("2018-12-19T12:00:00Z");

        List<Violation> violations = withoutProbes(kafkaViolationsInForce(Story.EXPECTED));
        assertThat(brief(violations)).containsExactlyInAnyOrderElementsOf(Story.EXPECTED);

        // No violation counted twice in its alert, although the restarted job read part of the story again.
        assertEveryGroupsFinalAlertIsResolvedAndCountsItsViolations(Verdicts.inForce(violations));
    }

    private long completedCheckpoints(MiniCluster flink) throws Exception {
        return flink.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot().getCounts()
                .getNumberOfCompletedCheckpoints();
    }

    @Test
    void revocationProducedAfterTheCallsItCoversStillFlagsThem() throws Exception {
        kafka.send(topics.agreements(), agreements(List.of(Story.AGREEMENTS.get(0)))); // acme-phones v1
        kafka.send(topics.consents(), consents(Story.CONSENTS));
        startJob();
        awaitControlRecordsLoaded();
        kafka.send(topics.calls(), calls(List.of(
                Story.call("before", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T09:59:00Z", ""),
                Story.call("after-1", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T10:01:00Z", ""),
                Story.call("after-2", "acme-phones", "alice", null, "MESSAGES", "READ", "2018-12-18T10:02:00Z", ""),
                // a marker: once it is reported, every call before it has been judged
                Story.call("marker", "nobody-registered", "alice", null, "PROFILE", "READ",
                        "2018-12-18T10:03:00Z", ""))));
        tick("2018-12-18T10:04:00Z");
        assertThat(brief(withoutProbes(kafkaViolationsMatching(1)))).containsExactly("NO_AGREEMENT marker");

        // The revocation from 10:00 is published only now, after the calls it covers were judged.
        kafka.send(topics.agreements(), agreements(List.of(Story.AGREEMENTS.get(1))));

        Set<String> expected = Set.of("NO_AGREEMENT marker", "AFTER_REVOCATION after-1", "AFTER_REVOCATION after-2");
        assertThat(brief(withoutProbes(kafkaViolationsInForce(expected)))).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aNewJobOfTheSameGroupReadsTheAgreementsAndConsentsAgainFromTheStart() throws Exception {
        kafka.send(topics.agreements(), agreements(List.of(Story.AGREEMENTS.get(0)))); // acme-phones v1
        startJob();
        awaitControlRecordsLoaded();
        awaitCommittedOffset(topics.agreements().name());
        job.cancel().get();
        job = null;

        // A new job (no checkpoint to restore) of the same consumer group: its state starts empty, so it must
        // read the compacted control topics from the start, not from the offsets the first job committed.
        // Otherwise the agreement is missing and the probes are reported as NO_AGREEMENT, never for consent.
        startJob();
        story.awaitControlRecordsLoaded("probe-again-");
    }

    @Test
    void callsWaitingAtStartUpAreJudgedOnlyOnceTheAgreementsAndConsentsHaveBeenRead() throws Exception {
        // A consents topic long enough to take a while to read, with alice's authorization at its end, and
        // in-scope calls of alice already waiting when the job starts.
        List<ConsentEvent> others = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            others.add(LiveStory.PARSER.parseConsent("{\"userId\":\"user-" + i + "\",\"partnerId\":\"acme-phones\","
                    + "\"type\":\"AUTHORIZED\",\"eventTime\":\"2018-06-01T00:00:00Z\"}"));
        }
        kafka.send(topics.agreements(), agreements(List.of(Story.AGREEMENTS.get(0)))); // acme-phones v1
        kafka.sendBatch(topics.consents(), others);
        kafka.send(topics.consents(), consents(Story.CONSENTS)); // alice authorized acme-phones
        List<String> waiting = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            waiting.add(Story.call("waiting-" + i, "acme-phones", "alice", null, "CONTACTS", "READ",
                    "2018-12-18T09:50:0" + i + "Z", ""));
        }
        waiting.add(Story.call("marker", "nobody-registered", "alice", null, "PROFILE", "READ",
                "2018-12-18T09:59:00Z", ""));
        kafka.send(topics.calls(), calls(waiting));
        tick("2018-12-18T09:59:01Z");

        startJob();

        // Judged before the control topics were read, the waiting calls would be raised as NO_AGREEMENT or
        // NO_USER_CONSENT (and retracted later). They are alice's calls, judged by the same subtask in event-time
        // order before the marker, so once the marker's violation is on the topic, theirs would be too.
        story.violations(v -> "marker".equals(v.getCallId()), WAIT);
        List<Violation> written = withoutProbes(story.decode(kafka.readAll(topics.violations().name())));
        assertThat(Verdicts.brief(written)).as("every record written, in force or not")
                .containsExactly("NO_AGREEMENT marker");
    }

    private void awaitCommittedOffset(String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", KAFKA.bootstrapServers()))) {
            Await.until("an offset of " + topic + " committed", WAIT, () -> admin.listConsumerGroupOffsets(
                    conf.get(LiveOptions.GROUP_ID)).partitionsToOffsetAndMetadata().get().entrySet().stream()
                    .anyMatch(e -> e.getKey().topic().equals(topic) && e.getValue() != null
                            && e.getValue().offset() > 0));
        }
    }

    @Test
    void undecodableRecordsGoToTheDeadLetterTopicAndTheRestIsJudged() throws Exception {
        kafka.send(topics.agreements(), agreements(Story.AGREEMENTS));
        startJob();
        awaitControlRecordsLoaded();
        PartnerApiCall good = LiveStory.PARSER.parseCall(Story.call("good", "unregistered", "alice", null,
                "PROFILE", "READ", "2018-12-18T09:00:00Z", ""));
        byte[] valid = topics.calls().codec().encode(good);
        Map<String, byte[]> bad = new java.util.LinkedHashMap<>();
        bad.put("wrong-marker", "{\"callId\":\"json is not avro\"}".getBytes(StandardCharsets.UTF_8));
        byte[] unknownFingerprint = valid.clone();
        unknownFingerprint[2] ^= 0x5A; // the fingerprint follows the two marker bytes
        bad.put("unknown-fingerprint", unknownFingerprint);
        bad.put("truncated", java.util.Arrays.copyOf(valid, valid.length / 2));
        byte[] corrupt = valid.clone();
        for (int i = 10; i < corrupt.length; i++) {
            corrupt[i] = (byte) 0xFF;
        }
        bad.put("corrupt", corrupt);
        bad.put("lying-length", lyingLength(valid));
        bad.put("empty", new byte[0]);
        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            kafka.sendRaw(topics.calls().name(), e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue());
        }
        kafka.send(topics.calls(), List.of(good));
        tick("2018-12-18T09:00:01Z");

        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readUntil(topics.deadLetters().name(),
                seen -> seen.size() >= bad.size(), WAIT);
        assertThat(dead).hasSize(bad.size());
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            String key = new String(d.key(), StandardCharsets.UTF_8);
            assertThat(d.value()).as(key).isEqualTo(bad.get(key));
            assertThat(header(d, DeadLetter.HEADER_SOURCE_TOPIC)).isEqualTo(topics.calls().name());
            assertThat(header(d, DeadLetter.HEADER_PARTITION)).isNotBlank();
            assertThat(header(d, DeadLetter.HEADER_OFFSET)).isNotBlank();
            assertThat(header(d, DeadLetter.HEADER_REASON)).as(key).isNotBlank();
        }
        assertThat(brief(withoutProbes(kafkaViolationsMatching(1)))).containsExactly("NO_AGREEMENT good");
        assertThat(job.getJobStatus().get().isGloballyTerminalState()).as("the job keeps running").isFalse();
    }

    /** A valid header followed by a record whose first string claims to be 2 GiB long. */
    private static byte[] lyingLength(byte[] valid) {
        byte[] header = java.util.Arrays.copyOf(valid, 10);
        // zig-zag varint for 2^31 - 2 (an even number encodes a positive length)
        byte[] huge = {(byte) 0xFC, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F};
        byte[] out = new byte[header.length + huge.length + 3];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(huge, 0, out, header.length, huge.length);
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
