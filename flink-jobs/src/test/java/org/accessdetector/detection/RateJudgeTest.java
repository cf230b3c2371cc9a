package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.agreement;
import static org.accessdetector.testing.TestData.grant;
import static org.accessdetector.testing.TestData.grants;
import static org.accessdetector.testing.TestData.revocation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.schema.ViolationStatus;
import org.accessdetector.testing.HarnessState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RateJudgeTest {

    private static final long MINUTE = BEFORE_REVOCATION; // aligned to the epoch minute
    private static final long LAST_MILLI = MINUTE + ONE_MINUTE - 1;
    private static final long NEXT_MINUTE = MINUTE + ONE_MINUTE;
    private static final long RETENTION = DetectorConfig.defaults().callRetentionMillis();
    /** The last watermark at which the minute can still change. */
    private static final long HORIZON_END = LAST_MILLI + RETENTION;
    private static final String ID = Violations.rateId(PARTNER, Resource.FRIENDS, Action.READ, MINUTE);

    /** FRIENDS READ, at most 100 records a minute. */
    private static final PartnerAgreement V1 = agreement(1)
            .setGrants(grants(grant(Resource.FRIENDS, Action.READ).setMaxRecordsPerMinute(100L))).build();

    private KeyedBroadcastOperatorTestHarness<String, RateSample, PartnerAgreement, Violation> harness;
    private int seen;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new RateJudge(DetectorConfig.defaults()), RateSample::rateKey, Types.STRING, AgreementBroadcast.VERSIONS);
        harness.processBroadcastElement(V1, V1.getEffectiveFrom());
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void send(long windowStart, long records) throws Exception {
        harness.processElement(new RateSample(PARTNER, Resource.FRIENDS, Action.READ, windowStart, records),
                windowStart);
    }

    private void limit(int version, long from, Long maxRecords) throws Exception {
        PartnerAgreement a = agreement(version).setEffectiveFrom(from)
                .setGrants(grants(grant(Resource.FRIENDS, Action.READ).setMaxRecordsPerMinute(maxRecords))).build();
        harness.processBroadcastElement(a, from);
    }

    private List<Violation> newViolations() {
        List<Violation> all = harness.extractOutputValues();
        List<Violation> fresh = new ArrayList<>(all.subList(seen, all.size()));
        seen = all.size();
        return fresh;
    }

    private void assertNothingLeftAfterTheHorizon() throws Exception {
        harness.watermark(Long.MAX_VALUE);
        assertThat(HarnessState.entries(harness)).as("keyed state left").isZero();
        assertThat(harness.numEventTimeTimers()).as("timers left").isZero();
    }

    @Test
    void aMinuteAboveTheLimitRaisesOneViolationOnceItIsOver() throws Exception {
        send(MINUTE, 60);
        send(MINUTE, 41);
        harness.watermark(LAST_MILLI - 1);
        assertThat(newViolations()).as("the minute is not over yet").isEmpty();

        harness.watermark(LAST_MILLI);

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(ID);
            assertThat(v.getRule()).isEqualTo(ViolationRule.RATE_LIMIT);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
            assertThat(v.getSeverity()).isEqualTo(Severity.MEDIUM);
            assertThat(v.getWindowStart()).isEqualTo(MINUTE);
            assertThat(v.getWindowEnd()).isEqualTo(NEXT_MINUTE);
            assertThat(v.getObservedRecords()).isEqualTo(101L);
            assertThat(v.getLimitRecords()).isEqualTo(100L);
            assertThat(v.getAgreementVersion()).isEqualTo(1);
            assertThat(v.getCallId()).isNull();
        });
        harness.watermark(HORIZON_END);
        assertThat(newViolations()).as("nothing changed: nothing written again").isEmpty();
        assertNothingLeftAfterTheHorizon();
    }

    @Test
    void exactlyTheLimitIsAllowedAndEachMinuteCountsOnItsOwn() throws Exception {
        send(MINUTE, 100);
        send(NEXT_MINUTE, 90);
        send(NEXT_MINUTE, 20);
        harness.watermark(NEXT_MINUTE + ONE_MINUTE);

        assertThat(newViolations()).extracting(Violation::getWindowStart, Violation::getObservedRecords)
                .containsExactly(tuple(NEXT_MINUTE, 110L));
        assertNothingLeftAfterTheHorizon();
    }

    @Test
    void lateRecordsRewriteTheViolationAndTakingThemBackRetractsIt() throws Exception {
        send(MINUTE, 101);
        harness.watermark(LAST_MILLI);
        assertThat(newViolations()).extracting(Violation::getObservedRecords).containsExactly(101L);

        harness.watermark(LAST_MILLI + 5 * ONE_MINUTE);
        send(MINUTE, 9); // a late call of the minute

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(ID);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
            assertThat(v.getObservedRecords()).isEqualTo(110L);
        });

        send(MINUTE, -30); // calls found out of scope: their records taken back

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(ID);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RETRACTED);
            assertThat(v.getObservedRecords()).isEqualTo(80L);
            assertThat(v.getRetractionReason()).contains("80 records", "limit of 100");
        });

        send(MINUTE, -5);
        assertThat(newViolations()).as("still within: nothing to write").isEmpty();
        send(MINUTE, 30);
        assertThat(newViolations()).extracting(Violation::getViolationId, Violation::getStatus,
                        Violation::getObservedRecords)
                .containsExactly(tuple(ID, ViolationStatus.RAISED, 105L));
        assertNothingLeftAfterTheHorizon();
    }

    @Test
    void aLateAgreementVersionChangingTheLimitAtTheMinutesStartJudgesItAgain() throws Exception {
        send(MINUTE, 120);
        harness.watermark(LAST_MILLI + ONE_MINUTE);
        assertThat(newViolations()).extracting(Violation::getStatus, Violation::getLimitRecords)
                .containsExactly(tuple(ViolationStatus.RAISED, 100L));

        limit(2, MINUTE - ONE_HOUR, 150L); // a correction raising the limit, published late

        assertThat(newViolations()).extracting(Violation::getViolationId, Violation::getStatus)
                .containsExactly(tuple(ID, ViolationStatus.RETRACTED));

        limit(3, MINUTE + 30_000, 10L); // from inside the minute: not the limit at its start
        assertThat(newViolations()).isEmpty();

        limit(4, MINUTE, 50L);
        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(ID);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
            assertThat(v.getLimitRecords()).isEqualTo(50L);
            assertThat(v.getAgreementVersion()).isEqualTo(4);
        });

        harness.processBroadcastElement(revocation(5, MINUTE - ONE_MINUTE), MINUTE - ONE_MINUTE);
        assertThat(newViolations()).as("no limit in force once revoked").singleElement().satisfies(v -> {
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RETRACTED);
            assertThat(v.getRetractionReason()).contains("no limit in force");
        });

        limit(6, MINUTE + ONE_HOUR, 1L); // from after the minute: published on time, changes nothing here
        assertThat(newViolations()).isEmpty();
        assertNothingLeftAfterTheHorizon();
    }

    @Test
    void aVersionRepublishedWithALaterStartJudgesAgainTheMinutesItNoLongerCovers() throws Exception {
        limit(2, MINUTE - ONE_MINUTE, 50L);
        send(MINUTE, 80);
        harness.watermark(LAST_MILLI);
        assertThat(newViolations()).extracting(Violation::getLimitRecords).containsExactly(50L);

        limit(2, MINUTE + 2 * ONE_MINUTE, 50L); // its start corrected: v1's limit of 100 was in force

        assertThat(newViolations()).extracting(Violation::getStatus).containsExactly(ViolationStatus.RETRACTED);
        assertNothingLeftAfterTheHorizon();
    }

    @Test
    void theMinuteCanChangeUntilItsHorizonEndsAndNotAfter() throws Exception {
        send(MINUTE, 101);
        harness.watermark(HORIZON_END);
        send(MINUTE, 1);
        assertThat(newViolations()).extracting(Violation::getObservedRecords).containsExactly(101L, 102L);

        harness.watermark(HORIZON_END + 1);
        assertThat(HarnessState.entries(harness)).as("the minute is forgotten").isZero();
        send(MINUTE, -50);

        assertThat(newViolations()).as("beyond the horizon: dropped").isEmpty();
        assertThat(HarnessState.entries(harness)).as("no fragment of the minute reopened").isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aSampleForAMinuteBeyondTheHorizonCreatesNoWindow() throws Exception {
        harness.watermark(HORIZON_END + 1);

        send(MINUTE, 500);

        assertThat(HarnessState.entries(harness)).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertNothingLeftAfterTheHorizon();
        assertThat(newViolations()).isEmpty();
    }

    @Test
    void aLateSampleWithinTheHorizonOpensItsMinuteAndIsJudgedAtTheNextWatermark() throws Exception {
        harness.watermark(HORIZON_END);
        send(MINUTE, 500);
        assertThat(newViolations()).isEmpty();

        harness.watermark(HORIZON_END + 1);

        assertThat(newViolations()).extracting(Violation::getObservedRecords).containsExactly(500L);
        assertNothingLeftAfterTheHorizon();
    }
}
