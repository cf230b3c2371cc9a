package org.accessdetector.detection.anomaly;

import static org.accessdetector.testing.Instants.ONE_DAY;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.testing.HarnessState;
import org.accessdetector.testing.Instants;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** FAN_OUT at default settings: 10-minute windows, ceiling 1000, floor 100, factor 5, 24 hours, 7-day warm-up. */
class FanOutJudgeTest {

    private static final long HISTORY_START = Instants.at("2026-03-02T00:00:00Z");
    private static final long WINDOW = 10 * ONE_MINUTE;
    private static final long RETENTION = DetectorConfig.defaults().callRetentionMillis();
    private static final String TOKEN = "app-token-1";
    private static final String KEY = PARTNER + "|t:" + TOKEN;

    private KeyedOneInputStreamOperatorTestHarness<String, PartnerApiCall, Violation> harness;
    private int seen;
    private int callSeq;

    @BeforeEach
    void setUp() throws Exception {
        harness = harness();
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, PartnerApiCall, Violation> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new FanOutJudge(DetectorConfig.defaults())), FanOutJudge::credentialKey,
                Types.STRING);
    }

    /** Calls by the token touching {@code users} distinct users (named from {@code first}) at {@code at}. */
    private void touch(long at, int first, int users) throws Exception {
        for (int u = first; u < first + users; u++) {
            PartnerApiCall c = call("c" + (callSeq++)).setTokenId(TOKEN).setSubjectUserId("user-" + u)
                    .setResource(Resource.FRIENDS).setEventTime(at).build();
            harness.processElement(c, at);
        }
    }

    /** One busiest window of {@code users} in each of {@code hours} hours, event time passing each. */
    private void history(int hours, int users) throws Exception {
        for (int h = 0; h < hours; h++) {
            long at = HISTORY_START + h * ONE_HOUR + 3 * ONE_MINUTE;
            touch(at, 0, users);
            harness.processWatermark(at + WINDOW);
        }
    }

    /** The first window whose baseline holds every hour of a history of {@code hours}. */
    private static long after(int hours) {
        return HISTORY_START + (hours + 2) * ONE_HOUR;
    }

    private List<Violation> judge(long windowStart, int users) throws Exception {
        touch(windowStart + ONE_MINUTE, 0, users);
        harness.processWatermark(windowStart + WINDOW);
        return newViolations();
    }

    private List<Violation> newViolations() {
        List<Violation> all = harness.extractOutputValues();
        List<Violation> fresh = new ArrayList<>(all.subList(seen, all.size()));
        seen = all.size();
        return fresh;
    }

    @Test
    void aCredentialIsTheTokenElseTheSignedInUserAndCallsWithNeitherAreNotJudged() {
        PartnerApiCall withToken = call("c1").setTokenId(TOKEN).setActingUserId(ALICE).build();
        PartnerApiCall signedIn = call("c2").setActingUserId(ALICE).build();
        PartnerApiCall serverWithoutToken = call("c3").build();
        assertThat(FanOutJudge.credentialKey(withToken)).isEqualTo(KEY);
        assertThat(FanOutJudge.credentialKey(signedIn)).isEqualTo(PARTNER + "|u:" + ALICE);
        assertThat(FanOutJudge.hasCredential(serverWithoutToken)).isFalse();
    }

    @Test
    void aCredentialWithoutHistoryIsHeldToTheCeilingAndCountsUsersOnlyJustAboveIt() throws Exception {
        long window = HISTORY_START;
        assertThat(judge(window, 1000)).as("exactly the ceiling").isEmpty();

        List<Violation> fanOut = judge(window + WINDOW, 1500);
        assertThat(fanOut).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.FAN_OUT);
            assertThat(v.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(v.getShadow()).as("the ceiling needs no warm-up").isFalse();
            assertThat(v.getTokenId()).isEqualTo(TOKEN);
            assertThat(v.getActingUserId()).isNull();
            assertThat(v.getResource()).isEqualTo(Resource.FRIENDS);
            assertThat(v.getWindowStart()).isEqualTo(window + WINDOW);
            assertThat(v.getWindowEnd()).isEqualTo(window + 2 * WINDOW);
            assertThat(v.getObservedRecords()).isEqualTo(1001L);
            assertThat(v.getBaseline()).isNull();
            assertThat(v.getThreshold()).isEqualTo(1000.0);
            assertThat(v.getReason()).contains("token " + TOKEN, "more than 1000 distinct users", "ceiling");
        });

        assertThat(heldUsers()).as("the first window's horizon is over; the second holds the ceiling plus one")
                .isEqualTo(1001);
    }

    /** The users the credential's windows hold, all windows together. */
    private int heldUsers() throws Exception {
        MapState<String, Boolean> users = HarnessState.of(harness, KEY,
                new MapStateDescriptor<>("fan-out-users", Types.STRING, Types.BOOLEAN));
        int held = 0;
        for (String ignored : users.keys()) {
            held++;
        }
        return held;
    }

    @Test
    void aWindowsUsersGoWhenItsHorizonEndsNotLater() throws Exception {
        long first = HISTORY_START + WINDOW; // not on the hour
        touch(first + ONE_MINUTE, 0, 50);
        touch(first + WINDOW + ONE_MINUTE, 100, 30);
        harness.processWatermark(first + WINDOW + RETENTION - 1);
        assertThat(heldUsers()).as("both windows within their horizons").isEqualTo(80);

        harness.processWatermark(first + WINDOW + RETENTION);
        assertThat(heldUsers()).as("the first window expired: only the second's users").isEqualTo(30);
    }

    @Test
    void afterTheWarmUpAWindowAboveFiveTimesTheMedianFansOutAndExactlyFiveTimesDoesNot() throws Exception {
        history(8 * 24, 30);
        long window = after(8 * 24);
        assertThat(judge(window, 150)).as("exactly 5 x 30").isEmpty();

        assertThat(judge(window + WINDOW, 151)).singleElement().satisfies(v -> {
            assertThat(v.getShadow()).isFalse();
            assertThat(v.getObservedRecords()).isEqualTo(151L);
            assertThat(v.getBaseline()).isEqualTo(30.0);
            assertThat(v.getThreshold()).isEqualTo(150.0);
            assertThat(v.getReason()).contains("151 distinct users", "usually touches 30 users");
        });
    }

    @Test
    void aQuietCredentialIsHeldToTheFloor() throws Exception {
        history(8 * 24, 3);
        long window = after(8 * 24);
        assertThat(judge(window, 100)).as("the floor, above 5 x 3").isEmpty();
        assertThat(judge(window + WINDOW, 101)).singleElement()
                .satisfies(v -> assertThat(v.getThreshold()).isEqualTo(100.0));
    }

    @Test
    void overTheBaselineInTheWarmUpIsShadowedAndOverTheCeilingIsNot() throws Exception {
        history(2 * 24, 40);
        long window = after(2 * 24);
        assertThat(judge(window, 300)).singleElement().satisfies(v -> {
            assertThat(v.getThreshold()).isEqualTo(200.0);
            assertThat(v.getShadow()).as("day 3 of a 7-day warm-up").isTrue();
        });
        List<Violation> next = judge(window + WINDOW, 1200);
        assertThat(next).extracting(Violation::getObservedRecords, Violation::getShadow).as("raised at once "
                + "over the baseline (shadowed), written again over the ceiling (alerting)")
                .containsExactly(org.assertj.core.groups.Tuple.tuple(201L, true),
                        org.assertj.core.groups.Tuple.tuple(1001L, false));
    }

    @Test
    void aLateCallWithinTheHorizonCanTipAWindowOverAndOneBeyondItCannot() throws Exception {
        history(8 * 24, 30);
        long window = after(8 * 24);
        assertThat(judge(window, 150)).isEmpty();

        touch(window + 2 * ONE_MINUTE, 0, 150); // the same users again: nothing new
        assertThat(newViolations()).isEmpty();
        touch(window + 2 * ONE_MINUTE, 150, 1); // late, within the horizon: the 151st user
        assertThat(newViolations()).singleElement()
                .satisfies(v -> assertThat(v.getObservedRecords()).isEqualTo(151L));

        long next = window + WINDOW;
        assertThat(judge(next, 150)).isEmpty();
        harness.processWatermark(next + WINDOW + RETENTION + 1);
        touch(next + ONE_MINUTE, 150, 500); // beyond the horizon: counted, changes nothing
        assertThat(newViolations()).isEmpty();
    }

    @Test
    void anIdleCredentialIsForgottenOnceItsHistoryIsOlderThanTheBaselineWindow() throws Exception {
        history(8 * 24, 30);
        assertThat(harness.numKeyedStateEntries()).isGreaterThan(0);
        harness.processWatermark(HISTORY_START + 8 * ONE_DAY + 7 * ONE_DAY + 3 * ONE_HOUR + RETENTION);
        assertThat(harness.numKeyedStateEntries()).as("state left").isZero();
        assertThat(harness.numEventTimeTimers()).as("timers left").isZero();
    }

    @Test
    void aRestoredJudgeKeepsItsLearnedBaselineAndTheUsersOfOpenWindows() throws Exception {
        history(8 * 24, 30);
        long window = after(8 * 24);
        touch(window + ONE_MINUTE, 0, 100);
        OperatorSubtaskState snapshot = harness.snapshot(1, window + ONE_MINUTE);
        harness.close();

        harness = harness();
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        seen = 0;
        touch(window + 2 * ONE_MINUTE, 50, 101); // 50 already counted before the restart: 151 in all
        harness.processWatermark(window + WINDOW);
        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getObservedRecords()).isEqualTo(151L);
            assertThat(v.getBaseline()).isEqualTo(30.0);
        });
    }

    @Test
    void aWindowOverItsThresholdIsRaisedAtOnceAndWrittenAgainWithTheFinalCountAtItsEnd() throws Exception {
        history(8 * 24, 30);
        long window = after(8 * 24);
        harness.processWatermark(window); // event time has reached the window: its baseline is final
        touch(window + ONE_MINUTE, 0, 150);
        assertThat(newViolations()).as("exactly 5 x 30 so far").isEmpty();
        touch(window + 2 * ONE_MINUTE, 150, 1);
        List<Violation> early = newViolations();
        assertThat(early).as("the 151st user, 8 minutes before the window ends").singleElement()
                .satisfies(v -> assertThat(v.getObservedRecords()).isEqualTo(151L));
        touch(window + 3 * ONE_MINUTE, 151, 49);
        assertThat(newViolations()).as("not once per user").isEmpty();

        harness.processWatermark(window + WINDOW);
        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(early.get(0).getViolationId());
            assertThat(v.getObservedRecords()).isEqualTo(200L);
        });
    }
}
