package org.accessdetector.responder;

import org.accessdetector.kafka.KafkaConnection;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.accessdetector.kafka.TopicReader;
import org.accessdetector.kafka.Topics;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.rules.AgreementHistory;
import org.accessdetector.rules.ConsentHistory;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The evidence behind one alert, gathered from the retained topics by seeking to the times that matter rather than
 * scanning whole topics: the alert's own partition of the alerts topic; the violations appended while the alert was
 * being updated (with a margin); the calls appended between the first and last of those violations' calls; and the
 * agreements and consents (compacted state, read whole).
 */
public final class Evidence {

    /** Where a record is on its topic. */
    public record Coordinates(String topic, int partition, long offset, long timestamp) {
        static Coordinates of(ConsumerRecord<byte[], byte[]> r) {
            return new Coordinates(r.topic(), r.partition(), r.offset(), r.timestamp());
        }
    }

    /** A call behind a violation, with the agreement version and consent events in force at its time. */
    public record CallEvidence(PartnerApiCall call, Coordinates at, PartnerAgreement agreementInForce,
            ConsentEvent partnerConsent, ConsentEvent sharingSetting) {}

    private final AccessAlert alert;
    private final Coordinates alertAt;
    private final List<Violation> inForce;
    private final List<Violation> retracted;
    private final Map<String, CallEvidence> calls;
    private final Map<String, TopicReader.Scanned> read;

    private Evidence(AccessAlert alert, Coordinates alertAt, List<Violation> inForce, List<Violation> retracted,
            Map<String, CallEvidence> calls, Map<String, TopicReader.Scanned> read) {
        this.alert = alert;
        this.alertAt = alertAt;
        this.inForce = inForce;
        this.retracted = retracted;
        this.calls = calls;
        this.read = read;
    }

