package org.accessdetector.kafka.local;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Reader;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** A real broker process: starts, serves a client, stops without leaving a process or an open port. */
class LocalKafkaBrokerITCase {

    @Test
    void startsServesAndStopsCleanly() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.builder().build().start();
        long pid = broker.pid().orElseThrow();
        int port = broker.port();
        try {
            assertThat(ProcessHandle.of(pid)).isPresent();
            assertThat(Files.readString(broker.logFile())).contains(LocalKafkaBroker.READY_LINE);
            try (Socket s = new Socket("127.0.0.1", port)) {
                assertThat(s.isConnected()).isTrue();
            }
        } finally {
            broker.close();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(LocalKafkaBroker.accepts(port)).isFalse();
        assertThat(broker.pidFile()).doesNotExist();
    }

    @Test
    void aKilledBrokerRestartsOnItsPortsWithWhatItHadWritten() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.builder().build().start()) {
            Properties p = new Properties();
            p.setProperty("bootstrap.servers", broker.bootstrapServers());
            try (Admin admin = Admin.create(p)) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
            }
            p.setProperty("acks", "all");
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("kept", "k", "v")).get();
            }
            long killed = broker.pid().orElseThrow();
            broker.kill();
            assertThat(ProcessHandle.of(killed).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(LocalKafkaBroker.accepts(broker.port())).isFalse();

            broker.start();
            assertThat(broker.pid().orElseThrow()).isNotEqualTo(killed);
            try (Admin admin = Admin.create(p)) {
                var tp = new org.apache.kafka.common.TopicPartition("kept", 0);
                assertThat(admin.listOffsets(java.util.Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                        .partitionResult(tp).get().offset()).as("records after the restart").isEqualTo(1);
            }
        }
    }

    @Test
    void aStaleBrokerOnTheSameDataFolderIsStoppedFirst() throws Exception {
        LocalKafkaBroker first = LocalKafkaBroker.builder().build().start();
        long stalePid = first.pid().orElseThrow();
        // A second broker on the same folder (e.g. after the first launcher was killed) takes over.
        try (LocalKafkaBroker second = LocalKafkaBroker.builder().dataDir(first.dataDir()).build().start()) {
            assertThat(ProcessHandle.of(stalePid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(second.pid()).isPresent();
        } finally {
            first.close();
        }
    }

    @Test
    void aSecureBrokerServesOnlyAuthenticatedAndAuthorizedUsers() throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.builder().secure(List.of("reader")).build().start()) {
            assertThat(broker.users()).containsExactlyInAnyOrder(LocalKafkaBroker.ADMIN, "reader");
            assertThat(Files.getPosixFilePermissions(broker.clientConfig("reader")))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            // The super user may do anything.
            try (Admin admin = Admin.create(client(broker, LocalKafkaBroker.ADMIN))) {
                admin.createTopics(List.of(new NewTopic("secret", 1, (short) 1))).all().get();
                assertThat(admin.listTopics().names().get()).contains("secret");
            }
            // A user with no ACL is authenticated but refused.
            try (KafkaProducer<String, String> producer = producer(client(broker, "reader"))) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("secret", "x")).get())
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(TopicAuthorizationException.class);
            }
            // A wrong password is not let in.
            Properties wrong = client(broker, "reader");
            wrong.setProperty("sasl.jaas.config", wrong.getProperty("sasl.jaas.config")
                    .replaceAll("password=\"[^\"]*\"", "password=\"guess\""));
            try (Admin admin = Admin.create(wrong)) {
                assertThatThrownBy(() -> admin.listTopics().names().get())
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        }
    }

    private static Properties client(LocalKafkaBroker broker, String user) throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(broker.clientConfig(user))) {
            p.load(r);
        }
        p.setProperty("bootstrap.servers", broker.bootstrapServers());
        p.setProperty("max.block.ms", "20000");
        p.setProperty("default.api.timeout.ms", "40000");
        return p;
    }

    private static KafkaProducer<String, String> producer(Properties p) {
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
