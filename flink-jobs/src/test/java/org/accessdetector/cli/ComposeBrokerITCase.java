package org.accessdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.accessdetector.kafka.local.ComposeSecrets;
import org.accessdetector.kafka.local.LocalKafkaBroker;
import org.accessdetector.testing.Await;
import org.accessdetector.testing.Ports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml's broker, without Docker (there is none here): its entry point ({@code compose/kafka/start.sh})
 * runs on this machine with the repository's broker settings, the secrets {@code ./detector compose secrets} makes,
 * and Kafka's own broker and storage tool. What a container would see at {@code /run/secrets} is a folder here, and
 * the listeners take free ports on loopback instead of 9092, 19092 and 29093 with {@code localhost} for the
 * compose service's name, as the certificate allows; nothing else of the settings is changed. Then the topic
 * set-up runs as topic-init does, as the super user, and each principal may do what the access model grants and
 * is refused the rest, on the services' listener and on the host's.
 */
class ComposeBrokerITCase {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private Process broker;

    @AfterEach
    void stopBroker() throws Exception {
        if (broker != null) {
            broker.destroy(); // start.sh execs Kafka: this is the broker's own pid
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theComposeBrokerAuthenticatesEveryPrincipalAndAuthorizesOnlyWhatTheAccessModelGrants() throws Exception {
        Path secrets = dir.resolve("secrets");
        assertThat(DetectorCli.run("compose", "secrets", "--dir", secrets.toString())).isZero();

        // What the containers see at /run/secrets.
        Path mounted = Files.createDirectories(dir.resolve("run-secrets"));
        try (var files = Files.list(secrets)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = mounted.resolve(f.getFileName());
                if (f.getFileName().toString().equals(ComposeSecrets.BROKER_KEYSTORE)) {
                    Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    Files.writeString(to, Files.readString(f).replace(ComposeSecrets.MOUNT, mounted + "/"));
                }
            }
        }
        int internal = Ports.free();
        int external = Ports.free();
        int controller = Ports.free();
        Path kafkaDir = Files.createDirectories(dir.resolve("compose-kafka"));
        Files.copy(REPO.resolve("compose/kafka/start.sh"), kafkaDir.resolve("start.sh"));
        String settings = Files.readString(REPO.resolve("compose/kafka/server.properties"))
                .replaceAll(":29093\\b", ":" + controller)
                .replaceAll(":19092\\b", ":" + external)
                .replaceAll(":9092\\b", ":" + internal)
                .replace("://:", "://127.0.0.1:")
                .replace("kafka:", "localhost:")
                .replace("/var/lib/kafka/data", dir.resolve("data").toString());
        Files.writeString(kafkaDir.resolve("server.properties"), settings);

        // Kafka's two scripts that start.sh calls, as the image has them, on Kafka's own classes.
        Path bin = Files.createDirectories(dir.resolve("kafka/bin"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(bin.resolve("kafka-storage.sh"),
                "#!/bin/sh\nexec '" + java + "' -Xmx256m -cp \"$KAFKA_CP\" kafka.tools.StorageTool \"$@\"\n");
        Files.writeString(bin.resolve("kafka-server-start.sh"),
                "#!/bin/sh\nexec '" + java + "' -Xmx512m -XX:+UseSerialGC -cp \"$KAFKA_CP\" kafka.Kafka \"$@\"\n");
        bin.resolve("kafka-storage.sh").toFile().setExecutable(true);
        bin.resolve("kafka-server-start.sh").toFile().setExecutable(true);

        Path log = dir.resolve("broker.log");
        ProcessBuilder start = new ProcessBuilder("/bin/sh", kafkaDir.resolve("start.sh").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = start.environment();
        env.put("SECRETS_DIR", mounted.toString());
        env.put("KAFKA_HOME", dir.resolve("kafka").toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        env.put("CLUSTER_ID", "J7x7Xc1ZTBeell5_Sfh-Qw");
        env.put("KAFKA_CP", LocalKafkaBroker.bundledClasspath());
        broker = start.start();

        String services = "127.0.0.1:" + internal;
        String host = "localhost:" + external;
        Path admin = mounted.resolve(ComposeSecrets.client(ComposeSecrets.ADMIN));
        Await.until("the compose broker serving its super user over SASL_SSL", WAIT, () -> {
            assertThat(broker.isAlive()).as("broker running; its log: " + log).isTrue();
            return clusterAnswers(services, admin);
        });
        assertThat(Files.readString(dir.resolve("tmp/server.properties")))
                .as("the joined settings hold the generated security").contains("StandardAuthorizer");

        // topic-init, as the compose file runs it.
        assertThat(DetectorCli.run("topics", "create", "--bootstrap-servers", services, "--client-config",
                admin.toString())).isZero();
        assertThat(DetectorCli.run("topics", "grant", "--bootstrap-servers", services, "--client-config",
                admin.toString())).isZero();

        String agreements = REPO.resolve("agreements/partners.yaml").toString();
        Path hostClients = secrets.resolve("host");
        // From the host, through the published listener: the publisher may publish, the simulator and a
        // responder may not.
        assertThat(publish(agreements, host, hostClients.resolve("simulator.properties")))
                .as("the simulator publishing agreements").isEqualTo(DetectorCli.REFUSED);
        assertThat(publish(agreements, host, hostClients.resolve("responder.properties")))
                .as("a responder publishing agreements").isEqualTo(DetectorCli.REFUSED);
        assertThat(publish(agreements, host, hostClients.resolve("agreements.properties")))
                .as("the agreements publisher").isZero();
        // Inside, with the file a service is given: the router may not publish either.
        assertThat(publish(agreements, services, mounted.resolve(ComposeSecrets.client("router"))))
                .as("the router publishing agreements").isEqualTo(DetectorCli.REFUSED);

        // A wrong password is refused at login.
        Path wrong = dir.resolve("wrong.properties");
        Properties login = new Properties();
        try (var r = Files.newBufferedReader(hostClients.resolve("agreements.properties"))) {
            login.load(r);
        }
        String jaas = login.getProperty("sasl.jaas.config");
        login.setProperty("sasl.jaas.config", jaas.replaceAll("password=\"[0-9a-f]+\"", "password=\"0000\""));
        assertThat(login.getProperty("sasl.jaas.config")).isNotEqualTo(jaas);
        try (var w = Files.newBufferedWriter(wrong)) {
            login.store(w, null);
        }
        assertThat(publish(agreements, host, wrong)).as("a wrong password").isEqualTo(DetectorCli.REFUSED);
    }

    private static int publish(String file, String bootstrap, Path clientConfig) {
        return DetectorCli.run("agreements", "publish", file, "--bootstrap-servers", bootstrap, "--client-config",
                clientConfig.toString());
    }

    private static boolean clusterAnswers(String bootstrap, Path clientConfig) throws Exception {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(clientConfig)) {
            p.load(r);
        }
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
    }
}
