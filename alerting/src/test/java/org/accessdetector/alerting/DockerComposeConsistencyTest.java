package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.accessdetector.kafka.local.ComposeSecrets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * docker-compose.yml at the repository root agrees with the repository: mounted files exist, jars are the ones the
 * modules build, images are pinned (Kafka and Flink to the versions in pom.xml), and the ports Prometheus scrapes
 * and alerts to are the ones the services listen on.
 */
class DockerComposeConsistencyTest {

    private static JsonNode compose;
    private static JsonNode services;
    private static JsonNode prometheusConfig;

    @BeforeAll
    static void load() {
        compose = ConfigFiles.yaml(ModulePaths.composeFile());
        services = compose.path("services");
        prometheusConfig = ConfigFiles.yaml(ModulePaths.prometheusConfig());
        assertThat(services.size()).as("services in docker-compose.yml").isPositive();
    }

    // ---------------------------------------------------------------- images

    @Test
    void everyImageIsPinnedToAVersion() {
        Pattern image = Pattern.compile("^(?<name>[a-z0-9._/-]+):(?<tag>[A-Za-z0-9._-]+)$");
        services.fields().forEachRemaining(s -> {
            String ref = s.getValue().path("image").asText();
            Matcher m = image.matcher(ref);
            assertThat(m.matches()).as(s.getKey() + " image '" + ref + "' has an explicit tag").isTrue();
            String tag = m.group("tag");
            assertThat(tag).as(s.getKey() + " image tag").isNotEqualToIgnoringCase("latest")
                    .matches(".*\\d+\\.\\d+.*");
        });
    }

    @Test
    void kafkaAndFlinkImagesFollowTheVersionsInThePom() throws Exception {
        Map<String, String> properties = pomProperties(ModulePaths.repoRoot().resolve("pom.xml"));
        String kafka = "apache/kafka:" + properties.get("kafka.version");
        String flink = "flink:" + properties.get("flink.version") + "-java" + properties.get("maven.compiler.release");
        assertThat(service("kafka").path("image").asText()).isEqualTo(kafka);
        int flinkServices = 0;
        for (Map.Entry<String, JsonNode> s : entries(services)) {
            String image = s.getValue().path("image").asText();
            if (image.startsWith("flink:") || image.startsWith("apache/flink:")) {
                assertThat(image).as(s.getKey() + " image").isEqualTo(flink);
                flinkServices++;
            }
        }
        assertThat(flinkServices).as("services on the Flink image").isGreaterThanOrEqualTo(2);
        assertThat(service("jobmanager").path("image").asText()).isEqualTo(flink);
        assertThat(service("taskmanager").path("image").asText()).isEqualTo(flink);
    }

    // ---------------------------------------------------------------- mounts

    @Test
    void everyMountedRepositoryPathExistsAndJarsAreTheModulesBuildOutputs() throws Exception {
        // What the modules build that the stack mounts: the two jars and the dashboard's console templates.
        Set<String> buildOutputs = Set.of(
                "flink-jobs/target/" + finalName(ModulePaths.repoRoot().resolve("flink-jobs/pom.xml")) + ".jar",
                "alerting/target/" + finalName(ModulePaths.alertingDir().resolve("pom.xml")) + ".jar",
                "alerting/target/prometheus-consoles");
        Set<String> declaredVolumes = new LinkedHashSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(declaredVolumes::add);
        int binds = 0;
        for (Map.Entry<String, JsonNode> s : entries(services)) {
            for (Mount mount : mounts(s.getValue())) {
                String what = s.getKey() + " mount " + mount;
                if (!mount.bind()) {
                    assertThat(declaredVolumes).as(what + ": named volume declared under volumes:").contains(mount.source());
                    continue;
                }
                binds++;
                assertThat(mount.source()).as(what + ": relative to the repository").startsWith("./");
                String relative = Path.of(mount.source()).normalize().toString();
                Path onDisk = ModulePaths.repoRoot().resolve(relative).normalize();
                assertThat(onDisk.startsWith(ModulePaths.repoRoot())).as(what + " stays inside the repository").isTrue();
                if (relative.contains("/target/")) {
                    assertThat(buildOutputs).as(what + ": a build output of a module").contains(relative);
                    assertThat(mount.readOnly()).as(what + " read-only").isTrue();
                } else {
                    assertThat(Files.exists(onDisk)).as(what + ": " + onDisk + " exists").isTrue();
                }
            }
        }
        assertThat(binds).isPositive();
    }

