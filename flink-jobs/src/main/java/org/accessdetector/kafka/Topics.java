package org.accessdetector.kafka;
import org.accessdetector.avro.AvroCodec;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AuditEvent;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Every topic the detector reads or writes: its name, how its records are keyed and encoded, and how long it
 * keeps them. Records are Avro in single-object encoding ({@link AvroCodec}); dead letters keep the original
 * bytes.
 */
public final class Topics implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * How a topic keys and encodes its records; {@code retention} null means compacted. With
     * {@code logAppendTime} the broker stamps each record with its append time, so retention counts from
     * arrival, not from a producer's clock, and latency can be measured from it; {@code appendTime}, where
     * set, is the field a reader copies that time into.
     */
    public record Topic<T extends org.apache.avro.specific.SpecificRecordBase>(
            String name, AvroCodec<T> codec, KeyFn<T> key, Duration retention, AppendTimeField<T> appendTime,
            boolean logAppendTime) implements Serializable {

        public boolean compacted() {
            return retention == null;
        }

        public byte[] keyBytes(T record) {
            return key.of(record).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** The key of a record. */
    @FunctionalInterface
    public interface KeyFn<T> extends Serializable {
        String of(T record);
    }

    /** Where a decoded record notes when it was appended to its topic. */
    @FunctionalInterface
    public interface AppendTimeField<T> extends Serializable {
        void set(T record, long appendedAt);
    }

    /** The dead-letter topic's name and retention; its records are the original bytes. */
    public record DeadLetterTopic(String name, Duration retention) implements Serializable {}

    private final Topic<PartnerApiCall> calls;
    private final Topic<PartnerAgreement> agreements;
    private final Topic<ConsentEvent> consents;
    private final Topic<Violation> violations;
    private final Topic<AccessAlert> alerts;
    private final Topic<AuditEvent> audit;
    private final DeadLetterTopic deadLetters;
    private final int partitions;
    private final short replicationFactor;

    private Topics(ReadableConfig c) {
        calls = new Topic<>(c.get(TopicOptions.CALLS), new AvroCodec<>(PartnerApiCall.class),
                PartnerApiCall::getCallId, c.get(TopicOptions.CALLS_RETENTION), PartnerApiCall::setAppendedAt, true);
        // Keyed by partner AND version: compaction must keep every version, since a call is judged by the
        // version in force at its own time.
        agreements = new Topic<>(c.get(TopicOptions.AGREEMENTS), new AvroCodec<>(PartnerAgreement.class),
                Topics::agreementKey, null, null, true);
        consents = new Topic<>(c.get(TopicOptions.CONSENTS), new AvroCodec<>(ConsentEvent.class),
                Topics::consentKey, null, null, true);
        violations = new Topic<>(c.get(TopicOptions.VIOLATIONS), new AvroCodec<>(Violation.class),
                Violation::getViolationId, c.get(TopicOptions.VIOLATIONS_RETENTION), null, true);
        alerts = new Topic<>(c.get(TopicOptions.ALERTS), new AvroCodec<>(AccessAlert.class),
                AccessAlert::getAlertId, c.get(TopicOptions.ALERTS_RETENTION), null, true);
        // Keyed by user: one user's uses in order.
        audit = new Topic<>(c.get(TopicOptions.AUDIT), new AvroCodec<>(AuditEvent.class), AuditEvent::getUser,
                c.get(TopicOptions.AUDIT_RETENTION), null, true);
        deadLetters = new DeadLetterTopic(c.get(TopicOptions.DEAD_LETTERS), c.get(TopicOptions.DEAD_LETTERS_RETENTION));
        partitions = c.get(TopicOptions.PARTITIONS);
        replicationFactor = c.get(TopicOptions.REPLICATION_FACTOR).shortValue();
    }

    public static Topics from(ReadableConfig config) {
        return new Topics(config);
    }

    public static Topics defaults() {
        return new Topics(new Configuration());
    }

    public static String agreementKey(PartnerAgreement a) {
        return a.getPartnerId() + "/v" + a.getVersion();
    }

    public static String consentKey(ConsentEvent e) {
        return e.getUserId() + "/" + (e.getPartnerId() == null ? "*" : e.getPartnerId());
    }

    public Topic<PartnerApiCall> calls() {
        return calls;
    }

    public Topic<PartnerAgreement> agreements() {
        return agreements;
    }

    public Topic<ConsentEvent> consents() {
        return consents;
    }

    public Topic<Violation> violations() {
        return violations;
    }

    public Topic<AccessAlert> alerts() {
        return alerts;
    }

    public Topic<AuditEvent> audit() {
        return audit;
    }

    public DeadLetterTopic deadLetters() {
        return deadLetters;
    }

    public List<Topic<?>> recordTopics() {
        return List.of(calls, agreements, consents, violations, alerts, audit);
    }

    public int partitions() {
        return partitions;
    }

    public short replicationFactor() {
        return replicationFactor;
    }
}
