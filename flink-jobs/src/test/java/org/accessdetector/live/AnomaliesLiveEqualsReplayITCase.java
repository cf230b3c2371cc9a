package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.accessdetector.benchmark.AnomalyScore;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.replay.ReplayLine;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.simulate.AnomalySimulation;
import org.accessdetector.simulate.InjectedAnomaly;
import org.accessdetector.testing.FinalOutput;
import org.accessdetector.testing.Flink;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.LiveTestJob;
import org.accessdetector.testing.ReplayRun;
import org.accessdetector.testing.Verdicts;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anomaly rules keep the live job's promise: an eight-day history with injected anomalies (the simulator's
 * ground truth), some calls sent late, through the real job on a real broker at production settings, ends with
 * exactly the anomaly violations replay finds over the same records, shadow flags and figures included, and
 * those find every injected anomaly and nothing else. Slow (a replay and a live run of ~100,000 calls).
 */
@org.junit.jupiter.api.Tag("long")
class AnomaliesLiveEqualsReplayITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    @TempDir
    Path dir;

    private KafkaClients kafka;
    private JobClient job;

    @AfterEach
    void tearDown() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void anEightDayHistoryWithLateCallsEndsWithReplaysAnomaliesAndEveryInjectedOne() throws Exception {
        AnomalySimulation simulation = new AnomalySimulation(AnomalySimulation.Settings.defaults()
                .withDays(8).withPartners(3).withStoriesPerKind(2).withSeed(5));
        AnomalySimulation.Written input = simulation.write(dir.resolve("input"));
        List<InjectedAnomaly> injected = simulation.anomalies();

        ReplayRun replay = ReplayRun.of(input.agreements(), input.consents(), input.calls(), dir.resolve("out"));
        Map<String, String> replayed = anomalyState(AnomalyScore.read(replay.out.resolve(ReplayLine.VIOLATIONS)));
        assertThat(replayed).as("replay found anomalies").isNotEmpty();

        Configuration conf = LiveTestJob.configuration(KAFKA.bootstrapServers(), "-anomalies");
        Topics topics = LiveTestJob.createTopics(conf);
        int partitions = conf.get(TopicOptions.PARTITIONS);
        kafka = new KafkaClients(KAFKA.bootstrapServers());
        JsonInputParser parser = new JsonInputParser();
        List<ConsentEvent> consents = new ArrayList<>();
        for (String line : Files.readAllLines(input.consents())) {
            consents.add(parser.parseConsent(line));
        }
        List<PartnerApiCall> calls = new ArrayList<>();
        for (String line : Files.readAllLines(input.calls())) {
            calls.add(parser.parseCall(line));
        }
        kafka.sendBatch(topics.agreements(), simulation.agreements());
        kafka.sendBatch(topics.consents(), consents);
        job = LiveTestJob.start(conf, "anomalies-live-equals-replay");
        // Every calls partition yields a call before the history arrives, as under live traffic. (A partition
        // that yields nothing for detector.watermark.max-delay after the start counts as idle; a backlog it
        // delivers after that is late to the others', beyond the horizon: a known limit, in the README.)
        FinalOutput.sendMarkers(kafka, topics, partitions, "primer-", simulation.startTime() - 60_000);
        FinalOutput.awaitMarkers(kafka, topics, partitions, "primer-", Duration.ofMinutes(3));
        send(lateWithinTheHorizon(calls, injected), topics, partitions);
        long last = calls.stream().mapToLong(PartnerApiCall::getEventTime).max().orElseThrow();
        FinalOutput.sendEndMarkers(kafka, topics, partitions, last);

        List<Violation> records = new ArrayList<>();
        kafka.readUntil(topics.violations().name(), seen -> {
            FinalOutput.decodeNew(topics, seen, records);
            return anomalyState(records).equals(replayed) && FinalOutput.endMarkersInForce(records, partitions);
        }, Duration.ofMinutes(8));
        assertThat(FinalOutput.endMarkersInForce(records, partitions)).as("event time passed the whole history").isTrue();
        assertThat(anomalyState(records)).as("live anomaly violations in force (id: shadow, figures) = replay's")
                .containsExactlyInAnyOrderEntriesOf(replayed);

        long firstSeenStories = injected.stream().filter(a -> a.rule() == ViolationRule.FIRST_SEEN).count();
        assertThat(records.stream().filter(v -> v.getRule() == ViolationRule.FIRST_SEEN && !Violations.inForce(v))
                .map(Violation::getViolationId).distinct().count())
                .as("every story's late first call made the live job retract its FIRST_SEEN and raise it again")
                .isEqualTo(firstSeenStories);
        AnomalyScore.Result score = AnomalyScore.score(injected, records.stream()
                .filter(v -> !FinalOutput.MARKER_PARTNER.equals(v.getPartnerId())).toList());
        assertThat(score.rules()).hasSize(3).allSatisfy(r -> {
            assertThat(r.injected()).as(r.rule() + " injected").isPositive();
            assertThat(r.recall()).as(r.rule() + " recall").isEqualTo(1.0);
            assertThat(r.precision()).as(r.rule() + " precision").isEqualTo(1.0);
        });
        assertThat(score.otherRules()).as("the history breaks no agreement").isEmpty();
    }

    /** What to send: calls in order, and the first calls of FIRST_SEEN stories held back until a barrier. */
    private sealed interface Send permits Record, Barrier {}

    private record Record(PartnerApiCall call) implements Send {}

    /** Once the detector has judged past {@code at}, the held first call of a story. */
    private record Barrier(long at, PartnerApiCall held) implements Send {}

    /**
     * The calls in event-time order, except one in 30, each sent after the calls of the next one to four minutes
     * (late for Kafka, and for the detector if it has read the others by then), and the first call of every
     * FIRST_SEEN story, held until the detector has judged a minute past the story's next call (at most eight
     * minutes on): late, within the ten-minute horizon, so the FIRST_SEEN raised for the second call must move.
     */
    private static List<Send> lateWithinTheHorizon(List<PartnerApiCall> calls, List<InjectedAnomaly> injected) {
        Map<String, InjectedAnomaly> storyStarts = new HashMap<>();
        for (InjectedAnomaly a : injected) {
            if (a.rule() == ViolationRule.FIRST_SEEN) {
                storyStarts.put(a.partnerId() + "@" + a.start(), a);
            }
        }
        SplittableRandom rng = new SplittableRandom(5);
        final class Held {
            long releaseAt;
            final PartnerApiCall call;
            final InjectedAnomaly story;

            Held(long releaseAt, PartnerApiCall call, InjectedAnomaly story) {
                this.releaseAt = releaseAt;
                this.call = call;
                this.story = story;
            }
        }
        List<Held> held = new ArrayList<>(); // in the order held
        List<Send> out = new ArrayList<>(calls.size());
        for (PartnerApiCall c : calls) {
            for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
                Held h = it.next();
                if (h.releaseAt < c.getEventTime()) {
                    out.add(h.story == null ? new Record(h.call) : new Barrier(h.releaseAt, h.call));
                    it.remove();
                } else if (h.story != null && sameUse(h.story, c) && c.getEventTime() > h.call.getEventTime()) {
                    h.releaseAt = Math.min(h.releaseAt, c.getEventTime() + 60_000);
                }
            }
            InjectedAnomaly story = storyStarts.get(c.getPartnerId() + "@" + c.getEventTime());
            if (story != null) {
                held.add(new Held(c.getEventTime() + 8 * 60_000, c, story));
            } else if (rng.nextInt(30) == 0) {
                held.add(new Held(c.getEventTime() + 60_000 + rng.nextLong(180_000), c, null));
            } else {
                out.add(new Record(c));
            }
        }
        held.forEach(h -> out.add(new Record(h.call)));
        return out;
    }

    private void send(List<Send> sends, Topics topics, int partitions) throws Exception {
        List<ProducerRecord<byte[], byte[]>> batch = new ArrayList<>();
        int barriers = 0;
        for (Send s : sends) {
            if (s instanceof Record r) {
                batch.add(KafkaClients.record(topics.calls(), r.call()));
            } else if (s instanceof Barrier b) {
                kafka.sendInOrder(batch);
                batch.clear();
                String prefix = "judged-past-" + (barriers++) + "-";
                FinalOutput.sendMarkers(kafka, topics, partitions, prefix, b.at());
                FinalOutput.awaitMarkers(kafka, topics, partitions, prefix, Duration.ofMinutes(3));
                batch.add(KafkaClients.record(topics.calls(), b.held()));
            }
        }
        kafka.sendInOrder(batch);
    }

    /** Whether a call is a use of what the FIRST_SEEN story made new: its scope, or its network. */
    private static boolean sameUse(InjectedAnomaly story, PartnerApiCall c) {
        if (!story.partnerId().equals(c.getPartnerId())) {
            return false;
        }
        if (story.sourceNetwork() != null) {
            return c.getActingUserId() == null && c.getSourceIp() != null
                    && AnomalyScore.canonicalNetwork(story.sourceNetwork()).equals(AnomalyScore.networkOf(c.getSourceIp()));
        }
        return story.resource() == c.getResource() && story.action() == c.getAction();
    }

    /** The anomaly violations in force at the end (the last record of each id): id to shadow flag and figures. */
    private static Map<String, String> anomalyState(List<Violation> records) {
        Map<String, String> out = new TreeMap<>();
        for (Violation v : Verdicts.inForce(records)) {
            if (Violations.isAnomaly(v.getRule()) && !FinalOutput.MARKER_PARTNER.equals(v.getPartnerId())) {
                out.put(v.getViolationId(), v.getRule() + " " + v.getStatus() + " shadow=" + v.getShadow()
                        + " observed=" + v.getObservedRecords() + " baseline=" + v.getBaseline() + " threshold="
                        + v.getThreshold() + " call=" + v.getCallId());
            }
        }
        return out;
    }
}