    /**
     * Gathers the evidence of {@code alertId}; null if the alerts topic has no such alert. {@code margin} widens
     * the violations' time range on both sides of the alert's updates.
     */
    public static Evidence gather(KafkaConnection kafka, Topics topics, String alertId, Duration margin) {
        Map<String, TopicReader.Scanned> read = new LinkedHashMap<>();
        byte[] key = alertId.getBytes(StandardCharsets.UTF_8);
        AccessAlert[] latest = new AccessAlert[1];
        Coordinates[] latestAt = new Coordinates[1];
        long[] appended = {Long.MAX_VALUE, Long.MIN_VALUE};
        TopicReader.Each<AccessAlert> alertUpdate = (a, r) -> {
            if (a.getAlertId().equals(alertId)) {
                latest[0] = a;
                latestAt[0] = Coordinates.of(r);
                appended[0] = Math.min(appended[0], r.timestamp());
                appended[1] = Math.max(appended[1], r.timestamp());
            }
        };
        // An alert is keyed by its id: its updates are all in the partition the key hashes to.
        read.put(topics.alerts().name(), TopicReader.scan(kafka, topics.alerts(),
                new TopicReader.Range(null, null, key), alertUpdate));
        if (latest[0] == null) {
            // Written by something that partitions otherwise: look everywhere.
            read.merge(topics.alerts().name(), TopicReader.scan(kafka, topics.alerts(),
                    TopicReader.Range.ALL, alertUpdate), TopicReader.Scanned::plus);
        }
        AccessAlert alert = latest[0];
        if (alert == null) {
            return null;
        }

        // The alert's violations: of its group and within its first and last occurrence; their last records.
        Map<String, Violation> violations = new LinkedHashMap<>();
        read.put(topics.violations().name(), TopicReader.scan(kafka, topics.violations(),
                new TopicReader.Range(appended[0] - margin.toMillis(), appended[1] + margin.toMillis(), null),
                (v, r) -> {
                    if (belongsTo(v, alert)) {
                        violations.remove(v.getViolationId());
                        violations.put(v.getViolationId(), v);
                    }
                }));
        Comparator<Violation> byTime = Comparator.comparingLong(Violations::occurredAt)
                .thenComparing(Violation::getViolationId);
        List<Violation> inForce = violations.values().stream().filter(Violations::inForce).sorted(byTime).toList();
        List<Violation> retracted = violations.values().stream().filter(v -> !Violations.inForce(v)).sorted(byTime)
                .toList();

        // Their calls: appended between the first and the last call's append time, first delivery of each.
        Set<String> callIds = inForce.stream().map(Violation::getCallId).filter(id -> id != null)
                .collect(Collectors.toSet());
        List<Long> callTimes = inForce.stream().map(Violation::getCallAppendedAt).filter(t -> t != null).toList();
        Map<String, PartnerApiCall> callRecords = new LinkedHashMap<>();
        Map<String, Coordinates> callAt = new LinkedHashMap<>();
        if (!callIds.isEmpty()) {
            Long from = callTimes.size() == callIds.size() ? callTimes.stream().min(Long::compare).get() : null;
            Long to = callTimes.size() == callIds.size() ? callTimes.stream().max(Long::compare).get() : null;
            read.put(topics.calls().name(), TopicReader.scan(kafka, topics.calls(),
                    new TopicReader.Range(from, to, null), (c, r) -> {
                        if (callIds.contains(c.getCallId()) && !callRecords.containsKey(c.getCallId())) {
                            callRecords.put(c.getCallId(), c);
                            callAt.put(c.getCallId(), Coordinates.of(r));
                        }
                    }));
        }

        // What was in force at each call: the partner's agreement versions, the users' consent events.
        List<PartnerAgreement> versions = new ArrayList<>();
        read.put(topics.agreements().name(), TopicReader.scan(kafka, topics.agreements(),
                TopicReader.Range.ALL, (a, r) -> {
                    if (a.getPartnerId().equals(alert.getPartnerId())) {
                        versions.add(a);
                    }
                }));
        AgreementHistory history = AgreementHistory.of(versions);
        Set<String> users = callRecords.values().stream().map(PartnerApiCall::getSubjectUserId)
                .collect(Collectors.toSet());
        Map<String, List<ConsentEvent>> partnerConsents = new TreeMap<>();
        Map<String, List<ConsentEvent>> sharing = new TreeMap<>();
        read.put(topics.consents().name(), TopicReader.scan(kafka, topics.consents(),
                TopicReader.Range.ALL, (e, r) -> {
                    if (!users.contains(e.getUserId())) {
                        return;
                    }
                    if (e.getPartnerId() == null) {
                        sharing.computeIfAbsent(e.getUserId(), u -> new ArrayList<>()).add(e);
                    } else if (e.getPartnerId().equals(alert.getPartnerId())) {
                        partnerConsents.computeIfAbsent(e.getUserId(), u -> new ArrayList<>()).add(e);
                    }
                }));
        Map<String, CallEvidence> calls = new LinkedHashMap<>();
        for (Violation v : inForce) {
            PartnerApiCall c = v.getCallId() == null ? null : callRecords.get(v.getCallId());
            if (c != null && !calls.containsKey(c.getCallId())) {
                calls.put(c.getCallId(), new CallEvidence(c, callAt.get(c.getCallId()), history.inForceAt(c.getEventTime()),
                        ConsentHistory.latestAt(partnerConsents.get(c.getSubjectUserId()), c.getEventTime()),
                        ConsentHistory.latestAt(sharing.get(c.getSubjectUserId()), c.getEventTime())));
            }
        }
        return new Evidence(alert, latestAt[0], inForce, retracted, calls, read);
    }

    /** Whether a violation is one the alert counts: of its group, within its first and last occurrence. */
    static boolean belongsTo(Violation v, AccessAlert a) {
        long at = Violations.occurredAt(v);
        return v.getPartnerId().equals(a.getPartnerId()) && v.getRule() == a.getRule()
                && v.getResource() == a.getResource() && v.getAction() == a.getAction()
                && at >= a.getFirstSeen() && at <= a.getLastSeen();
    }

    public AccessAlert alert() {
        return alert;
    }

    public List<Violation> inForce() {
        return inForce;
    }

    public Map<String, CallEvidence> calls() {
        return calls;
    }

    public Map<String, TopicReader.Scanned> read() {
        return read;
    }

    /** The users whose data the alert's violations in force touched. */
    public Set<String> affectedUsers() {
        return inForce.stream().map(Violation::getSubjectUserId).filter(u -> u != null)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** Violations the alert counts that the scan did not find (0 when the evidence is complete). */
    public long missing() {
        return Math.max(0, alert.getViolationCount() - inForce.size());
    }

    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.set("alert", JsonOutput.toNode(alert));
        root.set("alertAt", coordinates(alertAt));
        ArrayNode vs = root.putArray("violations");
        inForce.forEach(v -> vs.add(JsonOutput.toNode(v)));
        ArrayNode rs = root.putArray("retractedViolations");
        retracted.forEach(v -> rs.add(JsonOutput.toNode(v)));
        ArrayNode cs = root.putArray("calls");
        for (CallEvidence c : calls.values()) {
            ObjectNode n = cs.addObject();
            n.set("call", JsonOutput.toNode(c.call()));
            n.set("at", coordinates(c.at()));
            n.set("agreementInForce", c.agreementInForce() == null ? f.nullNode() : JsonOutput.toNode(c.agreementInForce()));
            n.set("partnerConsent", c.partnerConsent() == null ? f.nullNode() : JsonOutput.toNode(c.partnerConsent()));
            n.set("sharingSetting", c.sharingSetting() == null ? f.nullNode() : JsonOutput.toNode(c.sharingSetting()));
        }
        ArrayNode us = root.putArray("affectedUsers");
        affectedUsers().forEach(us::add);
        root.put("missingViolations", missing());
        ObjectNode r = root.putObject("read");
        read.forEach((topic, s) -> r.putObject(topic).put("records", s.read()).put("undecodable", s.undecodable()));
        return root;
    }

