package org.accessdetector.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.schema.ViolationStatus;
import org.accessdetector.simulate.InjectedAnomaly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnomalyScoreTest {

    private static final long MINUTE = 60_000L;
    private static final long T = Instant.parse("2026-03-10T12:00:00Z").toEpochMilli();

    /** A harvest of minutes 12:00 to 12:04 (the last millisecond of 12:04 is its end). */
    private static final InjectedAnomaly HARVEST = new InjectedAnomaly(ViolationRule.VOLUME_SPIKE, "acme",
            Resource.CONTACTS, Action.READ, null, null, T, T + 5 * MINUTE - 1);
    /** A fan-out from 12:03 to 12:25. */
    private static final InjectedAnomaly FAN_OUT = new InjectedAnomaly(ViolationRule.FAN_OUT, "acme",
            Resource.PROFILE, Action.READ, "app-1", null, T + 3 * MINUTE, T + 25 * MINUTE);
    private static final InjectedAnomaly FIRST_USE = new InjectedAnomaly(ViolationRule.FIRST_SEEN, "acme",
            Resource.CALENDAR, Action.READ, null, null, T + 1_234, T + 20 * MINUTE);
    private static final InjectedAnomaly NEW_NETWORK = new InjectedAnomaly(ViolationRule.FIRST_SEEN, "acme", null,
            null, null, "2001:db8:f001::/48", T + 7_000, T + 30 * MINUTE);

    private static Violation.Builder violation(String id, ViolationRule rule, String partner, Resource r, Action a) {
        return Violation.newBuilder().setViolationId(id).setRule(rule).setSeverity(Severity.HIGH).setPartnerId(partner)
                .setResource(r).setAction(a).setReason("test");
    }

    private static Violation minute(String id, String partner, Resource r, long windowStart) {
        return violation(id, ViolationRule.VOLUME_SPIKE, partner, r, Action.READ).setWindowStart(windowStart)
                .setWindowEnd(windowStart + MINUTE).setObservedRecords(9_000L).build();
    }

    private static Violation window(String id, String token, long windowStart) {
        return violation(id, ViolationRule.FAN_OUT, "acme", Resource.PROFILE, Action.READ).setTokenId(token)
                .setWindowStart(windowStart).setWindowEnd(windowStart + 10 * MINUTE).build();
    }

    private static Violation firstSeen(String id, Resource r, String network, long eventTime) {
        return violation(id, ViolationRule.FIRST_SEEN, "acme", r, Action.READ).setSourceNetwork(network)
                .setCallId("c-" + id).setEventTime(eventTime).build();
    }

    @Test
    void aViolationWithinTheStoryMatchesAndItsDelayIsFromTheStart() {
        AnomalyScore.Result r = AnomalyScore.score(List.of(HARVEST),
                List.of(minute("v1", "acme", Resource.CONTACTS, T + 2 * MINUTE),
                        minute("v2", "acme", Resource.CONTACTS, T + 4 * MINUTE)));

        AnomalyScore.RuleScore spike = r.of(ViolationRule.VOLUME_SPIKE);
        assertThat(spike.injected()).isEqualTo(1);
        assertThat(spike.detected()).isEqualTo(1);
        assertThat(spike.violations()).isEqualTo(2);
        assertThat(spike.precision()).isEqualTo(1.0);
        assertThat(spike.recall()).isEqualTo(1.0);
        assertThat(spike.medianDelayMillis()).isEqualTo(3 * MINUTE); // the end of the earliest match
        assertThat(r.falsePositives()).isEmpty();
        assertThat(r.missed()).isEmpty();
    }

    @Test
    void theMinuteAfterTheStoryOrAnotherScopeOrPartnerIsAFalsePositive() {
        Violation nextMinute = minute("v1", "acme", Resource.CONTACTS, T + 5 * MINUTE);
        Violation minuteBefore = minute("v2", "acme", Resource.CONTACTS, T - MINUTE);
        Violation otherScope = minute("v3", "acme", Resource.FRIENDS, T);
        Violation otherPartner = minute("v4", "globex", Resource.CONTACTS, T);

        AnomalyScore.Result r = AnomalyScore.score(List.of(HARVEST),
                List.of(nextMinute, minuteBefore, otherScope, otherPartner));

        AnomalyScore.RuleScore spike = r.of(ViolationRule.VOLUME_SPIKE);
        assertThat(spike.detected()).isZero();
        assertThat(spike.precision()).isZero();
        assertThat(spike.recall()).isZero();
        assertThat(spike.medianDelayMillis()).isNull();
        assertThat(r.falsePositives()).containsExactly(nextMinute, minuteBefore, otherScope, otherPartner);
        assertThat(r.missed()).containsExactly(HARVEST);
    }

    @Test
    void aFanOutWindowMatchesWhenItOverlapsTheStoryWithTheSameToken() {
        Violation opening = window("w1", "app-1", T); // 12:00-12:10 from the 12:03 start: judged 7 min on
        Violation windowBefore = window("w2", "app-1", T + 3 * MINUTE - 10 * MINUTE - 1); // ends 1 ms before
        Violation otherToken = window("w3", "tok-9", T + 10 * MINUTE);

        AnomalyScore.Result r = AnomalyScore.score(List.of(FAN_OUT), List.of(opening, windowBefore, otherToken));

        AnomalyScore.RuleScore fanOut = r.of(ViolationRule.FAN_OUT);
        assertThat(fanOut.detected()).isEqualTo(1);
        assertThat(fanOut.violations()).isEqualTo(3);
        assertThat(fanOut.precision()).isEqualTo(1 / 3.0);
        assertThat(fanOut.delaysMillis()).containsExactly(7 * MINUTE);
        assertThat(r.falsePositives()).containsExactly(windowBefore, otherToken);
    }

    @Test
    void aFirstSeenMatchesItsScopeOrItsNetworkWhicheverSpelling() {
        Violation scope = firstSeen("f1", Resource.CALENDAR, null, T + 1_234);
        Violation network = firstSeen("f2", Resource.PROFILE, "2001:db8:f001:0:0:0:0:0/48", T + 7_000 + 5_000);
        Violation scopeWithANetwork = firstSeen("f3", Resource.CALENDAR, "203.0.113.0/24", T + 2_000);
        Violation beforeTheStory = firstSeen("f4", Resource.CALENDAR, null, T);

        AnomalyScore.Result r = AnomalyScore.score(List.of(FIRST_USE, NEW_NETWORK),
                List.of(scope, network, scopeWithANetwork, beforeTheStory));

        AnomalyScore.RuleScore firstSeen = r.of(ViolationRule.FIRST_SEEN);
        assertThat(firstSeen.injected()).isEqualTo(2);
        assertThat(firstSeen.detected()).isEqualTo(2);
        assertThat(firstSeen.precision()).isEqualTo(0.5);
        assertThat(firstSeen.delaysMillis()).containsExactly(0L, 5_000L);
        assertThat(firstSeen.medianDelayMillis()).isEqualTo(2_500L);
        assertThat(firstSeen.maxDelayMillis()).isEqualTo(5_000L);
        assertThat(r.falsePositives()).containsExactly(scopeWithANetwork, beforeTheStory);
    }

    @Test
    void shadowAndRetractedViolationsAreNotScoredAndOtherRulesAreCountedApart() {
        Violation shadow = Violation.newBuilder(minute("v1", "acme", Resource.CONTACTS, T)).setShadow(true).build();
        Violation raised = minute("v2", "acme", Resource.CONTACTS, T + MINUTE);
        Violation retracted = Violation.newBuilder(raised).setStatus(ViolationStatus.RETRACTED)
                .setRetractionReason("late records").build();
        Violation reRaisedFalsePositive = minute("v3", "acme", Resource.FRIENDS, T);
        Violation perCall = violation("p1", ViolationRule.OUT_OF_SCOPE, "acme", Resource.CONTACTS, Action.WRITE)
                .setCallId("c1").setEventTime(T).build();

        AnomalyScore.Result r = AnomalyScore.score(List.of(HARVEST), List.of(shadow, raised, retracted,
                Violation.newBuilder(reRaisedFalsePositive).setStatus(ViolationStatus.RETRACTED).build(),
                reRaisedFalsePositive, perCall));

        AnomalyScore.RuleScore spike = r.of(ViolationRule.VOLUME_SPIKE);
        assertThat(spike.violations()).isEqualTo(1); // only v3, raised again after its retraction
        assertThat(spike.detected()).isZero();
        assertThat(r.shadow()).isEqualTo(1);
        assertThat(r.retracted()).isEqualTo(1);
        assertThat(r.otherRules()).isEqualTo(Map.of(ViolationRule.OUT_OF_SCOPE, 1L));
        assertThat(r.of(ViolationRule.FAN_OUT).precision()).isNaN();
        assertThat(r.of(ViolationRule.FAN_OUT).recall()).isNaN();
    }

    @Test
    void nothingRaisedIsRecallZeroAndNoPrecision() {
        AnomalyScore.Result r = AnomalyScore.score(List.of(HARVEST, FAN_OUT, FIRST_USE, NEW_NETWORK), List.of());

        for (AnomalyScore.RuleScore rule : r.rules()) {
            assertThat(rule.recall()).isZero();
            assertThat(rule.precision()).isNaN();
            assertThat(rule.medianDelayMillis()).isNull();
            assertThat(rule.maxDelayMillis()).isNull();
        }
        assertThat(r.missed()).containsExactly(HARVEST, FAN_OUT, FIRST_USE, NEW_NETWORK);
        assertThat(AnomalyBenchmark.ratio(r.of(ViolationRule.FAN_OUT).precision())).isEqualTo("-");
        assertThat(AnomalyBenchmark.ratio(r.of(ViolationRule.FAN_OUT).recall())).isEqualTo("0.00");
        assertThat(AnomalyBenchmark.delay(null)).isEqualTo("-");
        assertThat(AnomalyBenchmark.delay(45_400L)).isEqualTo("45 s");
        assertThat(AnomalyBenchmark.delay(150_000L)).isEqualTo("2.5 min");
    }

    @Test
    void violationsAreReadBackFromReplaysJsonLines(@TempDir Path dir) throws Exception {
        Violation spike = minute("v1", "acme", Resource.CONTACTS, T);
        Violation network = firstSeen("f2", Resource.PROFILE, "203.0.113.0/24", T);
        Path file = Files.write(dir.resolve("violations.jsonl"),
                List.of(JsonOutput.toJson(spike), "", JsonOutput.toJson(network)));

        assertThat(AnomalyScore.read(file)).containsExactly(spike, network);
    }

    @Test
    void networksCompareByAddressAndPrefix() {
        assertThat(AnomalyScore.canonicalNetwork("2001:db8:f001::/48"))
                .isEqualTo(AnomalyScore.canonicalNetwork("2001:0db8:f001:0000::/48"))
                .isEqualTo(AnomalyScore.networkOf("2001:db8:f001:7::a3"));
        assertThat(AnomalyScore.networkOf("203.0.113.77")).isEqualTo("203.0.113.0/24");
        assertThat(AnomalyScore.canonicalNetwork("not-an-address/24")).isEqualTo("not-an-address/24");
    }
}
