package org.accessdetector.responder;

import org.accessdetector.kafka.KafkaConnection;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.accessdetector.kafka.TopicWriter;
import org.accessdetector.kafka.Topics;
import org.accessdetector.schema.AuditEvent;

/**
 * The responders' audit trail: every use of {@code sql}, {@code evidence} and {@code hunt} appends one record to the
 * audit topic (who, when, what, how many rows), and waits until the broker has it. A use that cannot be recorded
 * fails loudly: looking at user data without a trace is not an option.
 */
public final class AuditLog implements AutoCloseable {

    /** What a failed audit write says. */
    public static final class AuditFailedException extends Exception {
        AuditFailedException(String topic, Exception cause) {
            super("could not write the audit record to " + topic + ": " + SqlSession.oneLine(cause), cause);
        }
    }

    private static final int MAX_SUBJECT = 64 * 1024;

    private final KafkaConnection kafka;
    private final Topics topics;
    private final String command;
    private TopicWriter writer;

    public AuditLog(KafkaConnection kafka, Topics topics, String command) {
        this.kafka = kafka;
        this.topics = topics;
        this.command = command;
    }

    /** Appends one record and waits for the broker to take it. {@code rows} null and {@code error} set on failure. */
    public void record(String subject, Long rows, String error) throws AuditFailedException {
        String what = subject.length() > MAX_SUBJECT ? subject.substring(0, MAX_SUBJECT) + "..." : subject;
        AuditEvent event = AuditEvent.newBuilder()
                .setUser(System.getProperty("user.name", "unknown"))
                .setHost(host())
                .setAt(System.currentTimeMillis())
                .setCommand(command)
                .setSubject(what)
                .setRows(rows)
                .setError(error)
                .build();
        try {
            if (writer == null) {
                writer = new TopicWriter(kafka);
            }
            writer.send(topics.audit(), event).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuditFailedException(topics.audit().name(), e);
        } catch (Exception e) {
            throw new AuditFailedException(topics.audit().name(), e);
        }
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (writer != null) {
            writer.close();
        }
    }
}
