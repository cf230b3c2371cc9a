package org.accessdetector.alerting.router;

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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the detector's alerts to Alertmanager. Offsets are committed only after Alertmanager accepted the
 * alerts read, so nothing is lost while it is down: the router retries with backoff and keeps its place.
 * Firing alerts are sent again before their end time lapses; a resolved alert is sent with an end time of
 * now. On start it re-reads the recent past of the topic to know which alerts are still firing.
 */
public final class AlertRouter implements Runnable, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AlertRouter.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** How the router runs. */
    public record Settings(
            String bootstrapServers,
            String topic,
            String groupId,
            String alertmanagerUrl,
            Duration resendInterval,
            Duration rebuildWindow,
            String runbookBaseUrl) {

        /** Alertmanager keeps a firing alert this long without news: three re-send intervals. */
        Duration firingTtl() {
            return resendInterval.multipliedBy(3);
        }
    }

    private final Settings settings;
    private final RouterMetrics metrics;
    private final AlertmanagerClient alertmanager;
    private final AlertmanagerAlerts mapping;
    private final AvroCodec<AccessAlert> codec = new AvroCodec<>(AccessAlert.class);
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, AccessAlert> firing = new LinkedHashMap<>();
    private volatile boolean running = true;

    public AlertRouter(Settings settings, RouterMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        this.alertmanager = new AlertmanagerClient(settings.alertmanagerUrl());
        this.mapping = new AlertmanagerAlerts(settings.runbookBaseUrl(), settings.bootstrapServers());
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public void run() {
        try {
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
                    firing.remove(a.getAlertId());
                } else {
                    firing.put(a.getAlertId(), a);
                }
            } catch (DecodeException e) {
                // Not an alert the router can read: counted, and left on the topic for a person to look at.
                metrics.undecodable.inc();
                LOG.warn("Skipped an undecodable record at {}-{} offset {}: {}", r.topic(), r.partition(),
                        r.offset(), e.getMessage());
            }
        }
        return updates;
    }

    /** Sends until Alertmanager accepts, backing off while it is away; the consumer keeps its partitions. */
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
                try {
                    alertmanager.post(mapping.body(alerts, now, now.plus(settings.firingTtl())));
                    metrics.alertmanagerUp.set(1);
                    metrics.delivered.inc(alerts.size());
                    long accepted = System.currentTimeMillis();
                    for (AccessAlert a : alerts) {
                        if (a.getDetectedAt() != null) {
                            metrics.latency.observe(Math.max(0, accepted - a.getDetectedAt()) / 1000.0);
                        }
                    }
                    return;
                } catch (java.io.IOException e) {
                    metrics.failures.inc();
                    metrics.alertmanagerUp.set(0);
                    LOG.warn("Alertmanager did not take {} alerts ({}); retrying in {} ms", alerts.size(), e, backoff);
                }
                Thread.sleep(backoff);
                consumer.poll(Duration.ZERO); // stays in the group; paused partitions return nothing
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        } finally {
            consumer.resume(paused);
        }
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
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

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
