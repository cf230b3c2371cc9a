package org.accessdetector.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/** Creates the detector's topics, or brings existing ones to the configured retention; safe to run again. */
public final class TopicAdmin implements AutoCloseable {

    /** What happened to one topic. */
    public record Outcome(String topic, boolean created, Map<String, String> configs) {}

    private final Admin admin;

    /** Administers a PLAINTEXT broker. */
    public TopicAdmin(String bootstrapServers) {
        this(KafkaConnection.plain(bootstrapServers));
    }

    public TopicAdmin(KafkaConnection kafka) {
        Properties p = kafka.properties();
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        this.admin = Admin.create(p);
    }

    public List<Outcome> createOrUpdate(Topics topics) throws ExecutionException, InterruptedException {
        Map<String, Map<String, String>> wanted = new HashMap<>();
        for (Topics.Topic<?> t : topics.recordTopics()) {
            wanted.put(t.name(), configs(t.compacted(), t.retention() == null ? -1 : t.retention().toMillis(),
                    t.logAppendTime()));
        }
        // Dead letters keep the bad record's original timestamp.
        wanted.put(topics.deadLetters().name(), configs(false, topics.deadLetters().retention().toMillis(), false));

        Set<String> existing = admin.listTopics().names().get();
        List<Outcome> outcomes = new ArrayList<>();
        List<NewTopic> toCreate = new ArrayList<>();
        Map<ConfigResource, Collection<AlterConfigOp>> toAlter = new HashMap<>();
        for (Map.Entry<String, Map<String, String>> e : wanted.entrySet()) {
            if (existing.contains(e.getKey())) {
                List<AlterConfigOp> ops = new ArrayList<>();
                e.getValue().forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
                toAlter.put(new ConfigResource(ConfigResource.Type.TOPIC, e.getKey()), ops);
            } else {
                toCreate.add(new NewTopic(e.getKey(), topics.partitions(), topics.replicationFactor())
                        .configs(e.getValue()));
            }
            outcomes.add(new Outcome(e.getKey(), !existing.contains(e.getKey()), e.getValue()));
        }
        if (!toCreate.isEmpty()) {
            admin.createTopics(toCreate).all().get();
        }
        if (!toAlter.isEmpty()) {
            admin.incrementalAlterConfigs(toAlter).all().get();
        }
        outcomes.sort(java.util.Comparator.comparing(Outcome::topic));
        return outcomes;
    }

    /** Grants the model's ACLs (needs a principal allowed to alter ACLs); returns them. */
    public List<org.apache.kafka.common.acl.AclBinding> grant(AccessModel model)
            throws ExecutionException, InterruptedException {
        return model.grant(admin);
    }

    private static Map<String, String> configs(boolean compacted, long retentionMillis, boolean logAppendTime) {
        Map<String, String> c = new HashMap<>();
        c.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, logAppendTime ? "LogAppendTime" : "CreateTime");
        if (compacted) {
            c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        } else {
            c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
            c.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMillis));
        }
        return c;
    }

    @Override
    public void close() {
        admin.close();
    }
}
