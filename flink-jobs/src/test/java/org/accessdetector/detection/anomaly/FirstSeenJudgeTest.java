package org.accessdetector.detection.anomaly;

import static org.accessdetector.testing.Instants.ONE_DAY;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.BOB;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.config.DetectorOptions;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.schema.ViolationStatus;
import org.accessdetector.testing.Instants;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** FIRST_SEEN at default settings: a 30-day lookback and a 7-day warm-up from the partner's first call. */
class FirstSeenJudgeTest {

    /** The partner's first call. */
    private static final long FIRST_CALL = Instants.at("2026-03-02T09:00:00Z");
    private static final long WARMED_UP = FIRST_CALL + 7 * ONE_DAY;
    private static final long LOOKBACK = 30 * ONE_DAY;
    private static final long RETENTION = DetectorConfig.defaults().callRetentionMillis();

    private KeyedOneInputStreamOperatorTestHarness<String, PartnerApiCall, Violation> harness;
    private int seen;
    private int callSeq;

    @BeforeEach
    void setUp() throws Exception {
        harness = harness(DetectorConfig.defaults());
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, PartnerApiCall, Violation> harness(
            DetectorConfig config) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new FirstSeenJudge(config)),
                PartnerApiCall::getPartnerId, Types.STRING);
    }

    /** A server-to-server call (no signed-in user) at {@code at}, from {@code ip}. */
    private PartnerApiCall server(Resource resource, long at, String ip) {
        return call("c" + (callSeq++)).setResource(resource).setEventTime(at).setSourceIp(ip).build();
    }

    private PartnerApiCall contacts(long at) {
        return server(Resource.CONTACTS, at, "203.0.113.5");
    }

    /** Sends a call and lets event time pass its second: calls are judged a second at a time. */
    private List<Violation> send(PartnerApiCall c) throws Exception {
        harness.processElement(c, c.getEventTime());
        harness.processWatermark(c.getEventTime() + 1000);
        return newViolations();
    }

    private List<Violation> newViolations() {
        List<Violation> all = harness.extractOutputValues();
        List<Violation> fresh = new ArrayList<>(all.subList(seen, all.size()));
        seen = all.size();
        return fresh;
    }

    /** A CONTACTS call from the usual network each day from the first call to {@code until}: the usual use. */
    private void dailyUse(long until) throws Exception {
        for (long t = FIRST_CALL; t <= until; t += ONE_DAY) {
            assertThat(send(contacts(t))).as("usual use on day %d", (t - FIRST_CALL) / ONE_DAY).isEmpty();
        }
    }

    @Test
    void nothingIsFirstSeenDuringThePartnersWarmUp() throws Exception {
        dailyUse(FIRST_CALL + 6 * ONE_DAY);
        assertThat(send(server(Resource.PHOTOS, WARMED_UP - 1, "198.51.100.7"))).isEmpty();
    }

    @Test
    void afterTheWarmUpAResourceAndActionNewForThePartnerIsFirstSeenOnceNamingItsFirstCall() throws Exception {
        dailyUse(WARMED_UP);
        PartnerApiCall first = server(Resource.CALENDAR, WARMED_UP + ONE_HOUR, "203.0.113.9");
        assertThat(send(first)).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.FIRST_SEEN);
            assertThat(v.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(v.getShadow()).isFalse();
            assertThat(v.getResource()).isEqualTo(Resource.CALENDAR);
            assertThat(v.getAction()).isEqualTo(Action.READ);
            assertThat(v.getSourceNetwork()).isNull();
            assertThat(v.getCallId()).isEqualTo(first.getCallId());
            assertThat(v.getEventTime()).isEqualTo(first.getEventTime());
            assertThat(v.getReason()).contains("READ on CALENDAR", "not done in the 30 days");
        });
        assertThat(send(server(Resource.CALENDAR, WARMED_UP + 2 * ONE_HOUR, "203.0.113.9"))).isEmpty();
        assertThat(send(PartnerApiCall.newBuilder(server(Resource.CALENDAR, WARMED_UP + 3 * ONE_HOUR, "203.0.113.9")).setAction(Action.WRITE).build()))
                .as("another action is another use").singleElement()
                .satisfies(v -> assertThat(v.getAction()).isEqualTo(Action.WRITE));
    }

    @Test
    void aUseIsNewAgainOnlyAfterMoreThanTheLookbackWithoutIt() throws Exception {
        assertThat(send(server(Resource.CALENDAR, FIRST_CALL, "203.0.113.5"))).isEmpty(); // in the warm-up
        dailyUse(FIRST_CALL + 40 * ONE_DAY);
        assertThat(send(server(Resource.CALENDAR, FIRST_CALL + LOOKBACK, "203.0.113.5")))
                .as("exactly the lookback later").isEmpty();
        long again = FIRST_CALL + 2 * LOOKBACK + 1;
        dailyUse(again);
        assertThat(send(server(Resource.CALENDAR, again, "203.0.113.5"))).as("the lookback and 1 ms later")
                .singleElement().satisfies(v -> assertThat(v.getEventTime()).isEqualTo(again));
    }

    @Test
    void aServerNetworkNewForThePartnerIsFirstSeenAndSignedInUsersDevicesAreNot() throws Exception {
        dailyUse(WARMED_UP);
        long t = WARMED_UP + ONE_HOUR;
        assertThat(send(server(Resource.CONTACTS, t, "198.51.100.7"))).singleElement().satisfies(v -> {
            assertThat(v.getSourceNetwork()).isEqualTo("198.51.100.0/24");
            assertThat(v.getResource()).isEqualTo(Resource.CONTACTS);
            assertThat(v.getReason()).contains("its servers from network 198.51.100.0/24");
        });
        assertThat(send(server(Resource.CONTACTS, t + 1, "198.51.100.200"))).as("the same /24").isEmpty();
        assertThat(send(server(Resource.CONTACTS, t + 2, "2001:db8:1234:5::1"))).extracting(
                Violation::getSourceNetwork).containsExactly("2001:db8:1234::/48");
        assertThat(send(server(Resource.CONTACTS, t + 3, "2001:db8:1234:ffff::9"))).as("the same /48").isEmpty();
        PartnerApiCall device = PartnerApiCall.newBuilder(server(Resource.CONTACTS, t + 4, "100.70.1.2"))
                .setActingUserId(ALICE).build();
        assertThat(send(device)).as("a signed-in user's device").isEmpty();
        assertThat(send(server(Resource.CONTACTS, t + 5, "not-an-address"))).isEmpty();
    }

    @Test
    void anEarlierCallArrivingLateWithinTheHorizonMovesTheFirstSeenToItAndOneBeyondItChangesNothing()
            throws Exception {
        dailyUse(WARMED_UP);
        long t = WARMED_UP + ONE_HOUR;
        PartnerApiCall later = server(Resource.FRIENDS, t, "203.0.113.5");
        List<Violation> raised = send(later);
        assertThat(raised).singleElement().satisfies(v -> assertThat(v.getCallId()).isEqualTo(later.getCallId()));

        PartnerApiCall earlier = PartnerApiCall.newBuilder(server(Resource.FRIENDS, t - 5 * ONE_MINUTE, "203.0.113.5"))
                .setSubjectUserId(BOB).build();
        harness.processElement(earlier, earlier.getEventTime());
        List<Violation> moved = newViolations();
        assertThat(moved).extracting(Violation::getStatus, Violation::getCallId, Violation::getEventTime)
                .containsExactly(
                        tuple(ViolationStatus.RETRACTED, later.getCallId(), later.getEventTime()),
                        tuple(ViolationStatus.RAISED, earlier.getCallId(), earlier.getEventTime()));
        assertThat(moved.get(0).getViolationId()).isEqualTo(raised.get(0).getViolationId());
        assertThat(moved.get(1).getViolationId()).isNotEqualTo(raised.get(0).getViolationId());
        assertThat(moved.get(1).getSubjectUserId()).isEqualTo(BOB);

        harness.processWatermark(t + RETENTION + ONE_MINUTE);
        PartnerApiCall tooLate = server(Resource.FRIENDS, t - 10 * ONE_MINUTE, "203.0.113.5");
        harness.processElement(tooLate, tooLate.getEventTime());
        assertThat(newViolations()).as("beyond the horizon: counted, changes nothing").isEmpty();
    }

    @Test
    void networksBeyondThePartnersCapAreNotJudged() throws Exception {
        harness.close();
        Configuration c = new Configuration();
        c.set(DetectorOptions.FIRST_SEEN_MAX_NETWORKS, 2);
        harness = harness(DetectorConfig.from(c));
        harness.open();
        dailyUse(WARMED_UP); // network 1
        long t = WARMED_UP + ONE_HOUR;
        assertThat(send(server(Resource.CONTACTS, t, "198.51.100.7"))).hasSize(1); // network 2
        assertThat(send(server(Resource.CONTACTS, t + 1, "192.0.2.7"))).as("a third network").isEmpty();
        assertThat(send(server(Resource.PHOTOS, t + 2, "192.0.2.7"))).as("its resource is still judged")
                .singleElement().satisfies(v -> assertThat(v.getSourceNetwork()).isNull());
    }

    @Test
    void aPartnerIdleForTheLookbackIsForgottenWarmUpIncludedLeavingNoStateOrTimers() throws Exception {
        dailyUse(WARMED_UP);
        PartnerApiCall last = server(Resource.CALENDAR, WARMED_UP + ONE_HOUR, "198.51.100.7");
        assertThat(send(last)).hasSize(2); // a new resource, and a new network
        harness.processWatermark(last.getEventTime() + LOOKBACK + RETENTION + ONE_HOUR + 1);
        assertThat(harness.numKeyedStateEntries()).as("state left").isZero();
        assertThat(harness.numEventTimeTimers()).as("timers left").isZero();

        long back = last.getEventTime() + LOOKBACK + 2 * ONE_HOUR;
        assertThat(send(server(Resource.MESSAGES, back, "192.0.2.1"))).as("back, and warming up again").isEmpty();
    }

    @Test
    void aRestoredJudgeRemembersWhatThePartnerUsed() throws Exception {
        dailyUse(WARMED_UP);
        OperatorSubtaskState snapshot = harness.snapshot(1, WARMED_UP);
        harness.close();

        harness = harness(DetectorConfig.defaults());
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        seen = 0;
        assertThat(send(contacts(WARMED_UP + ONE_HOUR))).isEmpty();
        assertThat(send(server(Resource.POSTS, WARMED_UP + 2 * ONE_HOUR, "203.0.113.5"))).singleElement()
                .satisfies(v -> assertThat(v.getResource()).isEqualTo(Resource.POSTS));
    }

    @Test
    void callsArrivingOutOfOrderBeforeEventTimePassesThemAreJudgedInEventTimeOrder() throws Exception {
        dailyUse(WARMED_UP);
        long t = WARMED_UP + ONE_HOUR;
        PartnerApiCall third = server(Resource.MESSAGES, t + 900, "203.0.113.5");
        PartnerApiCall first = server(Resource.MESSAGES, t + 100, "203.0.113.5");
        PartnerApiCall second = server(Resource.MESSAGES, t + 500, "203.0.113.5");
        for (PartnerApiCall c : List.of(third, first, second)) {
            harness.processElement(c, c.getEventTime());
        }
        assertThat(newViolations()).as("nothing before event time passes the second").isEmpty();
        harness.processWatermark(t + 1000);
        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getCallId()).isEqualTo(first.getCallId());
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
        });
    }

    @Test
    void aLateCallBridgingTheGapToThePreviousEpisodeRetractsTheFirstSeenAndRaisesNone() throws Exception {
        assertThat(send(server(Resource.CALENDAR, FIRST_CALL, "203.0.113.5"))).isEmpty(); // in the warm-up
        long gapEnd = FIRST_CALL + LOOKBACK;
        dailyUse(gapEnd + 3 * ONE_MINUTE);
        PartnerApiCall afterTheGap = server(Resource.CALENDAR, gapEnd + 3 * ONE_MINUTE, "203.0.113.5");
        List<Violation> raised = send(afterTheGap);
        assertThat(raised).singleElement().satisfies(v -> assertThat(v.getCallId()).isEqualTo(afterTheGap.getCallId()));

        PartnerApiCall bridging = server(Resource.CALENDAR, gapEnd - ONE_MINUTE, "203.0.113.5"); // late, in the horizon
        harness.processElement(bridging, bridging.getEventTime());
        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(raised.get(0).getViolationId());
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RETRACTED);
        });
    }
}
