package org.accessdetector.responder;

import static org.accessdetector.testing.LiveStory.agreements;
import static org.accessdetector.testing.LiveStory.calls;
import static org.accessdetector.testing.LiveStory.consents;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.accessdetector.cli.DetectorCli;
import org.accessdetector.kafka.DeadLetter;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.AuditEvent;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.testing.Flink;
import org.accessdetector.testing.KafkaClients;
import org.accessdetector.testing.LiveStory;
import org.accessdetector.testing.LiveTestJob;
import org.accessdetector.testing.Story;
import org.accessdetector.testing.Verdicts;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The responders' commands over topics the live job filled with the hand-derived story (plus calls with access
 * tokens and one corrupt record): each saved query of investigations/ returns exactly the rows worked out by hand
 * from the story, the views agree with the topics read with a plain consumer, and the evidence bundle of an alert
 * holds exactly its violations, calls, agreement version and the consent event that decided.
 */
class ResponderITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    private static final Path INVESTIGATIONS = Path.of("..", "investigations").toAbsolutePath().normalize();
    /** Calls with access tokens: chatbank writing alice's messages, which it may (no violation). */
    private static final List<String> TOKEN_CALLS = List.of(
            Story.call("t1", "chatbank", "alice", null, "MESSAGES", "WRITE", "2018-12-18T09:20:00Z",
                    ",\"tokenId\":\"tok-chat-1\",\"endpoint\":\"/v2/threads\",\"sourceIp\":\"203.0.113.7\""),
            Story.call("t2", "chatbank", "alice", null, "MESSAGES", "WRITE", "2018-12-18T09:21:00Z",
                    ",\"tokenId\":\"tok-chat-1\",\"endpoint\":\"/v2/threads\",\"sourceIp\":\"203.0.113.7\""),
            Story.call("t3", "chatbank", "alice", null, "MESSAGES", "WRITE", "2018-12-18T09:22:00Z",
                    ",\"tokenId\":\"tok-chat-2\""));
    /** The story's calls, without the probes (at midnight) and the final tick (a day later). */
    private static final String STORY_FROM = "2018-12-18T08:00:00Z";
    private static final String STORY_TO = "2018-12-18T23:59:59Z";
    private static final byte[] CORRUPT = "not an Avro record".getBytes(StandardCharsets.UTF_8);

    private static Configuration conf;
    /** Before anything was appended to the topics, and after the story was. */
    private static java.time.Instant beforeLoading;
    private static java.time.Instant afterLoading;
    private static Topics topics;
    private static KafkaClients kafka;

    @BeforeAll
    static void loadTheStoryThroughTheLiveJob() throws Exception {
        beforeLoading = java.time.Instant.now();
        conf = LiveTestJob.configuration(KAFKA.bootstrapServers(), "-sql");
        topics = LiveTestJob.createTopics(conf);
        kafka = new KafkaClients(KAFKA.bootstrapServers());
        LiveStory story = new LiveStory(kafka, topics, conf);
        kafka.send(topics.agreements(), agreements(Story.AGREEMENTS));
        kafka.send(topics.consents(), consents(Story.CONSENTS));
        JobClient job = LiveTestJob.start(conf, "responder-test");
        try {
            story.awaitControlRecordsLoaded("probe-");
            List<PartnerApiCall> calls = new ArrayList<>(LiveStory.storyCallsAsAppended());
            calls.addAll(calls(TOKEN_CALLS));
            kafka.send(topics.calls(), calls);
            kafka.sendRaw(topics.calls().name(), "corrupt-1".getBytes(StandardCharsets.UTF_8), CORRUPT);
            story.tick("2018-12-19T12:00:00Z"); // a day later: every minute closed
            assertThat(Verdicts.brief(Verdicts.inForce(LiveStory.withoutProbes(story.violationsInForce(Story.EXPECTED)))))
                    .as("the live job's verdicts on the story").isEqualTo(Story.EXPECTED);
            assertThat(kafka.readUntil(topics.deadLetters().name(), seen -> !seen.isEmpty(), LiveStory.WAIT))
                    .as("the corrupt call dead-lettered").hasSize(1);
        } finally {
            job.cancel().get();
        }
        afterLoading = java.time.Instant.now();
    }

    @AfterAll
    static void close() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void partnerActivityByResourceAndActionCountsARedeliveredCallOnce() {
        assertThat(csv(query("partner-activity", "partner=acme-phones",
                "from=2018-12-18T08:00:00Z", "to=2018-12-18T13:00:00Z"))).containsExactly(
                "resource,action,outcome,calls,records,users,first_call,last_call",
                // c1, c2 and the rate burst r1..r3 (60 + 50 + 100 records) by alice
                "CONTACTS,READ,ALLOWED,5,212,1,2018-12-18T09:00:00Z,2018-12-18T10:00:00Z",
                "FRIENDS,READ,ALLOWED,2,2,1,2018-12-18T08:30:00Z,2018-12-18T09:00:00Z", // c4, c5: carol's data
                "MESSAGES,WRITE,ALLOWED,1,1,1,2018-12-18T09:05:00Z,2018-12-18T09:05:00Z", // c3, delivered twice
                "MESSAGES,WRITE,DENIED,1,1,1,2018-12-18T09:00:00Z,2018-12-18T09:00:00Z"); // c12
    }

    @Test
    void tokenCallsListEveryCallOfTheTokenWithItsKafkaCoordinates() {
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = callsByKey();
        assertThat(csv(query("token-calls", "token=tok-chat-1"))).containsExactly(
                "event_time,callId,partnerId,subjectUserId,actingUserId,resource,action,outcome,recordCount,endpoint,"
                        + "sourceIp,kafka_partition,kafka_offset",
                "2018-12-18T09:20:00Z,t1,chatbank,alice,,MESSAGES,WRITE,ALLOWED,1,/v2/threads,203.0.113.7,"
                        + coordinates(byKey.get("t1")),
                "2018-12-18T09:21:00Z,t2,chatbank,alice,,MESSAGES,WRITE,ALLOWED,1,/v2/threads,203.0.113.7,"
                        + coordinates(byKey.get("t2")));
    }

    @Test
    void notificationListNamesTheUsersWhoseDataWasTouchedAfterTheRevocation() {
        assertThat(csv(query("notification-list", "partner=acme-phones"))).containsExactly(
                "user_id,resources,calls,first_access,last_access",
                "alice,CONTACTS,1,2018-12-18T10:00:00Z,2018-12-18T10:00:00Z"); // c2, at the revocation instant
        assertThat(csv(query("notification-list", "partner=streamly"))).containsExactly(
                "user_id,resources,calls,first_access,last_access",
                "erin,PROFILE,1,2018-12-18T12:00:00Z,2018-12-18T12:00:00Z"); // c11, as the agreement lapsed
        assertThat(csv(query("notification-list", "partner=chatbank"))).containsExactly(
                "user_id,resources,calls,first_access,last_access");
    }

    @Test
    void topSensitiveReadersRankPartnersByReadsOfSensitiveData() {
        assertThat(csv(query("top-sensitive-readers", "from=2018-12-18T08:00:00Z", "to=2018-12-18T13:00:00Z")))
                .containsExactly(
                        "partnerId,sensitive_reads,records,users",
                        "acme-phones,5,212,1", // CONTACTS reads of alice; c12 was DENIED, c3 is a WRITE
                        "chatbank,4,4,3"); // MESSAGES reads c6, c7 (bob), c8 (alice), c13 (frank); t1..t3 write
    }

    @Test
    void deadLettersShowTheRejectedBytesAndWhereTheyCameFrom() {
        ConsumerRecord<byte[], byte[]> corrupt = callsByKey().get("corrupt-1");
        List<String> rows = csv(query("dead-letters"));
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0)).isEqualTo(
                "dead_lettered_at,source_topic,source_partition,source_offset,reason,value");
        String[] row = rows.get(1).split(",");
        assertThat(row[1]).isEqualTo(topics.calls().name());
        assertThat(row[2] + "," + row[3]).isEqualTo(coordinates(corrupt));
        assertThat(row[4]).contains("single-object");
        assertThat(row[row.length - 1]).isEqualTo(HexFormat.of().formatHex(CORRUPT));
    }

    @Test
    void violationsCurrentIsWhatAPlainConsumerFindsInForce() {
        List<Violation> inForce = Verdicts.inForce(new LiveStory(kafka, topics, conf)
                .decode(kafka.readAll(topics.violations().name())));
        List<String> rows = csv(sql("-e", "SELECT violationId, rule, status FROM violations_current"));
        assertThat(rows.subList(1, rows.size())).containsExactlyInAnyOrderElementsOf(
                inForce.stream().map(v -> v.getViolationId() + "," + v.getRule() + "," + v.getStatus()).toList());

        // The issue's own example: the count per rule.
        Map<String, Long> perRule = inForce.stream().collect(
                Collectors.groupingBy(v -> v.getRule().name(), TreeMap::new, Collectors.counting()));
        List<String> counted = csv(sql("-e", "SELECT rule, COUNT(*) FROM violations_current GROUP BY rule"));
        assertThat(counted.get(0)).isEqualTo("rule,EXPR$1");
        assertThat(counted.subList(1, counted.size())).containsExactlyInAnyOrderElementsOf(
                perRule.entrySet().stream().map(e -> e.getKey() + "," + e.getValue()).toList());
    }

    @Test
    void aCorruptRecordOnTheTopicIsSkippedNotFatal() {
        long decodable = kafka.readAll(topics.calls().name()).size() - 1;
        assertThat(csv(sql("-e", "SELECT COUNT(*) AS n FROM calls"))).containsExactly("n", Long.toString(decodable));
    }

    @Test
    void fromAndToNarrowTheEventStreamsByAppendTimeButNotTheCompactedState() {
        long decodable = kafka.readAll(topics.calls().name()).size() - 1;
        String count = "SELECT (SELECT COUNT(*) FROM calls) AS calls, (SELECT COUNT(*) FROM agreements) AS agreements";
        assertThat(csv(sql("--to", beforeLoading.minusSeconds(1).toString(), "-e", count)))
                .containsExactly("calls,agreements", "0," + Story.AGREEMENTS.size());
        assertThat(csv(sql("--from", afterLoading.plusSeconds(1).toString(), "-e", count)))
                .containsExactly("calls,agreements", "0," + Story.AGREEMENTS.size());
        assertThat(csv(sql("--from", beforeLoading.toString(), "--to", afterLoading.toString(), "-e", count)))
                .containsExactly("calls,agreements", decodable + "," + Story.AGREEMENTS.size());
        Run bad = sql("--from", "yesterday", "-e", count);
        assertThat(bad.exit()).isEqualTo(DetectorCli.USAGE_ERROR);
        assertThat(bad.err()).contains("--from must be an ISO-8601 instant");
    }

    @Test
    void aBadQueryIsOneClearLine() {
        Run run = sql("-e", "SELECT * FROM no_such_table");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip().lines().toList()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("error: ").contains("no_such_table"));
        Run missing = sql("-f", INVESTIGATIONS.resolve("notification-list.sql").toString());
        assertThat(missing.exit()).isEqualTo(DetectorCli.USAGE_ERROR);
        assertThat(missing.err()).contains("--param partner=");
    }


    @Test
    void evidenceOfAnAlertHasExactlyItsViolationsCallsAgreementAndDecidingConsent(@TempDir Path dir) throws Exception {
        Map<String, ConsumerRecord<byte[], byte[]>> calls = callsByKey();
        // bob deauthorized chatbank at exactly 09:30: c7's consent verdict was decided by that event.
        JsonNode c7 = evidence(alertCovering("chatbank", "NO_USER_CONSENT", "2018-12-18T09:30:00Z"), dir.resolve("c7"));
        assertThat(callIds(c7.path("violations"))).containsExactly("c7");
        assertThat(c7.path("calls")).hasSize(1);
        JsonNode call = c7.path("calls").get(0);
        assertThat(call.path("call").path("callId").asText()).isEqualTo("c7");
        assertThat(call.path("at").path("topic").asText()).isEqualTo(topics.calls().name());
        assertThat(call.path("at").path("partition").asInt() + "," + call.path("at").path("offset").asLong())
                .isEqualTo(coordinates(calls.get("c7")));
        assertThat(call.path("agreementInForce").path("version").asInt()).isEqualTo(1);
        assertThat(call.path("partnerConsent").path("userId").asText()).isEqualTo("bob");
        assertThat(call.path("partnerConsent").path("type").asText()).isEqualTo("DEAUTHORIZED");
        assertThat(call.path("partnerConsent").path("eventTime").asLong())
                .isEqualTo(java.time.Instant.parse("2018-12-18T09:30:00Z").toEpochMilli());
        assertThat(call.path("sharingSetting").isNull()).isTrue();
        assertThat(strings(c7.path("affectedUsers"))).containsExactly("bob");
        assertThat(c7.path("missingViolations").asLong()).isZero();
        assertThat(java.nio.file.Files.readString(dir.resolve("c7/evidence.md"))).contains("DEAUTHORIZED at 2018-12-18T09:30:00Z");

        // frank never authorized chatbank: no consent event decided c13, the absence did.
        JsonNode c13 = evidence(alertCovering("chatbank", "NO_USER_CONSENT", "2018-12-18T09:00:00Z"), dir.resolve("c13"));
        assertThat(callIds(c13.path("violations"))).containsExactly("c13");
        assertThat(c13.path("calls").get(0).path("partnerConsent").isNull()).isTrue();
        assertThat(strings(c13.path("affectedUsers"))).containsExactly("frank");

        // c2 came at the revocation instant: version 2, REVOKED, was in force.
        JsonNode c2 = evidence(alertCovering("acme-phones", "AFTER_REVOCATION", "2018-12-18T10:00:00Z"), dir.resolve("c2"));
        assertThat(callIds(c2.path("violations"))).containsExactly("c2");
        JsonNode agreement = c2.path("calls").get(0).path("agreementInForce");
        assertThat(agreement.path("version").asInt() + " " + agreement.path("status").asText()).isEqualTo("2 REVOKED");
        assertThat(c2.path("calls").get(0).path("partnerConsent").path("type").asText()).isEqualTo("AUTHORIZED");
        assertThat(strings(c2.path("affectedUsers"))).containsExactly("alice");
    }

    @Test
    void aHuntWithTheTopicsAgreementsFindsWhatTheLiveDetectorFound(@TempDir Path dir) throws Exception {
        Run run = cli("hunt", "--from", STORY_FROM, "--to", STORY_TO, "--out", dir.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode diff = new ObjectMapper().readTree(dir.resolve("diff.json").toFile());
        assertThat(diff.path("new")).as(run.out()).isEmpty();
        assertThat(diff.path("gone")).as(run.out()).isEmpty();
        assertThat(diff.path("changed")).as(run.out()).isEmpty();
        assertThat(diff.path("same").asLong()).isEqualTo(Story.EXPECTED.size());
        List<Violation> hunted = new ArrayList<>();
        for (String line : java.nio.file.Files.readAllLines(dir.resolve("violations.jsonl"))) {
            hunted.add(org.accessdetector.output.JsonOutput.fromJson(line, Violation.class));
        }
        assertThat(Verdicts.brief(Verdicts.inForce(LiveStory.withoutProbes(hunted)))).isEqualTo(Story.EXPECTED);
    }

    @Test
    void aHuntWithACandidateAgreementThatDropsAGrantReportsTheViolationsItWouldRaise(@TempDir Path dir)
            throws Exception {
        // acme-phones without its CONTACTS grant (and so without that grant's rate limit).
        List<String> candidate = new ArrayList<>(Story.AGREEMENTS);
        candidate.set(0, Story.AGREEMENTS.get(0).replace(
                "{\"resource\":\"CONTACTS\",\"actions\":[\"READ\"],\"maxRecordsPerMinute\":100},", ""));
        assertThat(candidate.get(0)).doesNotContain("CONTACTS");
        Path file = dir.resolve("candidate.jsonl");
        java.nio.file.Files.write(file, candidate);
        Path out = dir.resolve("out");
        Run run = cli("hunt", "--from", STORY_FROM, "--to", STORY_TO, "--agreements", file.toString(),
                "--out", out.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode diff = new ObjectMapper().readTree(out.resolve("diff.json").toFile());
        // The CONTACTS reads before the revocation: c1 and the burst r1..r3 (c2 came after it: AFTER_REVOCATION).
        assertThat(briefs(diff.path("new"))).containsExactlyInAnyOrder(
                "OUT_OF_SCOPE c1", "OUT_OF_SCOPE r1", "OUT_OF_SCOPE r2", "OUT_OF_SCOPE r3");
        assertThat(briefs(diff.path("gone"))).containsExactly("RATE_LIMIT acme-phones/CONTACTS/READ/1545124200000");
        assertThat(diff.path("changed")).isEmpty();
        assertThat(run.out()).contains("4 new, 1 gone, 0 changed");
    }

    private static List<String> briefs(JsonNode violations) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode v : violations) {
            out.add(Verdicts.brief(org.accessdetector.output.JsonOutput.fromJson(v.toString(), Violation.class)));
        }
        return out;
    }

    @Test
    void everyUseIsRecordedOnTheAuditTopicAndAUseThatCannotBeRecordedFails(@TempDir Path dir) throws Exception {
        String marker = "audit-" + System.nanoTime();
        assertThat(csv(sql("-e", "SELECT '" + marker + "' AS marker"))).containsExactly("marker", marker);
        Run unknown = cli("evidence", "--alert", marker, "--out", dir.toString());
        assertThat(unknown.exit()).isEqualTo(1);

        List<AuditEvent> ours = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readUntil(topics.audit().name(), seen -> seen.stream()
                .filter(rec -> new String(rec.value(), StandardCharsets.ISO_8859_1).contains(marker)).count() >= 2,
                LiveStory.WAIT)) {
            AuditEvent e = topics.audit().codec().decode(r.value());
            if (e.getSubject().contains(marker)) {
                ours.add(e);
            }
        }
        assertThat(ours).hasSize(2);
        assertThat(ours).allSatisfy(e -> assertThat(e.getUser()).isEqualTo(System.getProperty("user.name")));
        AuditEvent query = ours.stream().filter(e -> e.getCommand().equals("sql")).findFirst().orElseThrow();
        assertThat(query.getSubject()).isEqualTo("SELECT '" + marker + "' AS marker");
        assertThat(query.getRows()).isEqualTo(1L);
        assertThat(query.getError()).isNull();
        AuditEvent evidence = ours.stream().filter(e -> e.getCommand().equals("evidence")).findFirst().orElseThrow();
        assertThat(evidence.getSubject()).isEqualTo("alert " + marker);
        assertThat(evidence.getRows()).isNull();
        assertThat(evidence.getError()).isEqualTo("no such alert");

        // A topic nobody can write (an invalid name): the use fails loudly rather than leaving no trace.
        Run untraced = sql("-c", "topics.audit.name=no such topic!", "-e", "SELECT 1 AS one");
        assertThat(untraced.exit()).isEqualTo(1);
        assertThat(untraced.err()).contains("could not write the audit record to no such topic!");
    }

    @Test
    void evidenceOfAnUnknownAlertIsAClearError(@TempDir Path dir) {
        Run run = cli("evidence", "--alert", "a-no-such-alert", "--out", dir.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("no alert a-no-such-alert");
    }

    /** The id of the alert of the partner and rule whose first and last violation bracket {@code instant}. */
    private static String alertCovering(String partner, String rule, String instant) throws Exception {
        long t = java.time.Instant.parse(instant).toEpochMilli();
        Map<String, AccessAlert> latest = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(topics.alerts().name())) {
            AccessAlert a = topics.alerts().codec().decode(r.value());
            latest.put(a.getAlertId(), a);
        }
        List<String> ids = latest.values().stream().filter(a -> a.getPartnerId().equals(partner)
                && a.getRule().name().equals(rule) && a.getFirstSeen() <= t && t <= a.getLastSeen())
                .map(AccessAlert::getAlertId).toList();
        assertThat(ids).as("alerts of %s %s at %s", partner, rule, instant).hasSize(1);
        return ids.get(0);
    }

    private static JsonNode evidence(String alertId, Path out) throws Exception {
        Run run = cli("evidence", "--alert", alertId, "--out", out.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).as("it says how much it read").contains("records of " + topics.violations().name());
        return new ObjectMapper().readTree(out.resolve("evidence.json").toFile());
    }

    private static List<String> callIds(JsonNode violations) {
        List<String> ids = new ArrayList<>();
        violations.forEach(v -> ids.add(v.path("callId").asText()));
        return ids;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    // ---------------------------------------------------------------- helpers

    record Run(int exit, String out, String err) {}

    private static Run query(String saved, String... params) {
        List<String> args = new ArrayList<>(List.of("-f", INVESTIGATIONS.resolve(saved + ".sql").toString()));
        for (String p : params) {
            args.add("-p");
            args.add(p);
        }
        return sql(args.toArray(String[]::new));
    }

    private static Run sql(String... args) {
        List<String> all = new ArrayList<>(List.of("--format", "csv"));
        all.addAll(List.of(args));
        return cli("sql", all.toArray(String[]::new));
    }

    /** Runs a ./detector command against the test's broker and topics. */
    private static Run cli(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--bootstrap-servers", KAFKA.bootstrapServers()));
        for (var option : TopicOptions.NAMES) {
            all.add("-c");
            all.add(option.key() + "=" + conf.get(option));
        }
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = DetectorCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    /** The CSV lines of a run that must have succeeded. */
    private static List<String> csv(Run run) {
        assertThat(run.exit()).as(run.err()).isZero();
        return run.out().lines().toList();
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> callsByKey() {
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(topics.calls().name())) {
            byKey.putIfAbsent(new String(r.key(), StandardCharsets.UTF_8), r);
        }
        return byKey;
    }

    private static String coordinates(ConsumerRecord<byte[], byte[]> r) {
        return r.partition() + "," + r.offset();
    }
}