    @Test
    void theJobRunsTheClusterEntryClassAndTheTopicSetupTheDetectorCli() {
        assertThat(ModulePaths.repoRoot().resolve("flink-jobs/src/main/java/org/accessdetector/cli/DetectorCli.java")).exists();
        assertThat(ModulePaths.repoRoot().resolve("flink-jobs/src/main/java/org/accessdetector/cli/ClusterJob.java")).exists();
        String jobmanager = command(service("jobmanager"));
        // The cluster entry class (runs `detector run` without System.exit and without the launcher's tools).
        assertThat(jobmanager).contains("standalone-job", "--job-classname org.accessdetector.cli.ClusterJob",
                "--bootstrap-servers kafka:9092");
        assertThat(String.join(" ", command(service("topic-init")), entrypoint(service("topic-init"))))
                .contains("org.accessdetector.cli.DetectorCli", "topics create --bootstrap-servers kafka:9092");
        assertThat(command(service("taskmanager"))).isEqualTo("taskmanager");
        assertThat(brokerSettings().getProperty("advertised.listeners")).contains("//kafka:9092");
        assertThat(command(service("alert-router"))).contains("/alert-router.jar", "--bootstrap-servers kafka:9092");
    }

    // ---------------------------------------------------------------- Kafka security

    /**
     * Every listener of the broker is SASL_SSL, with the SCRAM logins and keystore {@link ComposeSecrets} generates
     * for exactly these listener names, and requests are authorized by ACLs with nothing allowed by default; the
     * broker runs the repository's start script on the repository's settings, and clients find it where it
     * advertises itself.
     */
    @Test
    void theBrokerIsSaslSslOnEveryListenerWithAclsAndTheGeneratedSecurity() throws Exception {
        JsonNode kafka = service("kafka");
        String scriptDir = mountTarget(kafka, "./compose/kafka");
        assertThat(entrypoint(kafka)).isEqualTo("/bin/sh " + scriptDir + "/start.sh");
        assertThat(ModulePaths.repoRoot().resolve("compose/kafka/start.sh")).exists();

        java.util.Properties broker = brokerSettings();
        Map<String, String> protocols = new LinkedHashMap<>();
        for (String entry : broker.getProperty("listener.security.protocol.map").split(",")) {
            protocols.put(entry.split(":")[0], entry.split(":")[1]);
        }
        assertThat(protocols).as("every listener SASL_SSL").allSatisfy((name, protocol) ->
                assertThat(protocol).as(name).isEqualTo("SASL_SSL"));
        List<String> expected = new ArrayList<>(ComposeSecrets.SCRAM_LISTENERS);
        expected.add(ComposeSecrets.CONTROLLER_LISTENER);
        assertThat(protocols.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(listenerNames(broker.getProperty("listeners"))).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(broker.getProperty("controller.listener.names")).isEqualTo(ComposeSecrets.CONTROLLER_LISTENER);
        assertThat(broker.getProperty("inter.broker.listener.name")).isEqualTo(ComposeSecrets.SCRAM_LISTENERS.get(0));
        assertThat(broker.getProperty("advertised.listeners"))
                .isEqualTo("INTERNAL://kafka:9092,EXTERNAL://localhost:19092");
        assertThat(publishedContainerPorts(kafka)).containsExactly(19092);
        assertThat(kafka.path("ports").get(0).asText()).startsWith("127.0.0.1:");

        // What the start script appends: generated here the way `./detector compose secrets` does.
        Path secrets = Files.createTempDirectory("compose-secrets");
        try {
            ComposeSecrets.write(secrets, List.of("detector", "router"));
            java.util.Properties security = new java.util.Properties();
            try (java.io.Reader r = Files.newBufferedReader(secrets.resolve(ComposeSecrets.BROKER_CONFIG))) {
                security.load(r);
            }
            assertThat(security.stringPropertyNames()).as("the generated part sets no listener")
                    .noneMatch(broker.stringPropertyNames()::contains);
            for (String listener : ComposeSecrets.SCRAM_LISTENERS) {
                assertThat(security.getProperty("listener.name." + listener.toLowerCase() + ".scram-sha-512.sasl.jaas.config"))
                        .as(listener + " SCRAM login").contains("ScramLoginModule");
            }
            assertThat(security.getProperty("authorizer.class.name")).endsWith("StandardAuthorizer");
            assertThat(security.getProperty("allow.everyone.if.no.acl.found")).isEqualTo("false");
            assertThat(security.getProperty("super.users")).isEqualTo("User:" + ComposeSecrets.ADMIN);
            for (String file : List.of(security.getProperty("ssl.keystore.location"),
                    security.getProperty("ssl.truststore.location"))) {
                String secret = file.substring(ComposeSecrets.MOUNT.length());
                assertThat(secretsOf(kafka)).as("the broker is given " + file).contains(secret);
            }
        } finally {
            deleteTree(secrets);
        }
        assertThat(secretsOf(kafka)).contains(ComposeSecrets.BROKER_CONFIG, ComposeSecrets.SCRAM_USERS);
    }

    /**
     * Each service that talks to Kafka logs in as its own principal (the client file of its role, passed with
     * {@code --client-config}) and is given no other role's secret: the detector's JobManager, the router, and the
     * topic set-up as the super user; the TaskManagers only trust the CA.
     */
    @Test
    void everyKafkaClientLogsInAsItsOwnPrincipalAndHoldsNoOtherSecret() {
        Map<String, String> roles = Map.of("jobmanager", "detector", "alert-router", "router", "topic-init",
                ComposeSecrets.ADMIN);
        for (Map.Entry<String, JsonNode> s : entries(services)) {
            String commandLine = command(s.getValue());
            if (!commandLine.contains("kafka:9092") || s.getKey().equals("kafka")) {
                continue;
            }
            String role = roles.get(s.getKey());
            assertThat(role).as(s.getKey() + " talks to Kafka: which principal?").isNotNull();
            String clientFile = ComposeSecrets.MOUNT + ComposeSecrets.client(role);
            Matcher m = Pattern.compile("--client-config[ =](\\S+)").matcher(commandLine);
            int uses = 0;
            while (m.find()) {
                assertThat(m.group(1)).as(s.getKey() + " --client-config").isEqualTo(clientFile);
                uses++;
            }
            assertThat(uses).as(s.getKey() + ": every Kafka command logs in")
                    .isEqualTo(countOf(commandLine, "--bootstrap-servers")).isPositive();
            assertThat(secretsOf(s.getValue())).as(s.getKey() + " secrets")
                    .containsExactlyInAnyOrder(ComposeSecrets.CA, ComposeSecrets.client(role));
        }
        assertThat(secretsOf(service("taskmanager"))).containsExactly(ComposeSecrets.CA);
        assertThat(secretsOf(service("kafka"))).doesNotContain(ComposeSecrets.client("detector"),
                ComposeSecrets.client("router"));
        assertThat(command(service("topic-init"))).contains("topics create", "topics grant");
    }

    /** Every secret the services use is declared, and is a file `./detector compose secrets` makes where it makes it. */
    @Test
    void everySecretIsAFileTheSecretsCommandMakes() {
        Set<String> declared = new LinkedHashSet<>();
        compose.path("secrets").fieldNames().forEachRemaining(declared::add);
        Set<String> used = new LinkedHashSet<>();
        entries(services).forEach(s -> used.addAll(secretsOf(s.getValue())));
        assertThat(declared).as("declared secrets are the used ones").containsExactlyInAnyOrderElementsOf(used);
        Set<String> made = ComposeSecrets.names(List.of("detector", "router"));
        for (String name : declared) {
            assertThat(made).as("secret " + name).contains(name);
            assertThat(Path.of(compose.path("secrets").path(name).path("file").asText()).normalize())
                    .as("secret " + name + " file").isEqualTo(ComposeSecrets.DEFAULT_DIR.resolve(name));
        }
    }

    // ---------------------------------------------------------------- ports

    @Test
    void prometheusScrapesTheServicesOnTheirPorts() {
        Map<String, Integer> expected = new LinkedHashMap<>();
        expected.put("jobmanager", 9249);
        expected.put("taskmanager", 9249);
        expected.put("alert-router", 9250);
        expected.put("alertmanager", 9093);

        Map<String, Integer> scraped = new HashMap<>();
        for (JsonNode job : prometheusConfig.path("scrape_configs")) {
            for (HostPort target : targets(job)) {
                if (target.host().equals("localhost")) {
                    assertThat(job.path("job_name").asText()).isEqualTo("prometheus");
                    assertThat(containerPorts(service("prometheus"))).contains(target.port());
                    continue;
                }
                assertThat(services.has(target.host())).as("scrape target " + target + " is a compose service").isTrue();
                assertThat(containerPorts(service(target.host()))).as("ports of " + target.host()).contains(target.port());
                scraped.put(target.host(), target.port());
            }
        }
        assertThat(scraped).containsAllEntriesOf(expected);
        assertThat(prometheusConfig.path("scrape_configs").findValuesAsText("metrics_path")).allMatch("/metrics"::equals);
    }

    @Test
    void flinkReportsToPrometheusOnTheScrapedPort() {
        for (String name : List.of("jobmanager", "taskmanager")) {
            Map<String, String> props = flinkProperties(service(name));
            assertThat(props.get("metrics.reporter.prom.factory.class")).as(name)
                    .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            assertThat(props.get("metrics.reporter.prom.port")).as(name).isEqualTo("9249");
            assertThat(props.get("jobmanager.rpc.address")).as(name).isEqualTo("jobmanager");
        }
    }

    /**
     * A restarted JobManager resumes the job from its latest checkpoint: both Flink services find the leader and the
     * job's metadata through the same ZooKeeper service and storage directory, a volume both mount (and the storage
     * init makes Flink's), and the JobManager is restarted when it dies.
     */
    @Test
    void theJobManagerIsHighlyAvailableThroughZooKeeperAndStorageBothFlinkServicesShare() {
        Map<String, String> jobmanager = flinkProperties(service("jobmanager"));
        Map<String, String> taskmanager = flinkProperties(service("taskmanager"));
        for (String key : List.of("high-availability.type", "high-availability.zookeeper.quorum",
                "high-availability.storageDir", "high-availability.cluster-id")) {
            assertThat(jobmanager.get(key)).as("jobmanager " + key).isNotBlank();
            assertThat(taskmanager.get(key)).as("taskmanager " + key).isEqualTo(jobmanager.get(key));
        }
        assertThat(jobmanager.get("high-availability.type")).isEqualTo("zookeeper");
        for (String server : jobmanager.get("high-availability.zookeeper.quorum").split(",")) {
            String[] hostPort = server.split(":");
            assertThat(service(hostPort[0]).path("image").asText()).as(server).startsWith("zookeeper:");
            assertThat(hostPort[1]).as("the ZooKeeper image's client port").isEqualTo("2181");
        }
        for (String dirKey : List.of("high-availability.storageDir", "execution.checkpointing.dir")) {
            String dir = java.net.URI.create(jobmanager.get(dirKey)).getPath();
            Mount jm = mounts(service("jobmanager")).stream().filter(m -> m.target().equals(dir)).findFirst()
                    .orElseThrow(() -> new AssertionError("jobmanager mounts nothing at " + dir));
            assertThat(jm.bind()).as(dir + " is a named volume").isFalse();
            assertThat(mounts(service("taskmanager"))).as("taskmanager mounts " + dir).contains(jm);
            assertThat(mounts(service("flink-storage-init"))).as("flink-storage-init mounts " + dir).contains(jm);
            assertThat(entrypoint(service("flink-storage-init"))).as("made Flink's").contains(dir);
        }
        assertThat(service("jobmanager").path("restart").asText()).isIn("unless-stopped", "always");
        assertThat(service("jobmanager").path("depends_on").has("zookeeper")).isTrue();
    }

    /**
     * The flink image's entrypoint strips all whitespace from each FLINK_PROPERTIES line and takes every line as a
     * setting: a comment, a value with spaces or a quoted value would silently become a wrong setting.
     */
    @Test
    void flinkPropertiesSurviveTheImageEntrypoint() {
        for (Map.Entry<String, JsonNode> s : entries(services)) {
            String block = env(s.getValue()).get("FLINK_PROPERTIES");
            if (block == null) {
                continue;
            }
            for (String line : block.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                assertThat(line.strip()).as(s.getKey() + " FLINK_PROPERTIES line").matches("[A-Za-z0-9._-]+: [^\\s\"'#]+");
            }
        }
    }

    @Test
    void alertsGoToAlertmanagerOnItsPort() {
        List<HostPort> alertmanagers = new ArrayList<>();
        for (JsonNode am : prometheusConfig.path("alerting").path("alertmanagers")) {
            for (JsonNode sc : am.path("static_configs")) {
                sc.path("targets").forEach(t -> alertmanagers.add(HostPort.parse(t.asText())));
            }
        }
        assertThat(alertmanagers).as("both members of the Alertmanager cluster")
                .containsExactly(new HostPort("alertmanager", 9093), new HostPort("alertmanager-2", 9093));
        for (HostPort am : alertmanagers) {
            assertThat(containerPorts(service(am.host()))).as(am.host()).contains(9093);
        }
        assertThat(publishedContainerPorts(service("alertmanager"))).contains(9093);

        Matcher url = Pattern.compile("--alertmanager-url[ =](\\S+)").matcher(command(service("alert-router")));
        assertThat(url.find()).as("alert-router --alertmanager-url").isTrue();
        List<HostPort> routed = new ArrayList<>();
        for (String u : url.group(1).split(",")) {
            URI uri = URI.create(u);
            routed.add(new HostPort(uri.getHost(), uri.getPort()));
        }
        assertThat(routed).as("the router posts to the same Alertmanagers as Prometheus").isEqualTo(alertmanagers);
        assertThat(containerPorts(service("alert-router"))).contains(9250);
        // The router's metrics listen on loopback unless told otherwise: in its container, Prometheus (another
        // container) could not reach them.
        assertThat(command(service("alert-router"))).as("alert-router --metrics-host").contains("--metrics-host 0.0.0.0");
    }

    /** Each Alertmanager gossips on 9094 with the other, so the pair is one cluster that pages once. */
    @Test
    void theAlertmanagersFormOneClusterEachPeeringWithTheOther() {
        for (List<String> pair : List.of(List.of("alertmanager", "alertmanager-2"), List.of("alertmanager-2", "alertmanager"))) {
            JsonNode am = service(pair.get(0));
            assertThat(flag(am, "--cluster.listen-address")).as(pair.get(0)).endsWith(":9094");
            assertThat(flag(am, "--cluster.peer")).as(pair.get(0)).isEqualTo(pair.get(1) + ":9094");
            assertThat(containerPorts(service(pair.get(1)))).as(pair.get(1) + " gossip port").contains(9094);
            assertThat(am.path("image").asText()).isEqualTo(service(pair.get(1)).path("image").asText());
        }
    }

    @Test
    void prometheusServesTheDashboardsConsoleTemplatesTheBuildMakes() {
        JsonNode prometheus = service("prometheus");
        String consoles = mountTarget(prometheus, "./alerting/target/prometheus-consoles");
        assertThat(flag(prometheus, "--web.console.templates")).isEqualTo(consoles);
        assertThat(flag(prometheus, "--web.console.libraries")).isEqualTo(consoles);
    }

    @Test
    void prometheusAndAlertmanagerLoadTheMountedConfig() {
        JsonNode prometheus = service("prometheus");
        String promConfig = flag(prometheus, "--config.file");
        assertThat(mountTarget(prometheus, "./alerting/prometheus/prometheus.yml")).isEqualTo(promConfig);
        // rule_files are relative to the config file: rules/ must be mounted beside it.
        for (JsonNode ruleGlob : prometheusConfig.path("rule_files")) {
            String dir = Path.of(ruleGlob.asText()).getParent().toString();
            assertThat(mountTarget(prometheus, "./alerting/prometheus/" + dir))
                    .isEqualTo(Path.of(promConfig).getParent().resolve(dir).toString());
        }
        assertThat(publishedContainerPorts(prometheus)).contains(9090);

        JsonNode alertmanager = service("alertmanager");
        assertThat(mountTarget(alertmanager, "./alerting/alertmanager/alertmanager.yml"))
                .isEqualTo(flag(alertmanager, "--config.file"));
    }

    @Test
    void grafanaProvisioningMatchesItsMountsAndPrometheus() {
        JsonNode grafana = service("grafana");
        assertThat(publishedContainerPorts(grafana)).contains(3000);
        assertThat(mountTarget(grafana, "./alerting/grafana/provisioning")).isEqualTo("/etc/grafana/provisioning");
        String dashboardsPath = ConfigFiles.yaml(ModulePaths.grafanaProvisioningDir().resolve("dashboards/dashboards.yml"))
                .path("providers").get(0).path("options").path("path").asText();
        assertThat(mountTarget(grafana, "./alerting/grafana/dashboards")).isEqualTo(dashboardsPath);

        URI datasource = URI.create(ConfigFiles.yaml(ModulePaths.grafanaProvisioningDir().resolve("datasources/prometheus.yml"))
                .path("datasources").get(0).path("url").asText());
        assertThat(services.has(datasource.getHost())).as("datasource host " + datasource.getHost()).isTrue();
        assertThat(containerPorts(service(datasource.getHost()))).contains(datasource.getPort());
    }

    // ---------------------------------------------------------------- helpers

    record HostPort(String host, int port) {
        static HostPort parse(String target) {
            int colon = target.lastIndexOf(':');
            return new HostPort(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    record Mount(boolean bind, String source, String target, boolean readOnly) {}

    /** The host:port targets of a scrape job, static or DNS-discovered. */
    static List<HostPort> targets(JsonNode job) {
        List<HostPort> out = new ArrayList<>();
        for (JsonNode sc : job.path("static_configs")) {
            sc.path("targets").forEach(t -> out.add(HostPort.parse(t.asText())));
        }
        for (JsonNode dns : job.path("dns_sd_configs")) {
            dns.path("names").forEach(n -> out.add(new HostPort(n.asText(), dns.path("port").asInt())));
        }
        return out;
    }

    private static java.util.Properties brokerSettings() {
        java.util.Properties p = new java.util.Properties();
        try (java.io.Reader r = Files.newBufferedReader(ModulePaths.repoRoot().resolve("compose/kafka/server.properties"))) {
            p.load(r);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return p;
    }

    private static List<String> listenerNames(String listeners) {
        List<String> names = new ArrayList<>();
        for (String l : listeners.split(",")) {
            names.add(l.substring(0, l.indexOf("://")));
        }
        return names;
    }

    /** The secrets a service lists (short syntax, or long syntax's source). */
    private static List<String> secretsOf(JsonNode service) {
        List<String> out = new ArrayList<>();
        service.path("secrets").forEach(s -> out.add(s.isObject() ? s.path("source").asText() : s.asText()));
        return out;
    }

    private static int countOf(String text, String word) {
        return text.split(Pattern.quote(word), -1).length - 1;
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static JsonNode service(String name) {
        JsonNode service = services.path(name);
        assertThat(service.isObject()).as("service " + name + " in docker-compose.yml").isTrue();
        return service;
    }

    private static List<Map.Entry<String, JsonNode>> entries(JsonNode node) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        node.fields().forEachRemaining(out::add);
        return out;
    }

    private static String command(JsonNode service) {
        return words(service.path("command"));
    }

    private static String entrypoint(JsonNode service) {
        return words(service.path("entrypoint"));
    }

    private static String words(JsonNode node) {
        if (node.isArray()) {
            List<String> parts = new ArrayList<>();
            node.forEach(p -> parts.add(p.asText()));
            return String.join(" ", parts);
        }
        return node.asText("");
    }

    /** The value of a {@code --flag=value} in a service's command. */
    private static String flag(JsonNode service, String flag) {
        Matcher m = Pattern.compile(Pattern.quote(flag) + "[ =](\\S+)").matcher(command(service));
        assertThat(m.find()).as(flag + " in " + command(service)).isTrue();
        return m.group(1);
    }

    private static Map<String, String> env(JsonNode service) {
        Map<String, String> out = new HashMap<>();
        JsonNode environment = service.path("environment");
        if (environment.isObject()) {
            environment.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } else {
            environment.forEach(e -> {
                String text = e.asText();
                int eq = text.indexOf('=');
                out.put(eq < 0 ? text : text.substring(0, eq), eq < 0 ? "" : text.substring(eq + 1));
            });
        }
        return out;
    }

    private static Map<String, String> flinkProperties(JsonNode service) {
        Map<String, String> out = new HashMap<>();
        String block = env(service).getOrDefault("FLINK_PROPERTIES", "");
        for (String line : block.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return out;
    }

    private static List<Mount> mounts(JsonNode service) {
        List<Mount> out = new ArrayList<>();
        for (JsonNode volume : service.path("volumes")) {
            if (volume.isTextual()) {
                String[] parts = volume.asText().split(":");
                String source = parts[0];
                boolean bind = source.startsWith(".") || source.startsWith("/") || source.startsWith("~");
                boolean readOnly = parts.length > 2 && List.of(parts[2].split(",")).contains("ro");
                out.add(new Mount(bind, source, parts.length > 1 ? parts[1] : parts[0], readOnly));
            } else {
                out.add(new Mount(volume.path("type").asText("volume").equals("bind"), volume.path("source").asText(),
                        volume.path("target").asText(), volume.path("read_only").asBoolean(false)));
            }
        }
        return out;
    }

    private static String mountTarget(JsonNode service, String source) {
        String wanted = Path.of(source).normalize().toString();
        return mounts(service).stream().filter(m -> m.bind() && Path.of(m.source()).normalize().toString().equals(wanted))
                .map(Mount::target).findFirst()
                .orElseThrow(() -> new AssertionError("no mount of " + source + " in " + service));
    }

    /** Ports a service's containers listen on, from ports: and expose:. */
    private static Set<Integer> containerPorts(JsonNode service) {
        Set<Integer> out = new LinkedHashSet<>(publishedContainerPorts(service));
        service.path("expose").forEach(p -> out.add(Integer.parseInt(p.asText().split("/")[0])));
        return out;
    }

    private static Set<Integer> publishedContainerPorts(JsonNode service) {
        Set<Integer> out = new LinkedHashSet<>();
        for (JsonNode port : service.path("ports")) {
            if (port.isObject()) {
                out.add(port.path("target").asInt());
            } else {
                String[] parts = port.asText().split("/")[0].split(":");
                out.add(Integer.parseInt(parts[parts.length - 1]));
            }
        }
        return out;
    }

    private static Map<String, String> pomProperties(Path pom) throws Exception {
        Map<String, String> out = new HashMap<>();
        Element properties = child(parse(pom).getDocumentElement(), "properties");
        for (Node n = properties.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                out.put(e.getTagName(), e.getTextContent().strip());
            }
        }
        return out;
    }

    /** The build's finalName of a module, or artifactId-version if it sets none. */
    private static String finalName(Path pom) throws Exception {
        Element project = parse(pom).getDocumentElement();
        Element build = child(project, "build");
        Element finalName = build == null ? null : child(build, "finalName");
        if (finalName != null) {
            return finalName.getTextContent().strip();
        }
        Element parent = child(project, "parent");
        Element version = child(project, "version") != null ? child(project, "version") : child(parent, "version");
        return child(project, "artifactId").getTextContent().strip() + "-" + version.getTextContent().strip();
    }

    private static Document parse(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile());
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }
}
