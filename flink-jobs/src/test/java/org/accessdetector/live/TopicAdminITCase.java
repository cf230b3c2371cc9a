package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.accessdetector.cli.DetectorCli;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code topics create} against a real broker: creates every topic once, and later only updates settings. */
class TopicAdminITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void createsEveryTopicWithItsRetentionThenUpdatesIdempotently() throws Exception {
        Topics topics = Topics.defaults();
        try (TopicAdmin admin = new TopicAdmin(KAFKA.bootstrapServers())) {
            List<TopicAdmin.Outcome> first = admin.createOrUpdate(topics);
            assertThat(first).extracting(TopicAdmin.Outcome::topic).containsExactlyInAnyOrder(
                    "partner-api-calls", "partner-agreements", "user-consents", "access-violations",
                    "access-alerts", "detector-dead-letters", "detector-audit");
            assertThat(first).allMatch(TopicAdmin.Outcome::created);

            assertThat(admin.createOrUpdate(topics)).noneMatch(TopicAdmin.Outcome::created);
        }
        Map<String, Config> configs = describe(List.of("partner-api-calls", "partner-agreements", "user-consents",
                "access-violations", "access-alerts", "detector-dead-letters", "detector-audit"));
        assertThat(value(configs, "partner-api-calls", "retention.ms")).isEqualTo(Long.toString(Duration.ofDays(30).toMillis()));
        assertThat(value(configs, "access-violations", "retention.ms")).isEqualTo(Long.toString(Duration.ofDays(365).toMillis()));
        assertThat(value(configs, "access-alerts", "retention.ms")).isEqualTo(Long.toString(Duration.ofDays(365).toMillis()));
        assertThat(value(configs, "detector-dead-letters", "retention.ms")).isEqualTo(Long.toString(Duration.ofDays(30).toMillis()));
        assertThat(value(configs, "detector-audit", "retention.ms")).isEqualTo(Long.toString(Duration.ofDays(730).toMillis()));
        assertThat(value(configs, "partner-agreements", "cleanup.policy")).isEqualTo("compact");
        assertThat(value(configs, "user-consents", "cleanup.policy")).isEqualTo("compact");
        assertThat(value(configs, "partner-api-calls", "cleanup.policy")).isEqualTo("delete");
        // Latency, retention and the start-up hold-back count from the broker's append time, not a producer's clock.
        for (String appendTimed : List.of("partner-api-calls", "partner-agreements", "user-consents",
                "access-violations", "access-alerts")) {
            assertThat(value(configs, appendTimed, "message.timestamp.type")).as(appendTimed).isEqualTo("LogAppendTime");
        }
        assertThat(value(configs, "detector-dead-letters", "message.timestamp.type")).isEqualTo("CreateTime");

        // The command line does the same, and a changed retention is applied to the existing topic.
        int status = DetectorCli.run("topics", "create", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "-c", TopicOptions.CALLS_RETENTION.key() + "=7d");
        assertThat(status).isZero();
        // KRaft brokers learn of a config change from the metadata log, a moment after the controller took it.
        String expected = Long.toString(Duration.ofDays(7).toMillis());
        String retention = null;
        for (long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos(); System.nanoTime() < deadline; ) {
            retention = value(describe(List.of("partner-api-calls")), "partner-api-calls", "retention.ms");
            if (expected.equals(retention)) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(retention).isEqualTo(expected);
    }

    private static Map<String, Config> describe(List<String> names) throws Exception {
        Properties p = new Properties();
        p.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            List<ConfigResource> resources = names.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            return admin.describeConfigs(resources).all().get().entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().name(), Map.Entry::getValue));
        }
    }

    private static String value(Map<String, Config> configs, String topic, String key) {
        return configs.get(topic).get(key).value();
    }
}
