package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.testing.FinalOutput;
import org.accessdetector.testing.Flink;
import org.accessdetector.testing.SimulatedRun;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.LiveTestJob;
import org.accessdetector.testing.Verdicts;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The equivalence the live job promises: whatever the arrival order and lag within the late horizon, the
 * violations in force at the end (the last record of each id, RETRACTED left out) are those replay finds,
 * here worked out independently by the simulator's oracle from the same records; and every alert group's
 * final counts add up to its violations in force. Simulated traffic through the real job on a real broker,
 * with the job's production event-time and delivery settings (nothing switched off).
 */
class LiveEqualsReplayITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    private static final AtomicInteger RUN = new AtomicInteger();

    private Topics topics;
    private Configuration conf;
    private KafkaClients kafka;
    private JobClient job;

    @BeforeEach
    void setUp() throws Exception {
        String suffix = "-eq" + RUN.incrementAndGet();
        conf = LiveTestJob.configuration(KAFKA.bootstrapServers(), suffix); // production settings throughout
        topics = LiveTestJob.createTopics(conf);
        kafka = new KafkaClients(KAFKA.bootstrapServers());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        kafka.close();
    }

    private void startJob() throws Exception {
        job = LiveTestJob.start(conf, "live-equals-replay");
    }

    /**
     * Late consents, late calls, late revocations (the simulator publishes most of them two minutes after they
     * took effect) and a backdated correction published after the calls it covers. Lateness is made, not left to
     * timing: the late records are held back until the detector has judged past the calls they cover (a marker a
     * minute past them is judged), so the detector must judge again and retract what they overturn.
     */
    @Test
    void lateCallsConsentsRevocationsAndACorrectionEndInReplaysVerdicts() throws Exception {
        long start = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        SimulatedRun traffic = SimulatedRun.of(SimulationSettings.builder().seed(8).callsPerSecond(200)
                .duration(Duration.ofMinutes(3)).startTime(start).revocationsPerHour(60).burstsPerHour(1200)
                .build(), topics);
        long split = start + Duration.ofMinutes(2).toMillis();

        // A correction of the busiest partner's agreement, backdated to a minute into the run: from then on the
        // partner's first grant is gone, so those calls are OUT_OF_SCOPE.
        PartnerAgreement correction = correctionOfBusiestPartner(traffic, start + Duration.ofMinutes(1).toMillis());
        List<PartnerAgreement> agreements = new ArrayList<>(traffic.agreements());
        agreements.add(correction);

        SplittableRandom rng = new SplittableRandom(8);
        List<ProducerRecord<byte[], byte[]>> before = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> late = new ArrayList<>();
        List<ProducerRecord<byte[], byte[]>> after = new ArrayList<>();
        for (SimulatedRun.Timed t : traffic.timed()) {
            String topic = t.record().topic();
            if (t.sendAt() > split) {
                after.add(t.record());
            } else if (topic.equals(topics.consents().name()) && rng.nextDouble() < 0.3) {
                late.add(t.record()); // authorizations, withdrawals and sharing changes, up to two minutes late
            } else if (topic.equals(topics.calls().name()) && t.eventTime() > split - 60_000 && rng.nextDouble() < 0.1) {
                late.add(t.record()); // calls of minutes already judged
            } else {
                before.add(t.record());
            }
        }
        late.add(KafkaClients.record(topics.agreements(), correction));
        int partitions = conf.get(TopicOptions.PARTITIONS);

        kafka.sendBatch(topics.agreements(), traffic.initialAgreements());
        startJob();
        kafka.sendInOrder(before);
        FinalOutput.sendMarkers(kafka, topics, partitions, "judged-past-", split + Duration.ofMinutes(1).toMillis());
        FinalOutput.awaitMarkers(kafka, topics, partitions, "judged-past-", Duration.ofMinutes(3));
        kafka.sendInOrder(late);
        kafka.sendInOrder(after);
        FinalOutput.sendEndMarkers(kafka, topics, partitions, traffic.lastEventTime());

        Set<String> expected = Verdicts.oracle(agreements, traffic.consents(), traffic.calls());
        assertThat(expected).as("the run has late revocations, a correction and consent breaches")
                .anyMatch(s -> s.startsWith("AFTER_REVOCATION"))
                .anyMatch(s -> s.startsWith("OUT_OF_SCOPE"))
                .anyMatch(s -> s.startsWith("NO_USER_CONSENT"))
                .anyMatch(s -> s.startsWith("RATE_LIMIT"));
        FinalOutput.assertIs(kafka, topics, partitions, expected, Duration.ofMinutes(5));
        assertThat(FinalOutput.retracted(kafka, topics)).as("violations the late records overturned")
                .anyMatch(s -> s.startsWith("NO_USER_CONSENT"));
    }

    /** A backlog produced while the detector was down is judged as replay judges it. */
    @Test
    void backlogOfTwoHundredThousandCallsProducedBeforeTheJobStartsIsJudgedAsReplayJudgesIt() throws Exception {
        long start = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();
        SimulatedRun traffic = SimulatedRun.of(SimulationSettings.builder().seed(9).callsPerSecond(1_300)
                .duration(Duration.ofSeconds(160)).startTime(start).revocationsPerHour(60).burstsPerHour(3600)
                .build(), topics);
        assertThat(traffic.calls()).hasSizeGreaterThanOrEqualTo(200_000);
        Set<String> expected = traffic.expected();
        assertThat(expected).as("the run has late revocations, rate breaches and consent breaches")
                .anyMatch(s -> s.startsWith("AFTER_REVOCATION"))
                .anyMatch(s -> s.startsWith("NO_USER_CONSENT"))
                .anyMatch(s -> s.startsWith("RATE_LIMIT"));

        kafka.sendBatch(topics.agreements(), traffic.initialAgreements());
        kafka.sendInOrder(traffic.records());
        FinalOutput.sendEndMarkers(kafka, topics, conf.get(TopicOptions.PARTITIONS), traffic.lastEventTime());
        startJob();

        FinalOutput.assertIs(kafka, topics, conf.get(TopicOptions.PARTITIONS), expected, Duration.ofMinutes(8));
    }

    private static PartnerAgreement correctionOfBusiestPartner(SimulatedRun traffic, long effectiveFrom) {
        Map<String, Long> callsPerPartner = new HashMap<>();
        for (PartnerApiCall c : traffic.calls()) {
            callsPerPartner.merge(c.getPartnerId(), 1L, Long::sum);
        }
        PartnerAgreement latest = null;
        for (String partner : callsPerPartner.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).map(Map.Entry::getKey).toList()) {
            for (PartnerAgreement a : traffic.agreements()) {
                if (a.getPartnerId().equals(partner) && (latest == null || a.getVersion() > latest.getVersion())) {
                    latest = a;
                }
            }
            if (latest != null && latest.getStatus() == AgreementStatus.ACTIVE && latest.getGrants().size() > 1) {
                break;
            }
            latest = null;
        }
        assertThat(latest).as("a busy partner with an active agreement of several grants").isNotNull();
        List<Grant> grants = new ArrayList<>(latest.getGrants().subList(1, latest.getGrants().size()));
        return PartnerAgreement.newBuilder(latest).setVersion(latest.getVersion() + 1).setEffectiveFrom(effectiveFrom)
                .setGrants(grants).build();
    }
}
