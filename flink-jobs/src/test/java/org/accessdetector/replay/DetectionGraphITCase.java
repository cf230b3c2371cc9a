package org.accessdetector.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.config.DetectorOptions;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.testing.Flink;
import org.accessdetector.testing.ReplayRun;
import static org.accessdetector.testing.Story.AGREEMENTS;
import static org.accessdetector.testing.Story.CALLS;
import static org.accessdetector.testing.Story.CONSENTS;
import static org.accessdetector.testing.Story.EXPECTED;
import static org.accessdetector.testing.Story.call;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole detection graph on a Flink MiniCluster at parallelism 2, through the replay job: a story with
 * one breach of each rule, the same story shuffled, and bad input lines.
 */
class DetectionGraphITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    @TempDir
    Path dir;

    private ReplayRun replay(String name, List<String> agreements, List<String> consents, List<String> calls)
            throws Exception {
        Path in = Files.createDirectories(dir.resolve(name));
        Path a = Files.write(in.resolve("agreements.jsonl"), agreements);
        Path c = Files.write(in.resolve("consents.jsonl"), consents);
        Path k = Files.write(in.resolve("calls.jsonl"), calls);
        return ReplayRun.of(a, c, k, in.resolve("out"));
    }

    static Set<String> brief(List<ObjectNode> violations) {
        return violations.stream().map(v -> v.get("rule").asText() + " " + (v.has("callId")
                        ? v.get("callId").asText()
                        : v.get("partnerId").asText() + "/" + v.get("resource").asText() + "/"
                                + v.get("action").asText() + "/" + v.get("windowStart").asLong()))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void storyRaisesExactlyTheExpectedViolationsAndAlerts() throws Exception {
        ReplayRun run = replay("story", AGREEMENTS, CONSENTS, CALLS);

        List<ObjectNode> violations = run.violations();
        assertThat(brief(violations)).containsExactlyInAnyOrderElementsOf(EXPECTED);
        assertThat(violations).hasSameSizeAs(EXPECTED);

        ObjectNode rate = violations.stream().filter(v -> v.get("rule").asText().equals("RATE_LIMIT")).findFirst()
                .orElseThrow();
        assertThat(rate.get("observedRecords").asLong()).isEqualTo(110);
        assertThat(rate.get("limitRecords").asLong()).isEqualTo(100);
        assertThat(rate.get("severity").asText()).isEqualTo("MEDIUM");
        ObjectNode noAgreement = violations.stream().filter(v -> v.get("rule").asText().equals("NO_AGREEMENT"))
                .findFirst().orElseThrow();
        assertThat(noAgreement.has("agreementVersion")).isFalse();
        assertThat(noAgreement.get("reason").asText()).contains("unknown-analytics");

        assertThat(run.summary.violationsByRule()).containsEntry(ViolationRule.NO_USER_CONSENT, 3L)
                .containsEntry(ViolationRule.AFTER_REVOCATION, 2L);
        assertThat(run.summary.recordsRead().values()).containsExactly(4L, 6L, 17L);
        assertThat(run.summary.rejected()).isZero();
        assertAlertsAccountForEveryViolation(violations, run.alerts());
    }

    /** Per group, the final counts of the group's alerts add up to the group's violations. */
    static void assertAlertsAccountForEveryViolation(List<ObjectNode> violations, List<ObjectNode> alertUpdates) {
        Map<String, ObjectNode> finalState = new LinkedHashMap<>();
        for (ObjectNode update : alertUpdates) {
            finalState.put(update.get("alertId").asText(), update); // the last line of an alertId is its final state
        }
        Map<String, Long> alerted = new HashMap<>();
        for (ObjectNode alert : finalState.values()) {
            alerted.merge(group(alert), alert.get("violationCount").asLong(), Long::sum);
        }
        Map<String, Long> violated = violations.stream()
                .collect(Collectors.groupingBy(DetectionGraphITCase::group, Collectors.counting()));
        assertThat(alerted).isEqualTo(violated);
        assertThat(finalState.values()).allSatisfy(a -> assertThat(a.get("status").asText()).isEqualTo("RESOLVED"));
    }

    static String group(ObjectNode n) {
        return n.get("partnerId").asText() + "|" + n.get("rule").asText() + "|" + n.get("resource").asText() + "|"
                + n.get("action").asText();
    }

    @Test
    void rulesInShadowModeAreWrittenFlaggedAndNeverAlerted() throws Exception {
        Set<String> shadowRules = Set.of("NO_USER_CONSENT", "RATE_LIMIT");
        Path in = Files.createDirectories(dir.resolve("shadow"));
        DetectorConfig config = DetectorConfig.from(
                Configuration.fromMap(Map.of(DetectorOptions.SHADOW_RULES.key(), "NO_USER_CONSENT;RATE_LIMIT")));
        ReplayRun run = ReplayRun.of(config, Files.write(in.resolve("agreements.jsonl"), AGREEMENTS),
                Files.write(in.resolve("consents.jsonl"), CONSENTS), Files.write(in.resolve("calls.jsonl"), CALLS),
                in.resolve("out"));

        List<ObjectNode> violations = run.violations();
        assertThat(brief(violations)).containsExactlyInAnyOrderElementsOf(EXPECTED);
        Map<Boolean, List<ObjectNode>> byShadow = violations.stream()
                .collect(Collectors.partitioningBy(v -> shadowRules.contains(v.get("rule").asText())));
        assertThat(byShadow.get(true)).extracting(v -> v.get("rule").asText()).contains("NO_USER_CONSENT",
                "RATE_LIMIT");
        assertThat(byShadow.get(true)).allSatisfy(v -> assertThat(v.get("shadow").asBoolean()).isTrue());
        assertThat(byShadow.get(false)).isNotEmpty()
                .allSatisfy(v -> assertThat(v.get("shadow").asBoolean()).isFalse());
        List<ObjectNode> alerts = run.alerts();
        assertThat(alerts).noneSatisfy(a -> assertThat(shadowRules).contains(a.get("rule").asText()));
        assertAlertsAccountForEveryViolation(byShadow.get(false), alerts);
    }

    @Test
    void shuffledInputsGiveTheSameViolationsAndAlerts() throws Exception {
        ReplayRun ordered = replay("ordered", AGREEMENTS, CONSENTS, CALLS);
        Comparator<ObjectNode> byId = Comparator.comparing(n -> n.get("violationId").asText());
        List<ObjectNode> expectedViolations = sorted(ordered.violations(), byId);
        Map<String, ObjectNode> expectedAlerts = finalAlerts(ordered.alerts());

        for (long seed : new long[] {1, 2, 3}) {
            ReplayRun shuffled = replay("shuffled-" + seed, shuffle(AGREEMENTS, seed), shuffle(CONSENTS, seed + 10),
                    shuffle(CALLS, seed + 20));
            assertThat(sorted(shuffled.violations(), byId)).as("seed " + seed).isEqualTo(expectedViolations);
            assertThat(finalAlerts(shuffled.alerts())).as("seed " + seed).isEqualTo(expectedAlerts);
        }
    }

    @Test
    void badLinesAreRejectedWithTheirReasonAndTheRestIsJudged() throws Exception {
        List<String> calls = new ArrayList<>(CALLS);
        calls.add(2, "{not json");
        calls.add(5, call("bad-resource", "acme-phones", "alice", null, "DIARY", "READ", "2018-12-18T09:00:00Z", ""));
        calls.add(7, call("negative", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T09:00:00Z",
                ",\"recordCount\":-1"));
        calls.add("");
        List<String> agreements = new ArrayList<>(AGREEMENTS);
        agreements.add("{\"partnerId\":\"twice\",\"version\":1,\"effectiveFrom\":0,\"grants\":["
                + "{\"resource\":\"CONTACTS\",\"actions\":[\"READ\"]},{\"resource\":\"CONTACTS\",\"actions\":[\"WRITE\"]}]}");
        List<String> consents = new ArrayList<>(CONSENTS);
        consents.add("{\"userId\":\"zoe\",\"type\":\"AUTHORIZED\",\"eventTime\":\"2018-12-18T09:00:00Z\"}");
        consents.add("{\"userId\":\"zoe\",\"type\":\"SHARING_DISABLED\",\"eventTime\":\"yesterday\"}");

        ReplayRun run = replay("bad", agreements, consents, calls);

        assertThat(brief(run.violations())).containsExactlyInAnyOrderElementsOf(EXPECTED);
        List<ObjectNode> rejected = run.rejected();
        assertThat(rejected).extracting(r -> Path.of(r.get("file").asText()).getFileName().toString() + ":"
                        + r.get("line").asLong())
                .containsExactlyInAnyOrder("calls.jsonl:3", "calls.jsonl:6", "calls.jsonl:8",
                        "agreements.jsonl:5", "consents.jsonl:7", "consents.jsonl:8");
        assertThat(rejected).allSatisfy(r -> {
            assertThat(r.get("reason").asText()).isNotBlank();
            assertThat(r.get("raw").asText()).isNotBlank();
        });
        assertThat(reasonFor(rejected, "calls.jsonl:6")).contains("resource");
        assertThat(reasonFor(rejected, "calls.jsonl:8")).contains("recordCount");
        assertThat(reasonFor(rejected, "agreements.jsonl:5")).contains("CONTACTS");
        assertThat(reasonFor(rejected, "consents.jsonl:7")).contains("partnerId");
        assertThat(reasonFor(rejected, "consents.jsonl:8")).contains("eventTime");
        assertThat(run.summary.rejected()).isEqualTo(6);
    }

    @Test
    void withoutAConsentsFileNoUserHasConsented() throws Exception {
        Path in = Files.createDirectories(dir.resolve("no-consents"));
        ReplayRun run = ReplayRun.of(Files.write(in.resolve("agreements.jsonl"), AGREEMENTS), null,
                Files.write(in.resolve("calls.jsonl"), CALLS), in.resolve("out"));

        // Every in-scope call under a grant that requires consent: c10's grant does not.
        assertThat(brief(run.violations())).filteredOn(v -> v.startsWith("NO_USER_CONSENT")).containsExactlyInAnyOrder(
                "NO_USER_CONSENT c1", "NO_USER_CONSENT c4", "NO_USER_CONSENT c5", "NO_USER_CONSENT c6",
                "NO_USER_CONSENT c7", "NO_USER_CONSENT c8", "NO_USER_CONSENT c13", "NO_USER_CONSENT r1",
                "NO_USER_CONSENT r2", "NO_USER_CONSENT r3");
        assertThat(run.summary.recordsRead()).hasSize(2);
    }

    @Test
    void bundledExampleRaisesTheViolationsWorkedOutByHand() throws Exception {
        Path examples = Path.of("..", "examples");
        ReplayRun run = ReplayRun.of(examples.resolve("agreements.jsonl"), examples.resolve("consents.jsonl"),
                examples.resolve("calls.jsonl"), dir.resolve("examples-out"));

        Set<String> expected = new TreeSet<>();
        for (String line : Files.readAllLines(examples.resolve("expected-violations.tsv"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            if (f[0].equals("RATE_LIMIT")) { // partner/resource/action/windowStart as ISO
                String[] w = f[1].split("/");
                f[1] = w[0] + "/" + w[1] + "/" + w[2] + "/" + java.time.Instant.parse(w[3]).toEpochMilli();
            }
            expected.add(f[0] + " " + f[1]);
        }
        assertThat(expected).hasSizeGreaterThan(30);
        assertThat(brief(run.violations())).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(run.summary.rejected()).isEqualTo(3);
        assertAlertsAccountForEveryViolation(run.violations(), run.alerts());
    }

    @Test
    void longRejectedLinesAreCutToOneKibibyte() throws Exception {
        List<String> calls = new ArrayList<>(CALLS);
        calls.add("{\"callId\":\"" + "x".repeat(5000) + "\"");

        ReplayRun run = replay("long", AGREEMENTS, CONSENTS, calls);

        assertThat(run.rejected()).singleElement()
                .satisfies(r -> assertThat(r.get("raw").asText()).hasSize(RejectedLine.MAX_RAW_CHARS));
    }

    private static String reasonFor(List<ObjectNode> rejected, String fileAndLine) {
        return rejected.stream()
                .filter(r -> (Path.of(r.get("file").asText()).getFileName() + ":" + r.get("line").asLong())
                        .equals(fileAndLine))
                .findFirst().orElseThrow().get("reason").asText();
    }

    private static List<String> shuffle(List<String> lines, long seed) {
        List<String> copy = new ArrayList<>(lines);
        Collections.shuffle(copy, new Random(seed));
        return copy;
    }

    private static List<ObjectNode> sorted(List<ObjectNode> nodes, Comparator<ObjectNode> order) {
        List<ObjectNode> copy = new ArrayList<>(nodes);
        copy.sort(order);
        return copy;
    }

    private static Map<String, ObjectNode> finalAlerts(List<ObjectNode> updates) throws IOException {
        Map<String, ObjectNode> last = new HashMap<>();
        for (ObjectNode u : updates) {
            last.put(u.get("alertId").asText(), u);
        }
        return last;
    }
}
