package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.BOB;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.authorized;
import static org.accessdetector.testing.TestData.consent;
import static org.accessdetector.testing.TestData.deauthorized;
import static org.accessdetector.testing.TestData.sharingDisabled;
import static org.accessdetector.testing.TestData.sharingEnabled;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.accessdetector.detection.ConsentCheck.CheckedRole;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.accessdetector.schema.Resource;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsentJudgeTest {

    private static final long T = BEFORE_REVOCATION;

    private KeyedTwoInputStreamOperatorTestHarness<String, ConsentCheck, ConsentEvent, ConsentFinding> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new ConsentJudge(0), ConsentCheck::checkedUserId, ConsentEvent::getUserId, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    /** alice's own call at t: she is the consenting user and the grant requires consent. */
    private static ConsentCheck aliceConsents(String callId, long t) {
        return new ConsentCheck(callId, PARTNER, Resource.CONTACTS, Action.READ, ALICE, null, t, null, 1, ALICE,
                CheckedRole.SUBJECT_USER, true, 1);
    }

    private void send(ConsentCheck check) throws Exception {
        harness.processElement1(check, check.eventTime());
    }

    private void send(ConsentEvent event) throws Exception {
        harness.processElement2(event, event.getEventTime());
    }

    private List<ConsentFinding> judgeAll() throws Exception {
        harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));
        assertThat(harness.numEventTimeTimers()).as("no check left waiting").isZero();
        return harness.extractOutputValues();
    }

    @Test
    void userWhoNeverAuthorizedThePartnerHasNotConsented() throws Exception {
        send(aliceConsents("c1", T));

        List<ConsentFinding> findings = judgeAll();

        assertThat(findings).singleElement().satisfies(f ->
                assertThat(f.failure()).isEqualTo("the subject user had not authorized partner " + PARTNER));
        assertThat(harness.numKeyedStateEntries()).as("nothing kept for a user without events").isZero();
    }

    @Test
    void authorizationCountsFromItsOwnInstantInclusive() throws Exception {
        send(authorized(ALICE, T));
        send(aliceConsents("at", T));
        send(aliceConsents("before", T - 1));

        assertThat(judgeAll()).extracting(f -> f.check().callId(), ConsentFinding::failure).containsExactlyInAnyOrder(
                org.assertj.core.api.Assertions.tuple("at", null),
                org.assertj.core.api.Assertions.tuple("before",
                        "the subject user had not authorized partner " + PARTNER));
        assertThat(harness.numKeyedStateEntries()).as("only alice's consent events remain").isEqualTo(1);
    }

    @Test
    void deauthorizationWithdrawsConsentFromItsInstant() throws Exception {
        send(authorized(ALICE, T - ONE_HOUR));
        send(deauthorized(ALICE, T));
        send(aliceConsents("while-authorized", T - 1));
        send(aliceConsents("after-withdrawal", T));

        List<ConsentFinding> findings = judgeAll();

        assertThat(findings).filteredOn(f -> f.check().callId().equals("while-authorized"))
                .singleElement().extracting(ConsentFinding::failure).isNull();
        assertThat(findings).filteredOn(f -> f.check().callId().equals("after-withdrawal"))
                .singleElement().extracting(ConsentFinding::failure)
                .isEqualTo("the subject user had deauthorized partner " + PARTNER);
    }

    @Test
    void consentForAnotherPartnerDoesNotCount() throws Exception {
        send(consent(ALICE, "other-partner", ConsentEventType.AUTHORIZED, T - ONE_HOUR));
        send(aliceConsents("c1", T));

        assertThat(judgeAll()).singleElement().extracting(ConsentFinding::failure).isNotNull();
    }

    @Test
    void sharingDisabledThenEnabledBlocksOnlyTheCallsInBetween() throws Exception {
        send(authorized(ALICE, T - ONE_HOUR));
        send(sharingDisabled(ALICE, T));
        send(sharingEnabled(ALICE, T + ONE_HOUR));
        send(aliceConsents("before-off", T - 1));
        send(aliceConsents("while-off", T + ONE_MINUTE));
        send(aliceConsents("back-on", T + ONE_HOUR));

        List<ConsentFinding> findings = judgeAll();

        assertThat(findings).filteredOn(f -> f.failure() != null).extracting(f -> f.check().callId())
                .containsExactly("while-off");
        assertThat(findings).filteredOn(f -> f.check().callId().equals("while-off")).singleElement()
                .extracting(ConsentFinding::failure).isEqualTo("the subject user had turned sharing off");
    }

    @Test
    void sharingOffBlocksEvenWhenTheGrantNeedsNoConsent() throws Exception {
        send(sharingDisabled(BOB, T - ONE_HOUR));
        send(new ConsentCheck("friend-read", PARTNER, Resource.FRIENDS, Action.READ, BOB, ALICE, T, null, 1, BOB,
                CheckedRole.SUBJECT_USER, false, 2));
        send(new ConsentCheck("no-consent-needed", PARTNER, Resource.PROFILE, Action.READ, ALICE, null, T, null, 1, ALICE,
                CheckedRole.SUBJECT_USER, false, 1));

        List<ConsentFinding> findings = judgeAll();

        assertThat(findings).filteredOn(f -> f.check().callId().equals("friend-read")).singleElement()
                .extracting(ConsentFinding::failure).isEqualTo("the subject user had turned sharing off");
        assertThat(findings).filteredOn(f -> f.check().callId().equals("no-consent-needed")).singleElement()
                .extracting(ConsentFinding::failure).isNull();
    }

    @Test
    void consentEventsThatArriveAfterTheCheckStillApplyAtTheirOwnTime() throws Exception {
        send(aliceConsents("c1", T));
        send(authorized(ALICE, T - ONE_MINUTE)); // arrives later, happened earlier

        assertThat(judgeAll()).singleElement().extracting(ConsentFinding::failure).isNull();
    }

    @Test
    void eventsAtTheSameInstantResolveToTheWithdrawalWhateverTheirOrder() throws Exception {
        send(deauthorized(ALICE, T));
        send(authorized(ALICE, T));
        send(aliceConsents("c1", T));

        assertThat(judgeAll()).singleElement().extracting(ConsentFinding::failure)
                .isEqualTo("the subject user had deauthorized partner " + PARTNER);
    }

    @Test
    void lateWithdrawalWithinTheHorizonRevisesChecksAlreadyPassed() throws Exception {
        harness.close();
        long horizon = 10 * ONE_MINUTE;
        harness = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new ConsentJudge(horizon), ConsentCheck::checkedUserId, ConsentEvent::getUserId, Types.STRING);
        send(authorized(ALICE, T - ONE_HOUR));
        send(aliceConsents("before-withdrawal", T - 1));
        send(aliceConsents("after-withdrawal", T + ONE_MINUTE));
        harness.processBothWatermarks(new Watermark(T + 2 * ONE_MINUTE));
        assertThat(harness.extractOutputValues()).extracting(ConsentFinding::failure).containsOnlyNulls();

        send(sharingDisabled(ALICE, T)); // happened at T, arrives after both checks were answered

        List<ConsentFinding> findings = harness.extractOutputValues();
        assertThat(findings).hasSize(3);
        assertThat(findings.get(2).check().callId()).isEqualTo("after-withdrawal");
        assertThat(findings.get(2).revision()).isTrue();
        assertThat(findings.get(2).failure()).isEqualTo("the subject user had turned sharing off");

        harness.processBothWatermarks(new Watermark(T + ONE_MINUTE + horizon));
        assertThat(harness.numEventTimeTimers()).as("answered checks forgotten after the horizon").isZero();
        assertThat(harness.numKeyedStateEntries()).as("only alice's consent events remain").isEqualTo(1);

        send(deauthorized(ALICE, T + ONE_MINUTE)); // too late: beyond the horizon
        assertThat(harness.extractOutputValues()).hasSize(3);
    }
}
