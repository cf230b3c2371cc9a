package org.accessdetector.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.kafka.Topics;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AlertStatus;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Violation;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The live job's final output as the equivalence states it: the violations in force (the last record of each
 * id, RETRACTED left out) against an expected set, and every alert group's counts against its violations in
 * force. End markers, calls well after everything else, tell when event time has passed it all.
 */
public final class FinalOutput {

    /** The partner of the end markers: unregistered, so each marker is a NO_AGREEMENT. */
    public static final String MARKER_PARTNER = "end-marker";
    private static final String END = "end-marker-";

    private FinalOutput() {}

    /**
     * One call per calls partition, two minutes after {@code lastEventTime}: once every end marker is in force,
     * event time has passed every earlier call and minute.
     */
    public static void sendEndMarkers(KafkaClients kafka, Topics topics, int partitions, long lastEventTime)
            throws Exception {
        sendMarkers(kafka, topics, partitions, END, lastEventTime + Duration.ofMinutes(2).toMillis());
    }

    /** One call per calls partition at {@code eventTime}, ids {@code prefix + partition}. */
    public static void sendMarkers(KafkaClients kafka, Topics topics, int partitions, String prefix, long eventTime)
            throws Exception {
        for (int p = 0; p < partitions; p++) {
            kafka.send(topics.calls(), p, PartnerApiCall.newBuilder()
                    .setCallId(prefix + p).setPartnerId(MARKER_PARTNER).setSubjectUserId("nobody")
                    .setResource(Resource.PROFILE).setAction(org.accessdetector.schema.Action.READ)
                    .setEventTime(eventTime).build());
        }
    }

    /** Waits until the markers {@code prefix + partition} are in force: event time has passed them. */
    public static void awaitMarkers(KafkaClients kafka, Topics topics, int partitions, String prefix,
            Duration timeout) {
        List<Violation> records = new ArrayList<>();
        kafka.readUntil(topics.violations().name(), seen -> {
            for (int i = records.size(); i < seen.size(); i++) {
                records.add(decode(topics.violations(), seen.get(i)));
            }
            return markers(records, prefix) == partitions;
        }, timeout);
        assertThat(markers(records, prefix)).as("markers " + prefix + "* judged").isEqualTo(partitions);
    }

    /** Whether every calls partition's end marker is in force in these records: event time passed it all. */
    public static boolean endMarkersInForce(List<Violation> records, int partitions) {
        return markers(records, END) == partitions;
    }

    /** Decodes the records read since the last call into {@code into} (which holds those decoded before). */
    public static void decodeNew(Topics topics, List<ConsumerRecord<byte[], byte[]>> seen, List<Violation> into) {
        for (int i = into.size(); i < seen.size(); i++) {
            into.add(decode(topics.violations(), seen.get(i)));
        }
    }

    private static long markers(List<Violation> records, String prefix) {
        return Verdicts.inForce(records).stream()
                .filter(v -> v.getCallId() != null && v.getCallId().startsWith(prefix)).count();
    }

