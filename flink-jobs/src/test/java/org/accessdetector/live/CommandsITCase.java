package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.configuration.Configuration;
import org.accessdetector.agreements.AgreementsYaml;
import org.accessdetector.cli.DetectorCli;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.TopicReader;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The commands that feed the topics, against a real broker: agreements publish and revoke, simulate. */
class CommandsITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final Path PARTNERS = Path.of("..", "agreements", "partners.yaml");

    private static final AtomicInteger RUN = new AtomicInteger();

    @TempDir
    Path dir;

    private Topics topics;
    private String[] kafkaArgs;

    /** Each test has topics of its own on the shared broker. */
    @BeforeEach
    void createTopics() throws Exception {
        String suffix = "-" + RUN.incrementAndGet();
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", KAFKA.bootstrapServers()));
        Configuration conf = new Configuration();
        for (var option : TopicOptions.NAMES) {
            conf.set(option, option.defaultValue() + suffix);
            args.addAll(List.of("-c", option.key() + "=" + option.defaultValue() + suffix));
        }
        topics = Topics.from(conf);
        kafkaArgs = args.toArray(String[]::new);
        try (TopicAdmin admin = new TopicAdmin(KAFKA.bootstrapServers())) {
            admin.createOrUpdate(topics);
        }
    }

    private int detector(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(kafkaArgs));
        return DetectorCli.run(all.toArray(String[]::new));
    }

    @Test
    void publishesTheBundledAgreementsThenARevocationAsANewVersion() throws Exception {
        assertThat(detector("agreements", "publish", PARTNERS.toString())).isZero();
        List<PartnerAgreement> bundled = AgreementsYaml.read(PARTNERS);
        List<PartnerAgreement> published = TopicReader.readAll(KAFKA.bootstrapServers(), topics.agreements());
        assertThat(published).containsExactlyInAnyOrderElementsOf(bundled);

        String partner = bundled.get(0).getPartnerId();
        int highest = bundled.stream().filter(a -> a.getPartnerId().equals(partner))
                .mapToInt(PartnerAgreement::getVersion).max().orElseThrow();
        assertThat(detector("agreements", "revoke", "--partner", partner, "--at", "2018-12-18T10:00:00Z")).isZero();

        List<PartnerAgreement> after = TopicReader.readAll(KAFKA.bootstrapServers(), topics.agreements());
        assertThat(after).hasSize(published.size() + 1);
        PartnerAgreement revocation = after.stream()
                .filter(a -> a.getPartnerId().equals(partner) && a.getVersion() == highest + 1).findFirst().orElseThrow();
        assertThat(revocation.getStatus()).isEqualTo(AgreementStatus.REVOKED);
        assertThat(revocation.getEffectiveFrom()).isEqualTo(java.time.Instant.parse("2018-12-18T10:00:00Z").toEpochMilli());
    }

    @Test
    void revokingAnUnknownPartnerIsAOneLineError() {
        assertThat(detector("agreements", "revoke", "--partner", "nobody-knows-me")).isEqualTo(DetectorCli.USAGE_ERROR);
        assertThat(detector("agreements", "revoke", "--partner", "x", "--at", "yesterday"))
                .isEqualTo(DetectorCli.USAGE_ERROR);
    }

    @Test
    void violationsListsTheEvidenceOfAnAlertFromTheTopic() throws Exception {
        org.accessdetector.config.DetectorConfig config = org.accessdetector.config.DetectorConfig.defaults();
        long t = java.time.Instant.parse("2018-12-18T09:30:00Z").toEpochMilli();
        try (org.accessdetector.kafka.TopicWriter writer = new org.accessdetector.kafka.TopicWriter(KAFKA.bootstrapServers())) {
            writer.sendAll(topics.violations(), List.of(
                    violation(config, "in-1", "chatbank", t), violation(config, "in-2", "chatbank", t + 1),
                    violation(config, "other-partner", "acme-phones", t),
                    violation(config, "too-late", "chatbank", t + 86_400_000L)));
        }
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        var cli = DetectorCli.commandLine();
        cli.setOut(new java.io.PrintWriter(out, true));
        cli.setErr(new java.io.PrintWriter(err, true));
        List<String> args = new ArrayList<>(List.of("violations", "--partner", "chatbank", "--rule", "NO_USER_CONSENT",
                "--from", "2018-12-18T00:00:00Z", "--to", "2018-12-19T00:00:00Z"));
        args.addAll(List.of(kafkaArgs));
        assertThat(cli.execute(args.toArray(String[]::new))).as(err.toString()).isZero();

        assertThat(out.toString().lines().map(l -> l.replaceAll(".*\"callId\":\"([^\"]+)\".*", "$1")).toList())
                .as(err.toString()).containsExactlyInAnyOrder("in-1", "in-2");
    }

    private static org.accessdetector.schema.Violation violation(org.accessdetector.config.DetectorConfig config,
            String callId, String partner, long at) {
        return org.accessdetector.rules.Violations.perCall(config, org.accessdetector.schema.ViolationRule.NO_USER_CONSENT,
                callId, partner, org.accessdetector.schema.Resource.MESSAGES, org.accessdetector.schema.Action.READ,
                "alice", null, at, null, 1, "No user consent.");
    }

    @Test
    void simulateSendsTrafficAndWritesItsGroundTruth() throws Exception {
        Path truth = dir.resolve("truth.jsonl");
        assertThat(detector("simulate", "--rate", "400", "--duration", "3s", "--seed", "7",
                "--breach-fraction", "0.2", "--truth", truth.toString())).isZero();

        List<PartnerApiCall> calls = TopicReader.readAll(KAFKA.bootstrapServers(), topics.calls());
        assertThat(calls).hasSizeGreaterThan(600); // about 400/s for 3 s
        List<JsonNode> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(truth)) {
            lines.add(json.readTree(line));
        }
        assertThat(lines).isNotEmpty();
        assertThat(lines).filteredOn(l -> l.has("callId")).allSatisfy(l -> assertThat(
                calls.stream().anyMatch(c -> c.getCallId().equals(l.get("callId").asText()))).isTrue());
    }
}
