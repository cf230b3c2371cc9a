package org.accessdetector.alerting.router;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.accessdetector.avro.AvroCodec;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AlertStatus;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the detector's alerts to Alertmanager. Offsets are committed only after the alerts read were
 * accepted or dead-lettered, so nothing is lost while Alertmanager is down: the router retries with backoff and
 * keeps its place. With several Alertmanagers (an HA cluster), each update goes to every one, as Prometheus
 * does, and the cluster deduplicates the notifications; one accepting is enough. An alert Alertmanager rejects
 * (a 4xx: sending it again cannot help) goes to the router's dead-letter topic with the answer, and delivery goes
 * on. Firing alerts are sent again before their end time lapses; a resolved alert is sent with an end time of
 * now. On start it re-reads the recent past of the topic to know which alerts are still firing; when a
 * rebalance takes partitions away, it stops re-sending their alerts (their new owner does).
 */
public final class AlertRouter implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertRouter.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** Headers of a dead-lettered alert: Alertmanager's answer, and its HTTP status. */
    public static final String HEADER_REASON = "alert-router.reason";
    public static final String HEADER_STATUS = "alert-router.status";

    /** How the router runs. */
    public record Settings(
            String bootstrapServers,
            String topic,
            String groupId,
            List<String> alertmanagerUrls,
            Duration resendInterval,
            Duration rebuildWindow,
            String runbookBaseUrl,
            String deadLetterTopic,
            Map<String, String> kafkaClient) {

        /** Settings with no Kafka client properties: a PLAINTEXT broker. */
        public Settings(String bootstrapServers, String topic, String groupId, List<String> alertmanagerUrls,
                Duration resendInterval, Duration rebuildWindow, String runbookBaseUrl, String deadLetterTopic) {
            this(bootstrapServers, topic, groupId, alertmanagerUrls, resendInterval, rebuildWindow, runbookBaseUrl,
                    deadLetterTopic, Map.of());
        }

        public Settings {
            kafkaClient = Map.copyOf(kafkaClient);
            alertmanagerUrls = List.copyOf(alertmanagerUrls);
            if (alertmanagerUrls.isEmpty()) {
                throw new IllegalArgumentException("at least one Alertmanager URL is needed");
            }
        }

        /** Alertmanager keeps a firing alert this long without news: three re-send intervals. */
        Duration firingTtl() {
            return resendInterval.multipliedBy(3);
        }
    }

    private final Settings settings;
    private final RouterMetrics metrics;
    private final List<AlertmanagerClient> alertmanagers;
    private final AlertmanagerAlerts mapping;
    private final AvroCodec<AccessAlert> codec = new AvroCodec<>(AccessAlert.class);
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> deadLetters;
    /** The firing alerts of the partitions this instance owns, and where each was read. */
    private final Map<String, AccessAlert> firing = new LinkedHashMap<>();
    private final Map<String, TopicPartition> firingFrom = new HashMap<>();
    private volatile boolean running = true;

    public AlertRouter(Settings settings, RouterMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.alertmanagers = settings.alertmanagerUrls().stream().map(AlertmanagerClient::new).toList();
        this.mapping = new AlertmanagerAlerts(settings.runbookBaseUrl(), settings.bootstrapServers());
        Properties p = kafkaProperties();
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Properties d = kafkaProperties();
        d.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        d.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        this.deadLetters = new KafkaProducer<>(d, new ByteArraySerializer(), new ByteArraySerializer());
        metrics.firing.set(0);
    }

    @Override
    public void run() {
        try {
            createDeadLetterTopicIfMissing();
            consumer.subscribe(List.of(settings.topic()), new RebuildRecentState());
            long nextResend = System.currentTimeMillis() + settings.resendInterval().toMillis();
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    List<AccessAlert> updates = decode(records);
                    deliver(updates);
                    consumer.commitSync(nextOffsets(records));
                }
                if (System.currentTimeMillis() >= nextResend && !firing.isEmpty()) {
                    deliver(List.copyOf(firing.values()));
                    nextResend = System.currentTimeMillis() + settings.resendInterval().toMillis();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close();
            deadLetters.close();
        }
    }

    private List<AccessAlert> decode(ConsumerRecords<byte[], byte[]> records) {
        List<AccessAlert> updates = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            metrics.received.inc();
            try {
                AccessAlert a = codec.decode(r.value());
                updates.add(a);
                if (a.getStatus() == AlertStatus.RESOLVED) {
                    stopFiring(a.getAlertId());
                } else {
                    firing.put(a.getAlertId(), a);
                    firingFrom.put(a.getAlertId(), new TopicPartition(r.topic(), r.partition()));
                }
            } catch (DecodeException e) {
                // Not an alert the router can read: counted, and left on the topic for a person to look at.
                metrics.undecodable.inc();
                LOG.warn("Skipped an undecodable record at {}-{} offset {}: {}", r.topic(), r.partition(),
                        r.offset(), e.getMessage());
            }
        }
        metrics.firing.set(firing.size());
        return updates;
    }

    private void stopFiring(String alertId) {
        firing.remove(alertId);
        firingFrom.remove(alertId);
    }

    /**
     * Sends until an Alertmanager accepts or one rejects, backing off while none answers; the consumer keeps its
     * partitions meanwhile. A rejected batch is sent again alert by alert, so that only the alerts refused go to
     * the dead-letter topic.
     */
    private void deliver(Collection<AccessAlert> alerts) throws InterruptedException {
        if (alerts.isEmpty()) {
            return;
        }
        long backoff = 250;
        Set<TopicPartition> paused = consumer.assignment();
        consumer.pause(paused);
        try {
            while (running) {
                Instant now = Instant.now();
                var body = mapping.body(alerts, now, now.plus(settings.firingTtl()));
                boolean accepted = false;
                AlertmanagerClient.Rejected rejected = null;
                for (AlertmanagerClient alertmanager : alertmanagers) {
                    try {
                        alertmanager.post(body);
                        accepted = true;
                    } catch (AlertmanagerClient.Rejected e) {
                        rejected = e;
                    } catch (java.io.IOException e) {
                        metrics.failures.inc();
                        LOG.warn("Alertmanager {} did not take {} alerts ({})", alertmanager.url(), alerts.size(),
                                e.getMessage());
                    }
                }
                if (accepted) {
                    delivered(alerts);
                    return;
                }
                if (rejected != null) {
                    if (alerts.size() > 1) {
                        for (AccessAlert a : alerts) {
                            deliver(List.of(a));
                        }
                    } else {
                        deadLetter(alerts.iterator().next(), rejected);
                    }
                    return;
                }
                metrics.alertmanagerUp.set(0);
                LOG.warn("No Alertmanager took {} alerts; retrying in {} ms", alerts.size(), backoff);
                Thread.sleep(backoff);
                consumer.poll(Duration.ZERO); // stays in the group; paused partitions return nothing
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        } finally {
            consumer.resume(paused);
        }
    }

    /** The dead-letter topic, with the broker's default partitions and replication, unless it exists. */
    /** The brokers and the Kafka client properties (security) every client of the router uses. */
    private Properties kafkaProperties() {
        Properties p = new Properties();
        p.putAll(settings.kafkaClient());
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        return p;
    }

    private void createDeadLetterTopicIfMissing() throws InterruptedException {
        try (Admin admin = Admin.create(kafkaProperties())) {
            admin.createTopics(List.of(new NewTopic(settings.deadLetterTopic(), Optional.empty(), Optional.empty())))
                    .all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                // Not fatal: the topic may be managed elsewhere (and the principal may not create topics).
                LOG.warn("Could not create the dead-letter topic {}: {}", settings.deadLetterTopic(), e.getCause().toString());
            }
        }
    }

    private void delivered(Collection<AccessAlert> alerts) {
        metrics.alertmanagerUp.set(1);
        metrics.delivered.inc(alerts.size());
        long accepted = System.currentTimeMillis();
        for (AccessAlert a : alerts) {
            if (a.getDetectedAt() != null) {
                metrics.latency.observe(Math.max(0, accepted - a.getDetectedAt()) / 1000.0);
            }
        }
    }

    /**
     * Keeps an alert Alertmanager refused, with its answer, on the router's dead-letter topic, and stops
     * re-sending it. Waits until the broker has it: the offsets behind it are committed only after.
     */
    private void deadLetter(AccessAlert alert, AlertmanagerClient.Rejected rejection) throws InterruptedException {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(settings.deadLetterTopic(),
                alert.getAlertId().getBytes(StandardCharsets.UTF_8), codec.encode(alert));
        record.headers().add(HEADER_REASON, rejection.getMessage().getBytes(StandardCharsets.UTF_8));
        record.headers().add(HEADER_STATUS, Integer.toString(rejection.status()).getBytes(StandardCharsets.UTF_8));
        long backoff = 250;
        while (running) {
            try {
                deadLetters.send(record).get();
                break;
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("Could not write a rejected alert to {} ({}); retrying in {} ms", settings.deadLetterTopic(),
                        e.getCause().toString(), backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
        metrics.rejected.inc();
        metrics.alertmanagerUp.set(1); // it answered
        stopFiring(alert.getAlertId());
        metrics.firing.set(firing.size());
        LOG.warn("Alertmanager rejected an alert of rule {} (partner {}); kept on {}: {}", alert.getRule(),
                alert.getPartnerId(), settings.deadLetterTopic(), rejection.getMessage());
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        return offsets;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }

    /**
     * On assignment, starts a little before the committed offset: far enough back to see every alert updated
     * within the rebuild window, so alerts still firing are known (and re-sent) after a restart.
     */
    private final class RebuildRecentState implements ConsumerRebalanceListener {
        /** The partitions' new owner re-sends their firing alerts from now on; this instance stops. */
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            firingFrom.entrySet().removeIf(e -> {
                boolean moved = partitions.contains(e.getValue());
                if (moved) {
                    firing.remove(e.getKey());
                }
                return moved;
            });
            metrics.firing.set(firing.size());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            long since = System.currentTimeMillis() - settings.rebuildWindow().toMillis();
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, since));
            Map<TopicPartition, OffsetAndTimestamp> byTime = consumer.offsetsForTimes(query);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(Set.copyOf(partitions));
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp recent = byTime.get(tp);
                OffsetAndMetadata done = committed.get(tp);
                if (recent != null && (done == null || recent.offset() < done.offset())) {
                    consumer.seek(tp, recent.offset());
                }
            }
        }
    }
}