    /**
     * Waits until the markers and exactly {@code expected} are in force, then asserts it (at most one exclusive
     * scope rule per call), and that the alerts count each group's violations in force, none twice at once.
     */
    public static void assertIs(KafkaClients kafka, Topics topics, int partitions, Set<String> expected,
            Duration timeout) {
        List<Violation> records = new ArrayList<>();
        kafka.readUntil(topics.violations().name(), seen -> {
            for (int i = records.size(); i < seen.size(); i++) {
                records.add(decode(topics.violations(), seen.get(i)));
            }
            return markers(records, END) == partitions
                    && Verdicts.brief(withoutMarkers(Verdicts.inForce(records))).equals(expected);
        }, timeout);
        List<Violation> inForce = withoutMarkers(Verdicts.inForce(records));
        assertThat(Verdicts.brief(inForce)).as("violations in force at the end").containsExactlyElementsOf(expected);
        Map<String, Long> scopeRulesPerCall = new HashMap<>();
        for (Violation v : inForce) {
            switch (v.getRule()) {
                case NO_AGREEMENT, AFTER_REVOCATION, OUT_OF_SCOPE -> scopeRulesPerCall.merge(v.getCallId(), 1L, Long::sum);
                default -> { }
            }
        }
        assertThat(scopeRulesPerCall).as("exclusive rules in force per call").allSatisfy((call, n) ->
                assertThat(n).as(call).isEqualTo(1L));

        Map<String, Long> expectedPerGroup = Verdicts.perGroup(inForce);
        Map<String, AccessAlert> latest = new HashMap<>();
        int[] read = {0};
        kafka.readUntil(topics.alerts().name(), seen -> {
            for (; read[0] < seen.size(); read[0]++) {
                AccessAlert a = decode(topics.alerts(), seen.get(read[0]));
                if (!MARKER_PARTNER.equals(a.getPartnerId())
                        && !org.accessdetector.rules.Violations.isAnomaly(a.getRule())) {
                    latest.put(a.getAlertId(), a);
                }
            }
            return countsPerGroup(latest).equals(expectedPerGroup);
        }, timeout);
        assertThat(countsPerGroup(latest)).as("violations counted per alert group")
                .containsExactlyInAnyOrderEntriesOf(expectedPerGroup);
        assertThat(latest.values()).filteredOn(a -> a.getViolationCount() == 0)
                .allSatisfy(a -> assertThat(a.getStatus()).isEqualTo(AlertStatus.RESOLVED));
        Map<String, Long> firing = new HashMap<>();
        for (AccessAlert a : latest.values()) {
            if (a.getStatus() == AlertStatus.FIRING) {
                firing.merge(group(a), 1L, Long::sum);
            }
        }
        assertThat(firing).as("alerts firing per group (two: a group paged twice)").allSatisfy((group, n) ->
                assertThat(n).as(group).isEqualTo(1L));
    }

    /** The violations whose latest record is RETRACTED, as brief lines. */
    public static Set<String> retracted(KafkaClients kafka, Topics topics) {
        List<Violation> records = new ArrayList<>();
        kafka.readAll(topics.violations().name()).forEach(r -> records.add(decode(topics.violations(), r)));
        Set<String> out = new java.util.TreeSet<>();
        for (Violation v : Verdicts.latest(records).values()) {
            if (!org.accessdetector.rules.Violations.inForce(v)) {
                out.add(Verdicts.brief(v));
            }
        }
        return out;
    }

    private static Map<String, Long> countsPerGroup(Map<String, AccessAlert> latest) {
        Map<String, Long> out = new HashMap<>();
        for (AccessAlert a : latest.values()) {
            if (a.getViolationCount() > 0) {
                out.merge(group(a), a.getViolationCount(), Long::sum);
            }
        }
        return out;
    }

    private static String group(AccessAlert a) {
        return a.getPartnerId() + "|" + a.getRule() + "|" + a.getResource() + "|" + a.getAction();
    }

    /**
     * Without the markers, and without the anomaly rules: the simulator's oracle covers the contract rules only
     * (busy simulated app tokens do fan out), and the anomaly rules have their own (AnomaliesLiveEqualsReplayITCase).
     */
    private static List<Violation> withoutMarkers(List<Violation> violations) {
        return violations.stream().filter(v -> !MARKER_PARTNER.equals(v.getPartnerId()))
                .filter(v -> !org.accessdetector.rules.Violations.isAnomaly(v.getRule())).toList();
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> T decode(Topics.Topic<T> topic,
            ConsumerRecord<byte[], byte[]> r) {
        try {
            return topic.codec().decode(r.value());
        } catch (DecodeException e) {
            throw new AssertionError("the detector wrote an undecodable " + topic.name() + " record", e);
        }
    }
}
