package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.simulate.SimEvent;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.simulate.Simulator;
import org.accessdetector.testing.Flink;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.Verdicts;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
    /** The partner of the end-of-input markers: unregistered, so each marker is a NO_AGREEMENT. */
    private static final String MARKER_PARTNER = "end-marker";

    private Topics topics;
    private Configuration conf;
    private KafkaClients kafka;
    private JobClient job;

    @BeforeEach
    void setUp() throws Exception {
        String suffix = "-eq" + RUN.incrementAndGet();
        conf = new Configuration();
        conf.set(LiveOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
        conf.set(LiveOptions.GROUP_ID, "detector" + suffix);
        for (var option : List.of(TopicOptions.CALLS, TopicOptions.AGREEMENTS, TopicOptions.CONSENTS,
                TopicOptions.VIOLATIONS, TopicOptions.ALERTS, TopicOptions.DEAD_LETTERS)) {
            conf.set(option, option.defaultValue() + suffix);
        }
        // The live defaults of `detector run`, as its users get them.
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ofMillis(20));
        conf.set(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(10));
        conf.set(org.apache.flink.configuration.ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(5));
        topics = Topics.from(conf);
        try (TopicAdmin admin = new TopicAdmin(KAFKA.bootstrapServers())) {
            admin.createOrUpdate(topics);
        }
        kafka = new KafkaClients(KAFKA.bootstrapServers());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        kafka.close();
    }

    /** One bounded simulated run: its records, and when the simulator would send each. */
    private record Traffic(List<PartnerAgreement> agreements, List<ConsentEvent> consents, List<PartnerApiCall> calls,
            List<Timed> timed, long lastEventTime) {}

    private record Timed(long sendAt, ProducerRecord<byte[], byte[]> record) {}

    private Traffic simulate(SimulationSettings settings) {
        Simulator sim = new Simulator(settings);
        List<PartnerAgreement> agreements = new ArrayList<>(sim.agreements());
        List<ConsentEvent> consents = new ArrayList<>();
        List<PartnerApiCall> calls = new ArrayList<>();
        List<Timed> timed = new ArrayList<>();
        long last = Long.MIN_VALUE;
        for (Simulator.Events events = sim.events(); events.hasNext(); ) {
            SimEvent e = events.next();
            if (e instanceof SimEvent.Call c) {
                calls.add(c.call());
                last = Math.max(last, c.call().getEventTime());
                timed.add(new Timed(e.emitAtMillis(), KafkaClients.record(topics.calls(), c.call())));
            } else if (e instanceof SimEvent.Consent c) {
                consents.add(c.event());
                timed.add(new Timed(e.emitAtMillis(), KafkaClients.record(topics.consents(), c.event())));
            } else if (e instanceof SimEvent.Agreement a) {
                agreements.add(a.agreement());
                timed.add(new Timed(e.emitAtMillis(), KafkaClients.record(topics.agreements(), a.agreement())));
            }
        }
        return new Traffic(agreements, consents, calls, timed, last);
    }

    private void startJob() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        new LiveJob(conf).build(env);
        job = env.executeAsync("live-equals-replay");
        LiveJob.awaitRunning(job);
    }

    /**
     * Calls far past the end of the traffic, one per calls partition: once they are judged in force, event time
     * has passed every earlier call, minute and alert quiet period by more than the horizon.
     */
    private void sendEndMarkers(long lastEventTime) throws Exception {
        int partitions = conf.get(TopicOptions.PARTITIONS);
        for (int p = 0; p < partitions; p++) {
            kafka.send(topics.calls(), p, PartnerApiCall.newBuilder()
                    .setCallId("end-marker-" + p).setPartnerId(MARKER_PARTNER).setSubjectUserId("nobody")
                    .setResource(org.accessdetector.schema.Resource.PROFILE)
                    .setAction(org.accessdetector.schema.Action.READ)
                    .setEventTime(lastEventTime + Duration.ofMinutes(2).toMillis()).build());
        }
    }

    /** Waits until the violations in force (markers aside) are {@code expected}, then asserts it and the alerts. */
    private void assertFinalOutputIs(Set<String> expected, Duration timeout) {
        int partitions = conf.get(TopicOptions.PARTITIONS);
        List<Violation> records = new ArrayList<>();
        long[] nextReport = {0};
        List<ConsumerRecord<byte[], byte[]>> read = kafka.readUntil(topics.violations().name(), seen -> {
            for (int i = records.size(); i < seen.size(); i++) {
                records.add(decode(topics.violations(), seen.get(i)));
            }
            List<Violation> inForce = Verdicts.inForce(records);
            long markers = inForce.stream().filter(v -> MARKER_PARTNER.equals(v.getPartnerId())).count();
            if (System.nanoTime() > nextReport[0]) {
                nextReport[0] = System.nanoTime() + 10_000_000_000L;
                Set<String> now = Verdicts.brief(withoutMarkers(inForce));
                System.err.println("DIAG " + java.time.Instant.now() + " records=" + records.size() + " markers=" + markers
                        + " missing=" + expected.stream().filter(x -> !now.contains(x)).limit(5).toList()
                        + " extra=" + now.stream().filter(x -> !expected.contains(x)).limit(5).toList());
            }
            return markers == partitions && Verdicts.brief(withoutMarkers(inForce)).equals(expected);
        }, timeout);
        assertThat(read).isNotEmpty();
        List<Violation> inForce = withoutMarkers(Verdicts.inForce(records));
        assertThat(Verdicts.brief(inForce)).as("violations in force at the end").containsExactlyElementsOf(expected);
        // At most one of the exclusive scope rules in force per call.
        Map<String, Long> scopeRulesPerCall = new HashMap<>();
        for (Violation v : inForce) {
            switch (v.getRule()) {
                case NO_AGREEMENT, AFTER_REVOCATION, OUT_OF_SCOPE -> scopeRulesPerCall.merge(v.getCallId(), 1L, Long::sum);
                default -> { }
            }
        }
        assertThat(scopeRulesPerCall.values()).allMatch(n -> n == 1);

        // Every group's alerts count exactly its violations in force (each id once, retracted ones not at all).
        Map<String, Long> expectedPerGroup = Verdicts.perGroup(inForce);
        Map<String, AccessAlert> latestAlerts = new HashMap<>();
        List<ConsumerRecord<byte[], byte[]>> alertRecords = new ArrayList<>();
        kafka.readUntil(topics.alerts().name(), seen -> {
            for (int i = alertRecords.size(); i < seen.size(); i++) {
                alertRecords.add(seen.get(i));
                AccessAlert a = decode(topics.alerts(), seen.get(i));
                if (!MARKER_PARTNER.equals(a.getPartnerId())) {
                    latestAlerts.put(a.getAlertId(), a);
                }
            }
            if (System.nanoTime() > nextReport[0]) {
                nextReport[0] = System.nanoTime() + 10_000_000_000L;
                System.err.println("DIAG alerts " + java.time.Instant.now() + " " + alertRecords.size());
            }
            return countsPerGroup(latestAlerts).equals(expectedPerGroup);
        }, timeout);
        assertThat(countsPerGroup(latestAlerts)).as("violations counted per alert group")
                .containsExactlyInAnyOrderEntriesOf(expectedPerGroup);
        assertThat(latestAlerts.values()).filteredOn(a -> a.getViolationCount() == 0)
                .allSatisfy(a -> assertThat(a.getStatus().name()).isEqualTo("RESOLVED"));
    }

    private static Map<String, Long> countsPerGroup(Map<String, AccessAlert> latest) {
        Map<String, Long> out = new HashMap<>();
        for (AccessAlert a : latest.values()) {
            if (a.getViolationCount() > 0) {
                out.merge(a.getPartnerId() + "|" + a.getRule() + "|" + a.getResource() + "|" + a.getAction(),
                        a.getViolationCount(), Long::sum);
            }
        }
        return out;
    }

    private static List<Violation> withoutMarkers(List<Violation> violations) {
        return violations.stream().filter(v -> !MARKER_PARTNER.equals(v.getPartnerId())).toList();
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> T decode(Topics.Topic<T> topic,
            ConsumerRecord<byte[], byte[]> r) {
        try {
            return topic.codec().decode(r.value());
        } catch (DecodeException e) {
            throw new AssertionError("the detector wrote an undecodable " + topic.name() + " record", e);
        }
    }

    /**
     * Late calls (seconds), late consents (up to a minute), late revocations (the simulator publishes most of
     * them two minutes after they took effect) and a backdated correction published after the calls it covers:
     * the detector judges as records arrive, then judges again as late ones come in.
     */
    @Test
    void lateCallsConsentsRevocationsAndACorrectionEndInReplaysVerdicts() throws Exception {
        long start = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        Traffic traffic = simulate(SimulationSettings.builder().seed(8).callsPerSecond(200)
                .duration(Duration.ofMinutes(3)).startTime(start).revocationsPerHour(60).burstsPerHour(1200)
                .build());

        // A correction of the busiest partner's agreement, backdated a minute into the run and published after
        // two minutes: from its start the partner's first grant is gone, so those calls are OUT_OF_SCOPE.
        PartnerAgreement correction = correctionOfBusiestPartner(traffic, start + Duration.ofMinutes(1).toMillis());
        List<PartnerAgreement> agreements = new ArrayList<>(traffic.agreements());
        agreements.add(correction);

        SplittableRandom rng = new SplittableRandom(8);
        List<Timed> arrivals = new ArrayList<>();
        for (Timed t : traffic.timed()) {
            String topic = t.record().topic();
            long lag = topic.equals(topics.consents().name()) && rng.nextDouble() < 0.3 ? rng.nextLong(60_000)
                    : topic.equals(topics.calls().name()) && rng.nextDouble() < 0.1 ? rng.nextLong(5_000)
                    : 0;
            arrivals.add(new Timed(t.sendAt() + lag, t.record()));
        }
        arrivals.add(new Timed(start + Duration.ofMinutes(2).toMillis(),
                KafkaClients.record(topics.agreements(), correction)));
        arrivals.sort(Comparator.comparingLong(Timed::sendAt));

        kafka.sendBatch(topics.agreements(), traffic.agreements().subList(0, initialAgreements(traffic)));
        startJob();
        kafka.sendInOrder(arrivals.stream().map(Timed::record).toList());
        sendEndMarkers(traffic.lastEventTime());

        Set<String> expected = Verdicts.oracle(agreements, traffic.consents(), traffic.calls());
        assertThat(expected).as("the run has late revocations, a correction and consent breaches")
                .anyMatch(s -> s.startsWith("AFTER_REVOCATION"))
                .anyMatch(s -> s.startsWith("OUT_OF_SCOPE"))
                .anyMatch(s -> s.startsWith("NO_USER_CONSENT"))
                .anyMatch(s -> s.startsWith("RATE_LIMIT"));
        assertFinalOutputIs(expected, Duration.ofMinutes(5));
    }

    /** A backlog produced while the detector was down is judged as replay judges it. */
    @Test
    void backlogOfTwoHundredThousandCallsProducedBeforeTheJobStartsIsJudgedAsReplayJudgesIt() throws Exception {
        long start = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();
        Traffic traffic = simulate(SimulationSettings.builder().seed(9).callsPerSecond(2_000)
                .duration(Duration.ofSeconds(100)).startTime(start).revocationsPerHour(30).burstsPerHour(120)
                .build());
        assertThat(traffic.calls()).hasSizeGreaterThanOrEqualTo(200_000);

        kafka.sendBatch(topics.agreements(), traffic.agreements().subList(0, initialAgreements(traffic)));
        kafka.sendInOrder(traffic.timed().stream().map(Timed::record).toList());
        sendEndMarkers(traffic.lastEventTime());
        startJob();

        Set<String> expected = Verdicts.oracle(traffic.agreements(), traffic.consents(), traffic.calls());
        assertThat(expected).anyMatch(s -> s.startsWith("NO_USER_CONSENT")).anyMatch(s -> s.startsWith("RATE_LIMIT"));
        assertFinalOutputIs(expected, Duration.ofMinutes(8));
    }

    /** The agreements known before the run (the simulator's initial histories) come first in the list. */
    private static int initialAgreements(Traffic traffic) {
        int published = (int) traffic.timed().stream().filter(t -> t.record().topic().contains("agreements")).count();
        return traffic.agreements().size() - published;
    }

    private static PartnerAgreement correctionOfBusiestPartner(Traffic traffic, long effectiveFrom) {
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
