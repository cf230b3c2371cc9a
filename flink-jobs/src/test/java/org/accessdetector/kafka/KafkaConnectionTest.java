package org.accessdetector.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectionTest {

    @TempDir
    Path dir;

    @Test
    void clientPropertiesAreTheKafkaKeysOtherThanTheDetectorsOwnOptions() {
        Configuration conf = Configuration.fromMap(Map.of(
                "kafka.bootstrap-servers", "broker:9093",
                "kafka.group-id", "detector-prod",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "SCRAM-SHA-512",
                "detector.alert.quiet-period", "10min"));
        KafkaConnection kafka = KafkaConnection.from(conf);
        assertThat(kafka.bootstrapServers()).isEqualTo("broker:9093");
        assertThat(kafka.clientProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"));
        assertThat(kafka.properties()).containsEntry("bootstrap.servers", "broker:9093")
                .containsEntry("security.protocol", "SASL_SSL").doesNotContainKey("group-id");
        assertThat(kafka.secured()).isTrue();
        assertThat(KafkaConnection.plain("localhost:9092").secured()).isFalse();
    }

    @Test
    void aPropertyTheDetectorSetsItselfIsRefusedByName() {
        assertThatThrownBy(() -> KafkaConnection.from(Configuration.fromMap(Map.of("kafka.bootstrap.servers", "x:1"))))
                .hasMessageContaining("kafka.bootstrap.servers").hasMessageContaining(LiveOptions.BOOTSTRAP_SERVERS.key());
        assertThatThrownBy(() -> KafkaConnection.from(Configuration.fromMap(Map.of("kafka.isolation.level",
                "read_uncommitted")))).hasMessageContaining("kafka.isolation.level");
    }

    @Test
    void aClientConfigFileAddsItsPropertiesBelowTheSettingsGiven() throws Exception {
        Path file = dir.resolve("client.properties");
        Files.writeString(file, "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"detector\" password=\"s3cret\";\n");
        Configuration conf = Configuration.fromMap(Map.of("kafka.sasl.mechanism", "SCRAM-SHA-256"));
        KafkaConnection.addClientConfig(conf, file);
        KafkaConnection kafka = KafkaConnection.from(conf);
        assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256"); // -c wins over the file
        assertThat(kafka.toString()).doesNotContain("s3cret").contains("SASL_SSL");
    }
}
