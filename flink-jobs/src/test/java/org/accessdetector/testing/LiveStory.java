package org.accessdetector.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveJob;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Drives a running live job through its topics, as the live tests do: the story's records, event time moved on by
 * heartbeat calls, probes that show the control records are loaded, and the violations read back.
 */
public final class LiveStory {

    public static final Duration WAIT = Duration.ofSeconds(90);
    /** A probe's verdict is readable once the next checkpoint commits it (exactly-once sinks). */
    public static final Duration PROBE_WAIT = LiveJob.DEFAULT_CHECKPOINT_INTERVAL.multipliedBy(2);
    public static final JsonInputParser PARSER = new JsonInputParser();

    private final KafkaClients kafka;
    private final Topics topics;
    private final Configuration conf;

    public LiveStory(KafkaClients kafka, Topics topics, Configuration conf) {
        this.kafka = kafka;
        this.topics = topics;
        this.conf = conf;
    }

    public static List<PartnerAgreement> agreements(List<String> lines) throws Exception {
        List<PartnerAgreement> out = new ArrayList<>();
        for (String l : lines) {
            out.add(PARSER.parseAgreement(l));
        }
        return out;
    }

    public static List<ConsentEvent> consents(List<String> lines) throws Exception {
        List<ConsentEvent> out = new ArrayList<>();
        for (String l : lines) {
            out.add(PARSER.parseConsent(l));
        }
        return out;
    }

    public static List<PartnerApiCall> calls(List<String> lines) throws Exception {
        List<PartnerApiCall> out = new ArrayList<>();
        for (String l : lines) {
            out.add(PARSER.parseCall(l));
        }
        return out;
    }

    /**
     * The story's calls in the order a platform appends them, by time. Listed as they are, some come 50 minutes
     * after later calls: beyond the 10-minute late horizon, where a rate minute is final (the README's "beyond
     * the horizon"), so whether the 09:10 minute counted them would depend on where the watermark was.
     */
    public static List<PartnerApiCall> storyCallsAsAppended() throws Exception {
        return calls(Story.CALLS).stream().sorted(Comparator.comparing(PartnerApiCall::getEventTime)).toList();
    }

    /**
     * Moves event time to {@code time} on every calls partition (event time follows the slowest one). The
     * tick calls themselves are only judged once event time moves past them.
     */
    public void tick(String time) throws Exception {
        for (int p = 0; p < conf.get(TopicOptions.PARTITIONS); p++) {
            kafka.send(topics.calls(), p, PARSER.parseCall(Story.call("tick-" + time + "-" + p, "heartbeat",
                    "nobody", null, "PROFILE", "READ", time, "")));
        }
    }

    /**
     * Waits until the job runs and has read the agreements and consents: probe calls (ids starting with
     * {@code prefix}, which must start with "probe-") by a user whose sharing is off, a consent event sent now,
     * must be reported for that reason.
     */
    public void awaitControlRecordsLoaded(String prefix) throws Exception {
        kafka.send(topics.consents(), consents(List.of(
                "{\"userId\":\"probe-user\",\"type\":\"SHARING_DISABLED\",\"eventTime\":0}")));
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (int i = 0; System.nanoTime() < deadline; i++) {
            String probe = prefix + i;
            String time = Instant.parse("2018-12-18T00:00:00Z").plusSeconds(i).toString();
            kafka.send(topics.calls(), calls(List.of(Story.call(probe, "acme-phones", "probe-user", null,
                    "CONTACTS", "READ", time, ""))));
            tick(Instant.parse(time).plusMillis(1).toString());
            // Any probe of this round judged with the consent loaded will do: with exactly-once sinks a verdict is
            // visible only once the next checkpoint commits it, so an earlier probe may show up while waiting.
            Predicate<Violation> loaded = v -> v.getCallId() != null
                    && v.getCallId().matches(Pattern.quote(prefix) + "\\d+")
                    && v.getReason().contains("sharing off");
            if (violations(loaded, PROBE_WAIT).stream().anyMatch(loaded)) {
                return;
            }
        }
        throw new AssertionError("the job did not load the agreements and consents in time");
    }

    /** Reads violations until one matches, or the timeout passes. */
    public List<Violation> violations(Predicate<Violation> wanted, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readUntil(topics.violations().name(),
                seen -> decode(seen).stream().anyMatch(wanted), timeout);
        return decode(records);
    }

    /** Reads the violations until those in force, probes left out, are {@code expected} (or the wait ends). */
    public List<Violation> violationsInForce(Set<String> expected) {
        return decode(kafka.readUntil(topics.violations().name(),
                seen -> Verdicts.brief(Verdicts.inForce(withoutProbes(decode(seen)))).equals(expected), WAIT));
    }

    public List<Violation> decode(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Violation> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            try {
                out.add(topics.violations().codec().decode(r.value()));
            } catch (DecodeException e) {
                throw new AssertionError("the detector wrote an undecodable violation", e);
            }
        }
        return out;
    }

    /** The story's violations, leaving out those of the probe and tick calls. */
    public static List<Violation> withoutProbes(List<Violation> violations) {
        return violations.stream()
                .filter(v -> v.getCallId() == null
                        || !(v.getCallId().startsWith("probe-") || v.getCallId().startsWith("tick-")))
                .toList();
    }
}
