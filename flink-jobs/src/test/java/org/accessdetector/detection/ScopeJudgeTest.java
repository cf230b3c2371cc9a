package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.AFTER_REGRANT;
import static org.accessdetector.testing.Instants.AFTER_REVOCATION;
import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_DAY;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.Instants.PROGRAM_START;
import static org.accessdetector.testing.Instants.REGRANT;
import static org.accessdetector.testing.Instants.REVOCATION;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.BOB;
import static org.accessdetector.testing.TestData.agreement;
import static org.accessdetector.testing.TestData.call;
import static org.accessdetector.testing.TestData.grant;
import static org.accessdetector.testing.TestData.grants;
import static org.accessdetector.testing.TestData.revocation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;
import java.util.Queue;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.ConsentCheck.CheckedRole;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ScopeJudgeTest {

    private static final long HORIZON = DetectorConfig.defaults().controlLateHorizonMillis();

    private static final PartnerAgreement CONTACTS_READ = agreement(1)
            .setGrants(grants(grant(Resource.CONTACTS, Action.READ))).build();

    private KeyedTwoInputStreamOperatorTestHarness<String, PartnerApiCall, PartnerAgreement, Violation> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new ScopeJudge(DetectorConfig.defaults()),
                PartnerApiCall::getPartnerId, PartnerAgreement::getPartnerId, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void send(PartnerApiCall c) throws Exception {
        harness.processElement1(c, c.getEventTime());
    }

    private void send(PartnerAgreement a) throws Exception {
        harness.processElement2(a, a.getEffectiveFrom());
    }

    private void endOfTime() throws Exception {
        harness.processBothWatermarks(new Watermark(Long.MAX_VALUE));
    }

    private List<Violation> violations() {
        return harness.extractOutputValues();
    }

    private List<ConsentCheck> consentChecks() {
        return sideOutput(ScopeJudge.CONSENT_CHECKS);
    }

    private List<RateSample> rateSamples() {
        return sideOutput(ScopeJudge.RATE_SAMPLES);
    }

    private <X> List<X> sideOutput(OutputTag<X> tag) {
        Queue<StreamRecord<X>> records = harness.getSideOutput(tag); // null until something was emitted
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }

    /** Every call has been judged: nothing pending, only the agreement versions (one map per partner) left. */
    private void assertOnlyAgreementsRemain(int partnersWithAgreements) {
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numKeyedStateEntries()).isEqualTo(partnersWithAgreements);
    }

    @Test
    void partnerWithoutAnyAgreementBreaksNoAgreementAndNothingElse() throws Exception {
        send(call("c1").build());
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getCallId, Violation::getAgreementVersion,
                Violation::getSeverity).containsExactly(tuple(ViolationRule.NO_AGREEMENT, "c1", null, Severity.HIGH));
        assertThat(consentChecks()).isEmpty();
        assertThat(rateSamples()).isEmpty();
        assertOnlyAgreementsRemain(0);
    }

    @Test
    void agreementAppliesFromItsEffectiveFromInclusive() throws Exception {
        send(CONTACTS_READ);
        send(call("just-before").setEventTime(PROGRAM_START - 1).build());
        send(call("exactly-at").setEventTime(PROGRAM_START).build());
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getCallId)
                .containsExactly(tuple(ViolationRule.NO_AGREEMENT, "just-before"));
        assertThat(consentChecks()).extracting(ConsentCheck::callId).containsExactly("exactly-at");
        assertOnlyAgreementsRemain(1);
    }

    @Test
    void revocationThatArrivesAfterTheCallsItCoversStillFlagsThem() throws Exception {
        send(call("before").setEventTime(BEFORE_REVOCATION).build());
        send(call("at-revocation").setEventTime(REVOCATION).build());
        send(call("after").setEventTime(AFTER_REVOCATION).setResource(Resource.MESSAGES).build());
        send(CONTACTS_READ);
        send(revocation(2, REVOCATION));
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getCallId, Violation::getAgreementVersion,
                        Violation::getSeverity)
                .containsExactlyInAnyOrder(
                        tuple(ViolationRule.AFTER_REVOCATION, "at-revocation", 2, Severity.CRITICAL),
                        tuple(ViolationRule.AFTER_REVOCATION, "after", 2, Severity.CRITICAL));
        assertThat(violations().get(0).getReason()).contains("revoked");
        assertThat(consentChecks()).extracting(ConsentCheck::callId).containsExactly("before");
        assertOnlyAgreementsRemain(1);
    }

    @Test
    void agreementLapsesAtEffectiveUntilExclusive() throws Exception {
        long until = BEFORE_REVOCATION;
        send(agreement(1).setEffectiveUntil(until).setGrants(grants(grant(Resource.PROFILE, Action.READ))).build());
        send(call("last-moment").setResource(Resource.PROFILE).setEventTime(until - 1).build());
        send(call("lapsed").setResource(Resource.PROFILE).setEventTime(until).build());
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getCallId, Violation::getSeverity)
                .containsExactly(tuple(ViolationRule.AFTER_REVOCATION, "lapsed", Severity.HIGH));
        assertThat(violations().get(0).getReason()).contains("lapsed");
        assertThat(consentChecks()).extracting(ConsentCheck::callId).containsExactly("last-moment");
    }

    @Test
    void higherVersionWithEarlierEffectiveFromIsACorrectionThatOverrides() throws Exception {
        send(CONTACTS_READ); // version 1 from the program start grants CONTACTS READ
        send(agreement(2).setEffectiveFrom(PROGRAM_START - ONE_DAY) // corrected: never granted CONTACTS
                .setGrants(grants(grant(Resource.PROFILE, Action.READ))).build());
        send(call("c1").build());
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getAgreementVersion)
                .containsExactly(tuple(ViolationRule.OUT_OF_SCOPE, 2));
    }

    @Test
    void reGrantAfterRevocationAllowsCallsAgain() throws Exception {
        send(CONTACTS_READ);
        send(revocation(2, REVOCATION));
        send(agreement(3).setEffectiveFrom(REGRANT).setGrants(grants(grant(Resource.CONTACTS, Action.READ))).build());
        send(call("while-revoked").setEventTime(AFTER_REVOCATION).build());
        send(call("after-regrant").setEventTime(AFTER_REGRANT).build());
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getCallId)
                .containsExactly(tuple(ViolationRule.AFTER_REVOCATION, "while-revoked"));
        assertThat(consentChecks()).extracting(ConsentCheck::callId, ConsentCheck::agreementVersion)
                .containsExactly(tuple("after-regrant", 3));
    }

    @Test
    void actionOrResourceNotGrantedIsOutOfScope() throws Exception {
        send(CONTACTS_READ);
        send(call("write").setAction(Action.WRITE).build());
        send(call("messages").setResource(Resource.MESSAGES).build());
        send(call("photos").setResource(Resource.PHOTOS).build());
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getCallId, Violation::getSeverity)
                .containsExactlyInAnyOrder(
                        tuple(ViolationRule.OUT_OF_SCOPE, "write", Severity.CRITICAL),
                        tuple(ViolationRule.OUT_OF_SCOPE, "messages", Severity.CRITICAL),
                        tuple(ViolationRule.OUT_OF_SCOPE, "photos", Severity.HIGH));
        assertThat(consentChecks()).isEmpty();
    }

    @Test
    void deniedCallsNeverViolateAndLeaveNoState() throws Exception {
        send(call("denied").setOutcome(CallOutcome.DENIED).build());
        endOfTime();

        assertThat(violations()).isEmpty();
        assertThat(consentChecks()).isEmpty();
        assertOnlyAgreementsRemain(0);
    }

    @Test
    void readingAFriendsDataWithoutPermissionIsFriendDataAndBothUsersAreChecked() throws Exception {
        send(CONTACTS_READ);
        send(call("friend").setActingUserId(BOB).setSubjectUserId(ALICE).build());
        endOfTime();

        assertThat(violations()).extracting(Violation::getRule, Violation::getSeverity, Violation::getActingUserId)
                .containsExactly(tuple(ViolationRule.FRIEND_DATA, Severity.HIGH, BOB));
        assertThat(consentChecks())
                .extracting(ConsentCheck::checkedUserId, ConsentCheck::role, ConsentCheck::checkAuthorization,
                        ConsentCheck::checksExpected)
                .containsExactly(
                        tuple(BOB, CheckedRole.ACTING_USER, true, 2),
                        tuple(ALICE, CheckedRole.SUBJECT_USER, false, 2));
    }

    @Test
    void friendDataAllowedByTheGrantIsNoViolation() throws Exception {
        send(agreement(1).setGrants(grants(grant(Resource.FRIENDS, Action.READ).setAllowFriendData(true))).build());
        send(call("friend").setResource(Resource.FRIENDS).setActingUserId(BOB).build());
        send(call("self").setResource(Resource.FRIENDS).setActingUserId(ALICE).build());
        endOfTime();

        assertThat(violations()).isEmpty();
        assertThat(consentChecks()).extracting(ConsentCheck::callId, ConsentCheck::checkedUserId, ConsentCheck::role)
                .containsExactlyInAnyOrder(
                        tuple("friend", BOB, CheckedRole.ACTING_USER),
                        tuple("friend", ALICE, CheckedRole.SUBJECT_USER),
                        tuple("self", ALICE, CheckedRole.ACTING_USER));
    }

    @Test
    void grantWithoutConsentRequirementStillChecksSharingButNotAuthorization() throws Exception {
        send(agreement(1).setGrants(grants(grant(Resource.PROFILE, Action.READ).setRequiresUserConsent(false)))
                .build());
        send(call("c1").setResource(Resource.PROFILE).build());
        endOfTime();

        assertThat(consentChecks()).extracting(ConsentCheck::checkedUserId, ConsentCheck::checkAuthorization)
                .containsExactly(tuple(ALICE, false));
    }

    @Test
    void rateSamplesCarryTheLimitInForceAtTheStartOfTheMinute() throws Exception {
        long minute = BEFORE_REVOCATION; // minute-aligned
        send(agreement(1).setGrants(grants(grant(Resource.CONTACTS, Action.READ).setMaxRecordsPerMinute(100L)))
                .build());
        // Version 2 raises the limit half-way through the minute: the minute keeps version 1's limit.
        send(agreement(2).setEffectiveFrom(minute + 30_000)
                .setGrants(grants(grant(Resource.CONTACTS, Action.READ).setMaxRecordsPerMinute(500L))).build());
        send(call("early").setEventTime(minute + 1_000).setRecordCount(40).build());
        send(call("late").setEventTime(minute + 45_000).setRecordCount(70).build());
        send(call("next-minute").setEventTime(minute + ONE_MINUTE).setRecordCount(1).build());
        endOfTime();

        assertThat(rateSamples())
                .extracting(RateSample::windowStart, RateSample::recordCount, RateSample::limit,
                        RateSample::agreementVersion)
                .containsExactly(
                        tuple(minute, 40L, 100L, 1),
                        tuple(minute, 70L, 100L, 1),
                        tuple(minute + ONE_MINUTE, 1L, 500L, 2));
    }

    @Test
    void callsOutsideTheAgreementDoNotCountTowardRates() throws Exception {
        send(agreement(1).setGrants(grants(grant(Resource.CONTACTS, Action.READ).setMaxRecordsPerMinute(1L)))
                .build());
        send(call("out-of-scope").setAction(Action.DELETE).setRecordCount(50).build());
        send(call("denied").setOutcome(CallOutcome.DENIED).setRecordCount(50).build());
        endOfTime();

        assertThat(rateSamples()).isEmpty();
    }

    @Test
    void callsWaitForTheWatermarkBeforeBeingJudged() throws Exception {
        send(CONTACTS_READ);
        send(call("c1").setEventTime(BEFORE_REVOCATION).build());
        harness.processBothWatermarks(new Watermark(BEFORE_REVOCATION - 1));
        assertThat(consentChecks()).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processBothWatermarks(new Watermark(BEFORE_REVOCATION));
        assertThat(consentChecks()).extracting(ConsentCheck::callId).containsExactly("c1");

        harness.processBothWatermarks(new Watermark(BEFORE_REVOCATION + HORIZON));
        assertOnlyAgreementsRemain(1);
    }

    @Test
    void revocationArrivingAfterTheCallsWereJudgedFlagsThoseItCovers() throws Exception {
        send(CONTACTS_READ);
        send(call("before").setEventTime(REVOCATION - ONE_MINUTE).build());
        send(call("after").setEventTime(REVOCATION + ONE_MINUTE).build());
        harness.processBothWatermarks(new Watermark(REVOCATION + 2 * ONE_MINUTE));
        assertThat(violations()).isEmpty();
        assertThat(consentChecks()).hasSize(2);

        send(revocation(2, REVOCATION)); // published late: the watermark is already past the revocation

        assertThat(violations()).extracting(Violation::getRule, Violation::getCallId, Violation::getAgreementVersion)
                .containsExactly(tuple(ViolationRule.AFTER_REVOCATION, "after", 2));
        assertThat(consentChecks()).as("no second consent check for a call").hasSize(2);

        send(revocation(3, REVOCATION)); // republished: nothing new to report
        assertThat(violations()).hasSize(1);

        harness.processBothWatermarks(new Watermark(REVOCATION + ONE_MINUTE + HORIZON));
        assertOnlyAgreementsRemain(1);
    }

    @Test
    void agreementArrivingLateBringsUnregisteredCallsIntoScope() throws Exception {
        send(call("c1").build());
        harness.processBothWatermarks(new Watermark(BEFORE_REVOCATION));
        assertThat(violations()).extracting(Violation::getRule).containsExactly(ViolationRule.NO_AGREEMENT);

        send(CONTACTS_READ);

        assertThat(violations()).as("never retracted, nothing new").hasSize(1);
        assertThat(consentChecks()).extracting(ConsentCheck::callId).containsExactly("c1");
    }

    @Test
    void lateAgreementsBeyondTheHorizonChangeNothing() throws Exception {
        send(CONTACTS_READ);
        send(call("after").setEventTime(AFTER_REVOCATION).build());
        harness.processBothWatermarks(new Watermark(AFTER_REVOCATION + HORIZON));

        send(revocation(2, REVOCATION));

        assertThat(violations()).isEmpty();
        assertOnlyAgreementsRemain(1);
    }
}
