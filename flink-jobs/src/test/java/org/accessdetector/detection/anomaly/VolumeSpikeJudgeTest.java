package org.accessdetector.detection.anomaly;

import static org.accessdetector.testing.Instants.ONE_DAY;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.RateSample;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.schema.ViolationStatus;
import org.accessdetector.testing.Instants;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** VOLUME_SPIKE at default settings: floor 1000, factor 3, 6 robust deviations, 24 hours, 7-day warm-up. */
class VolumeSpikeJudgeTest {

    /** The key's first minute: an epoch hour. */
    private static final long HISTORY_START = Instants.at("2026-03-02T00:00:00Z");
    private static final long RETENTION = DetectorConfig.defaults().callRetentionMillis();

    private KeyedOneInputStreamOperatorTestHarness<String, RateSample, Violation> harness;
    private int seen;

    @BeforeEach
    void setUp() throws Exception {
        harness = harness();
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RateSample, Violation> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new VolumeSpikeJudge(DetectorConfig.defaults())), RateSample::rateKey,
                Types.STRING);
    }

    private void send(Resource resource, long minute, long records) throws Exception {
        harness.processElement(new RateSample(PARTNER, resource, Action.READ, minute, records), minute);
    }

    /** One busiest minute of {@code records} in each of {@code hours} hours from the history start. */
    private void history(Resource resource, int hours, long records) throws Exception {
        for (int h = 0; h < hours; h++) {
            long minute = HISTORY_START + h * ONE_HOUR + 17 * ONE_MINUTE;
            send(resource, minute, records);
            harness.processWatermark(minute + ONE_MINUTE);
        }
    }

    /** A minute sent once the history is final, and judged when event time passes it. */
    private List<Violation> judge(Resource resource, long minute, long records) throws Exception {
        send(resource, minute, records);
        harness.processWatermark(minute + ONE_MINUTE);
        return newViolations();
    }

    private List<Violation> newViolations() {
        List<Violation> all = harness.extractOutputValues();
        List<Violation> fresh = new ArrayList<>(all.subList(seen, all.size()));
        seen = all.size();
        return fresh;
    }

    /** A minute whose baseline holds every hour of a history of {@code hours}. */
    private static long after(int hours) {
        return HISTORY_START + hours * ONE_HOUR + RETENTION + ONE_HOUR;
    }

    @Test
    void noMinuteIsJudgedBeforeTheKeyHasADayOfHistoryAndSpikesInTheWarmUpAreShadowed() throws Exception {
        history(Resource.CONTACTS, 23, 100);
        assertThat(judge(Resource.CONTACTS, after(23), 50_000)).as("23 hours of history").isEmpty();

        // That minute, once final, is the 24th hour of history: its hour's busiest minute (the median stays 100).
        List<Violation> spike = judge(Resource.CONTACTS, after(24) + ONE_HOUR, 50_000);
        assertThat(spike).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.VOLUME_SPIKE);
            assertThat(v.getShadow()).as("still in the key's 7-day warm-up").isTrue();
            assertThat(v.getBaseline()).isEqualTo(100.0);
        });
    }

    @Test
    void afterTheWarmUpAMinuteAboveThreeTimesTheMedianIsASpikeAndExactlyThreeTimesIsNot() throws Exception {
        history(Resource.CONTACTS, 8 * 24, 500);
        long minute = after(8 * 24);
        assertThat(judge(Resource.CONTACTS, minute, 1500)).as("exactly 3 x 500").isEmpty();

        List<Violation> spike = judge(Resource.CONTACTS, minute + ONE_MINUTE, 1501);
        assertThat(spike).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.VOLUME_SPIKE);
            assertThat(v.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(v.getShadow()).isFalse();
            assertThat(v.getPartnerId()).isEqualTo(PARTNER);
            assertThat(v.getResource()).isEqualTo(Resource.CONTACTS);
            assertThat(v.getWindowStart()).isEqualTo(minute + ONE_MINUTE);
            assertThat(v.getWindowEnd()).isEqualTo(minute + 2 * ONE_MINUTE);
            assertThat(v.getObservedRecords()).isEqualTo(1501L);
            assertThat(v.getBaseline()).isEqualTo(500.0);
            assertThat(v.getThreshold()).isEqualTo(1500.0);
            assertThat(v.getReason()).contains("1501 CONTACTS records", "usually 500 records", "above 1500");
        });
    }

    @Test
    void aQuietKeyIsHeldToTheFloorAndEachKeyToItsOwnBaseline() throws Exception {
        for (int h = 0; h < 8 * 24; h++) {
            long m = HISTORY_START + h * ONE_HOUR;
            send(Resource.CONTACTS, m, 100);
            send(Resource.CALENDAR, m, 600);
            harness.processWatermark(m + ONE_MINUTE);
        }
        long minute = after(8 * 24);
        send(Resource.CONTACTS, minute, 1000);
        send(Resource.CALENDAR, minute, 1300);
        harness.processWatermark(minute + ONE_MINUTE);
        assertThat(newViolations()).as("the floor (1000) and 3 x 600").isEmpty();

        send(Resource.CONTACTS, minute + ONE_MINUTE, 1001);
        send(Resource.CALENDAR, minute + ONE_MINUTE, 1300);
        harness.processWatermark(minute + 2 * ONE_MINUTE);
        assertThat(newViolations()).extracting(Violation::getResource, Violation::getThreshold)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Resource.CONTACTS, 1000.0));
    }

    @Test
    void aWidelySpreadKeyNeedsMoreThanSixRobustDeviationsAndOnePastSpikeBarelyMovesItsBaseline()
            throws Exception {
        // Busiest minutes alternate 200 and 600, with one past spike of 90,000 in place of a 200 and a quiet hour
        // (200) in place of the next 600. Over the 166 hours of the last 7 days that the baseline uses: 83 x 200,
        // 82 x 600 and the spike, so the median is 400 and the MAD 200, as without the spike.
        for (int h = 0; h < 8 * 24; h++) {
            long m = HISTORY_START + h * ONE_HOUR;
            send(Resource.CONTACTS, m, h == 50 ? 90_000 : h == 51 ? 200 : h % 2 == 0 ? 200 : 600);
            harness.processWatermark(m + ONE_MINUTE);
        }
        assertThat(newViolations()).as("the past spike, judged in its time (in the warm-up)")
                .extracting(Violation::getObservedRecords, Violation::getShadow)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(90_000L, true));
        double threshold = 400 + 6 * 1.4826 * 200; // 2179.1: above 3 x 400
        long minute = after(8 * 24);
        assertThat(judge(Resource.CONTACTS, minute, 2179)).isEmpty();
        assertThat(judge(Resource.CONTACTS, minute + ONE_MINUTE, 2180)).singleElement()
                .satisfies(v -> {
                    assertThat(v.getBaseline()).isEqualTo(400.0);
                    assertThat(v.getThreshold()).isCloseTo(threshold, org.assertj.core.data.Offset.offset(1e-9));
                });
    }

    @Test
    void lateRecordsWithinTheHorizonRaiseTheSpikeAndTakingThemBackRetractsIt() throws Exception {
        history(Resource.CONTACTS, 8 * 24, 500);
        long minute = after(8 * 24);
        assertThat(judge(Resource.CONTACTS, minute, 1400)).isEmpty();

        send(Resource.CONTACTS, minute, 200); // late, within the horizon
        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getObservedRecords()).isEqualTo(1600L);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
        });
        String id = harness.extractOutputValues().get(0).getViolationId();

        send(Resource.CONTACTS, minute, -200); // a late agreement version put a call out of scope
        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(id);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RETRACTED);
            assertThat(v.getRetractionReason()).contains("1400 records");
        });

        harness.processWatermark(minute + ONE_MINUTE + RETENTION + 1);
        send(Resource.CONTACTS, minute, 5000); // beyond the horizon: counted, changes nothing
        assertThat(newViolations()).isEmpty();
    }

    @Test
    void anIdleKeyIsForgottenEntirelyOnceItsHistoryIsOlderThanTheBaselineWindow() throws Exception {
        history(Resource.CONTACTS, 8 * 24, 500);
        assertThat(harness.numKeyedStateEntries()).as("history kept").isGreaterThan(0);
        assertThat(harness.numKeyedStateEntries()).as("at most one figure per hour of the 7 days, plus a few")
                .isLessThanOrEqualTo(7 * 24 + 4 + 4);

        harness.processWatermark(HISTORY_START + 8 * ONE_DAY + 7 * ONE_DAY + 3 * ONE_HOUR + RETENTION);
        assertThat(harness.numKeyedStateEntries()).as("state left").isZero();
        assertThat(harness.numEventTimeTimers()).as("timers left").isZero();
    }

    @Test
    void aRestoredJudgeKeepsItsLearnedBaseline() throws Exception {
        history(Resource.CONTACTS, 8 * 24, 500);
        OperatorSubtaskState snapshot = harness.snapshot(1, after(8 * 24));
        harness.close();

        harness = harness();
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        seen = 0;
        long minute = after(8 * 24);
        assertThat(judge(Resource.CONTACTS, minute, 1500)).isEmpty();
        assertThat(judge(Resource.CONTACTS, minute + ONE_MINUTE, 1501)).singleElement()
                .satisfies(v -> assertThat(v.getBaseline()).isEqualTo(500.0));
    }
}