    private static ObjectNode coordinates(Coordinates c) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        if (c != null) {
            n.put("topic", c.topic()).put("partition", c.partition()).put("offset", c.offset())
                    .put("timestamp", Instant.ofEpochMilli(c.timestamp()).toString());
        }
        return n;
    }

    /** The bundle for a person: what the alert says, and each piece of evidence in a table. */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Evidence for alert ").append(alert.getAlertId()).append("\n\n");
        md.append(alert.getSummary()).append("\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "Partner", alert.getPartnerId());
        row(md, "Rule", alert.getRule().name());
        row(md, "Resource / action", alert.getResource() + " / " + alert.getAction());
        row(md, "Severity", alert.getSeverity().name());
        row(md, "Status", alert.getStatus().name());
        row(md, "First / last violation", iso(alert.getFirstSeen()) + " / " + iso(alert.getLastSeen()));
        row(md, "Violations counted", Long.toString(alert.getViolationCount())
                + (missing() > 0 ? " (" + missing() + " not found: widen --margin)" : ""));
        row(md, "Affected users", affectedUsers().size() + ": " + String.join(", ", affectedUsers()));
        row(md, "Alert record", alertAt.topic() + " partition " + alertAt.partition() + " offset " + alertAt.offset());
        md.append("\n## Violations in force\n\n| time | violation | call | user | agreement version | reason |\n"
                + "|---|---|---|---|---|---|\n");
        for (Violation v : inForce) {
            md.append("| ").append(iso(Violations.occurredAt(v))).append(" | ").append(v.getViolationId())
                    .append(" | ").append(orDash(v.getCallId())).append(" | ").append(orDash(v.getSubjectUserId()))
                    .append(" | ").append(v.getAgreementVersion() == null ? "-" : v.getAgreementVersion())
                    .append(" | ").append(v.getReason().replace("|", "\\|")).append(" |\n");
        }
        if (!retracted.isEmpty()) {
            md.append("\n## Retracted (no longer counted)\n\n");
            for (Violation v : retracted) {
                md.append("- ").append(v.getViolationId()).append(": ").append(orDash(v.getRetractionReason()))
                        .append('\n');
            }
        }
        md.append("\n## Calls\n\n| time | call | user | acting user | records | token | endpoint | agreement in force "
                + "| consent to the partner | sharing | topic/partition/offset |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (CallEvidence c : calls.values()) {
            PartnerApiCall call = c.call();
            PartnerAgreement a = c.agreementInForce();
            md.append("| ").append(iso(call.getEventTime())).append(" | ").append(call.getCallId()).append(" | ")
                    .append(call.getSubjectUserId()).append(" | ").append(orDash(call.getActingUserId())).append(" | ")
                    .append(call.getRecordCount()).append(" | ").append(orDash(call.getTokenId())).append(" | ")
                    .append(orDash(call.getEndpoint())).append(" | ")
                    .append(a == null ? "none" : "v" + a.getVersion() + " " + a.getStatus() + " from "
                            + iso(a.getEffectiveFrom()))
                    .append(" | ").append(consent(c.partnerConsent())).append(" | ").append(consent(c.sharingSetting()))
                    .append(" | ").append(c.at().topic()).append('/').append(c.at().partition()).append('/')
                    .append(c.at().offset()).append(" |\n");
        }
        md.append("\n## Read\n\n");
        read.forEach((topic, s) -> md.append("- ").append(topic).append(": ").append(s.read()).append(" records")
                .append(s.undecodable() > 0 ? " (" + s.undecodable() + " undecodable)" : "").append('\n'));
        return md.toString();
    }

    private static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    private static String consent(ConsentEvent e) {
        return e == null ? "none" : e.getType() + " at " + iso(e.getEventTime());
    }

    private static String orDash(Object s) {
        return s == null ? "-" : s.toString();
    }

    private static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
