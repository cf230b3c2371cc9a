package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.AFTER_REVOCATION;
import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.CONSENT_GIVEN;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.Instants.REVOCATION;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.BOB;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.agreement;
import static org.accessdetector.testing.TestData.authorized;
import static org.accessdetector.testing.TestData.call;
import static org.accessdetector.testing.TestData.deauthorized;
import static org.accessdetector.testing.TestData.grant;
import static org.accessdetector.testing.TestData.grants;
import static org.accessdetector.testing.TestData.revocation;
import static org.accessdetector.testing.TestData.sharingDisabled;
import static org.accessdetector.testing.TestData.sharingEnabled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.schema.ViolationStatus;
import org.accessdetector.testing.HarnessState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CallJudgeTest {

    private static final long T = BEFORE_REVOCATION; // aligned to a minute
    private static final long RETENTION = DetectorConfig.defaults().callRetentionMillis();
    /** Far enough past every call of a test for its horizon, and every coalesced cleanup, to be over. */
    private static final long LONG_AFTER = REVOCATION + 6 * ONE_HOUR;
    private static final Set<ViolationRule> SCOPE_RULES =
            EnumSet.of(ViolationRule.NO_AGREEMENT, ViolationRule.AFTER_REVOCATION, ViolationRule.OUT_OF_SCOPE);

    /** CONTACTS READ with user consent, FRIENDS READ with friend data allowed; MESSAGES READ without friend data. */
    private static final PartnerAgreement V1 = agreement(1).setGrants(grants(
            grant(Resource.CONTACTS, Action.READ),
            grant(Resource.FRIENDS, Action.READ).setAllowFriendData(true),
            grant(Resource.MESSAGES, Action.READ))).build();

    private static final MapStateDescriptor<String, List<ConsentEvent>> CONSENTS = new MapStateDescriptor<>(
            "consent-events", Types.STRING, new ListTypeInfo<>(new AvroTypeInfo<>(ConsentEvent.class)));

    private KeyedBroadcastOperatorTestHarness<String, UserInput, PartnerAgreement, Violation> harness;
    private int violationsSeen;
    private int samplesSeen;
    /** The last record of every violation id: its state. */
    private final Map<String, Violation> lastById = new LinkedHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static KeyedBroadcastOperatorTestHarness<String, UserInput, PartnerAgreement, Violation> newHarness()
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new CallJudge(DetectorConfig.defaults()), UserInput::userKey, Types.STRING, AgreementBroadcast.VERSIONS);
    }

    // ---------------------------------------------------------------------------------------------------
    // Inputs and outputs.

    private void agreementArrives(PartnerAgreement a) throws Exception {
        harness.processBroadcastElement(a, a.getEffectiveFrom());
    }

    private void callArrives(PartnerApiCall c) throws Exception {
        harness.processElement(UserInput.call(c), c.getEventTime());
    }

    private void friendCallArrives(PartnerApiCall c, boolean subjectSharingOff) throws Exception {
        harness.processElement(UserInput.call(c, subjectSharingOff), c.getEventTime());
    }

    private void consentArrives(ConsentEvent e) throws Exception {
        harness.processElement(UserInput.consent(e), e.getEventTime());
    }

    private void watermark(long t) throws Exception {
        harness.watermark(t);
    }

    /** The violation records written since the last look, each folded into {@link #lastById}. */
    private List<Violation> newViolations() {
        List<Violation> all = harness.extractOutputValues();
        List<Violation> fresh = new ArrayList<>(all.subList(violationsSeen, all.size()));
        violationsSeen = all.size();
        for (Violation v : fresh) {
            lastById.put(v.getViolationId(), v);
            assertAtMostOneScopeRuleInForcePerCall();
        }
        return fresh;
    }

    private List<RateSample> newSamples() {
        List<RateSample> all = harness.getSideOutput(CallJudge.RATE_SAMPLES) == null ? List.of()
                : harness.getSideOutput(CallJudge.RATE_SAMPLES).stream().map(StreamRecord::getValue).toList();
        List<RateSample> fresh = new ArrayList<>(all.subList(samplesSeen, all.size()));
        samplesSeen = all.size();
        return fresh;
    }

    private void assertAtMostOneScopeRuleInForcePerCall() {
        Map<String, List<ViolationRule>> scopeRulesByCall = lastById.values().stream()
                .filter(Violations::inForce)
                .filter(v -> SCOPE_RULES.contains(v.getRule()))
                .collect(Collectors.groupingBy(Violation::getCallId,
                        Collectors.mapping(Violation::getRule, Collectors.toList())));
        scopeRulesByCall.forEach((callId, rules) ->
                assertThat(rules).as("scope rules in force for %s", callId).hasSizeLessThanOrEqualTo(1));
    }

    /** The violations in force, as "RULE callId vVERSION". */
    private Set<String> inForce() {
        newViolations();
        return lastById.values().stream().filter(Violations::inForce)
                .map(v -> v.getRule() + " " + v.getCallId() + " v" + v.getAgreementVersion())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    // ---------------------------------------------------------------------------------------------------
    // State.

    private Set<String> keysWith(String state) {
        return HarnessState.keysWith(harness, state);
    }

    private int keyedStateEntries() {
        return HarnessState.entries(harness);
    }

    /** The user's consent events as kept: partner id (or "" for sharing) to the events. */
    private Map<String, List<ConsentEvent>> consentsKept(String user) throws Exception {
        MapState<String, List<ConsentEvent>> state = HarnessState.of(harness, user, CONSENTS);
        Map<String, List<ConsentEvent>> kept = new TreeMap<>();
        for (Map.Entry<String, List<ConsentEvent>> e : state.entries()) {
            kept.put(e.getKey(), e.getValue());
        }
        return kept;
    }

    /** After a watermark long past every call: no call kept, no timer, only consent events remain. */
    private void assertOnlyConsentsRemainAfterTheHorizon() throws Exception {
        watermark(LONG_AFTER);
        assertThat(keysWith("calls")).as("calls kept").isEmpty();
        assertThat(keysWith("next-cleanup")).as("cleanup schedule").isEmpty();
        assertThat(keysWith("early-corrections")).as("corrections waiting for a call").isEmpty();
        assertThat(harness.numEventTimeTimers()).as("timers left").isZero();
        assertThat(keyedStateEntries()).as("only the consent events of users who have some")
                .isEqualTo(keysWith("consent-events").size());
    }

    // ---------------------------------------------------------------------------------------------------
    // Stories.

    @Test
    void aCallInScopeRaisesNothingAndCountsItsRecords() throws Exception {
        agreementArrives(V1);
        consentArrives(authorized(ALICE, CONSENT_GIVEN));
        callArrives(call("c1").setRecordCount(3).setEventTime(T + 1_234).build());
        watermark(T + 1_233);
        assertThat(newSamples()).as("not judged before the watermark passes it").isEmpty();

        watermark(T + 1_234);

        assertThat(newViolations()).isEmpty();
        assertThat(newSamples()).containsExactly(new RateSample(PARTNER, Resource.CONTACTS, Action.READ, T, 3));
        assertOnlyConsentsRemainAfterTheHorizon();
        assertThat(newViolations()).isEmpty();
        assertThat(newSamples()).isEmpty();
    }

    @Test
    void noConsentIsRaisedThenRetractedByALateAuthorization() throws Exception {
        agreementArrives(V1);
        callArrives(call("c1").setEventTime(T).build());
        watermark(T);

        List<Violation> raised = newViolations();
        assertThat(raised).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.NO_USER_CONSENT);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
            assertThat(v.getViolationId()).isEqualTo(Violations.perCallId(ViolationRule.NO_USER_CONSENT, "c1"));
            assertThat(v.getReason()).contains("had not authorized partner " + PARTNER);
        });
        assertThat(newSamples()).as("in scope: counted whatever the consent")
                .containsExactly(new RateSample(PARTNER, Resource.CONTACTS, Action.READ, T, 1));

        watermark(T + ONE_MINUTE);
        consentArrives(authorized(ALICE, T - ONE_MINUTE)); // before the call, arriving after it was judged

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(raised.get(0).getViolationId());
            assertThat(v.getRule()).isEqualTo(ViolationRule.NO_USER_CONSENT);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RETRACTED);
            assertThat(v.getRetractionReason()).contains("AUTHORIZED");
        });
        assertThat(newSamples()).as("the records stay counted").isEmpty();
        assertThat(inForce()).isEmpty();

        consentArrives(authorized(ALICE, T - 2 * ONE_MINUTE));
        assertThat(newViolations()).as("nothing changes: nothing written").isEmpty();
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    @Test
    void aLateRevocationRaisesAfterRevocationAndACorrectionRetractsIt() throws Exception {
        agreementArrives(V1);
        consentArrives(authorized(ALICE, CONSENT_GIVEN));
        callArrives(call("c1").setRecordCount(4).setEventTime(AFTER_REVOCATION).build());
        watermark(AFTER_REVOCATION);
        assertThat(newViolations()).isEmpty();
        assertThat(newSamples()).extracting(RateSample::records).containsExactly(4L);

        agreementArrives(revocation(2, REVOCATION)); // published after the call was judged

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.AFTER_REVOCATION);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
            assertThat(v.getAgreementVersion()).isEqualTo(2);
            assertThat(v.getCallId()).isEqualTo("c1");
        });
        assertThat(newSamples()).as("the records are taken back")
                .containsExactly(new RateSample(PARTNER, Resource.CONTACTS, Action.READ, AFTER_REVOCATION, -4));

        agreementArrives(agreement(3).setGrants(V1.getGrants()).setEffectiveFrom(REVOCATION).build()); // corrected

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getViolationId()).isEqualTo(Violations.perCallId(ViolationRule.AFTER_REVOCATION, "c1"));
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RETRACTED);
            assertThat(v.getRetractionReason()).contains("version 3", "within the agreement");
        });
        assertThat(newSamples()).extracting(RateSample::records).containsExactly(4L);
        assertThat(inForce()).isEmpty();
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    @Test
    void outOfScopeIsReplacedByAfterRevocation() throws Exception {
        agreementArrives(V1);
        callArrives(call("c1").setResource(Resource.MESSAGES).setAction(Action.WRITE)
                .setEventTime(AFTER_REVOCATION).build());
        watermark(AFTER_REVOCATION + ONE_MINUTE);
        assertThat(newViolations()).extracting(Violation::getRule, Violation::getStatus, Violation::getAgreementVersion)
                .containsExactly(tuple(ViolationRule.OUT_OF_SCOPE, ViolationStatus.RAISED, 1));

        agreementArrives(revocation(2, REVOCATION));

        List<Violation> changes = newViolations();
        assertThat(changes).extracting(Violation::getRule, Violation::getStatus, Violation::getAgreementVersion)
                .containsExactly(
                        tuple(ViolationRule.OUT_OF_SCOPE, ViolationStatus.RETRACTED, 1),
                        tuple(ViolationRule.AFTER_REVOCATION, ViolationStatus.RAISED, 2));
        assertThat(changes.get(0).getRetractionReason()).contains("breaks AFTER_REVOCATION instead");
        assertThat(newSamples()).as("never in scope, never counted").isEmpty();
        assertThat(inForce()).containsExactly("AFTER_REVOCATION c1 v2");
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    @Test
    void aRedeliveredCallIsCountedOnce() throws Exception {
        agreementArrives(V1);
        PartnerApiCall outOfScope = call("c1").setResource(Resource.MESSAGES).setAction(Action.WRITE)
                .setEventTime(T).build();
        PartnerApiCall inScope = call("c2").setRecordCount(5).setEventTime(T + 1).build();
        consentArrives(authorized(ALICE, CONSENT_GIVEN));
        callArrives(outOfScope);
        callArrives(inScope);
        callArrives(outOfScope);
        callArrives(inScope);
        watermark(T + ONE_MINUTE);
        callArrives(outOfScope); // again after it was judged, within the horizon
        callArrives(inScope);
        watermark(T + 2 * ONE_MINUTE);

        assertThat(newViolations()).extracting(Violation::getRule, Violation::getCallId)
                .containsExactly(tuple(ViolationRule.OUT_OF_SCOPE, "c1"));
        assertThat(newSamples()).containsExactly(new RateSample(PARTNER, Resource.CONTACTS, Action.READ, T, 5));
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    @Test
    void aCorrectionOfTheSubjectsSharingRaisesNoConsentForAFriendCall() throws Exception {
        agreementArrives(V1);
        consentArrives(authorized(ALICE, CONSENT_GIVEN));
        PartnerApiCall friendCall = call("f1").setSubjectUserId(BOB).setActingUserId(ALICE)
                .setResource(Resource.FRIENDS).setEventTime(T).build();
        friendCallArrives(friendCall, false);
        watermark(T);
        assertThat(newViolations()).as("friend data allowed, both users' consent in order").isEmpty();

        harness.processElement(UserInput.correction(ALICE, "f1", T, true), T); // bob had turned sharing off

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.NO_USER_CONSENT);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
            assertThat(v.getSubjectUserId()).isEqualTo(BOB);
            assertThat(v.getActingUserId()).isEqualTo(ALICE);
            assertThat(v.getReason()).contains("the subject user had turned sharing off");
        });

        harness.processElement(UserInput.correction(ALICE, "f1", T, true), T);
        assertThat(newViolations()).as("the same answer again changes nothing").isEmpty();

        harness.processElement(UserInput.correction(ALICE, "f1", T, false), T); // and back on
        assertThat(newViolations()).extracting(Violation::getRule, Violation::getStatus)
                .containsExactly(tuple(ViolationRule.NO_USER_CONSENT, ViolationStatus.RETRACTED));
        assertThat(newSamples()).as("counted once; consent is not scope").hasSize(1);
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    @Test
    void aCorrectionBeforeTheCallIsJudgedIsJudgedWithIt() throws Exception {
        agreementArrives(V1);
        consentArrives(authorized(ALICE, CONSENT_GIVEN));
        friendCallArrives(call("f1").setSubjectUserId(BOB).setActingUserId(ALICE)
                .setResource(Resource.FRIENDS).setEventTime(T).build(), false);
        harness.processElement(UserInput.correction(ALICE, "f1", T, true), T);
        watermark(T);

        assertThat(newViolations()).extracting(Violation::getRule, Violation::getStatus)
                .containsExactly(tuple(ViolationRule.NO_USER_CONSENT, ViolationStatus.RAISED));
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    @Test
    void aCorrectionThatOvertakesItsCallIsAppliedWhenTheCallComes() throws Exception {
        // A batch replay sorts the judge's input by time: the correction, stamped with the subject's earlier
        // sharing event, comes before the call, which still carries the answer known before that event.
        agreementArrives(V1);
        consentArrives(authorized(ALICE, CONSENT_GIVEN));
        harness.processElement(UserInput.correction(ALICE, "f1", T, true), T - ONE_MINUTE);
        assertThat(keysWith("early-corrections")).containsExactly(ALICE);
        friendCallArrives(call("f1").setSubjectUserId(BOB).setActingUserId(ALICE)
                .setResource(Resource.FRIENDS).setEventTime(T).build(), false);
        assertThat(keysWith("early-corrections")).as("taken by its call").isEmpty();
        watermark(T);

        assertThat(newViolations()).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.NO_USER_CONSENT);
            assertThat(v.getStatus()).isEqualTo(ViolationStatus.RAISED);
            assertThat(v.getReason()).contains("the subject user had turned sharing off");
        });
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    @Test
    void aCorrectionWhoseCallNeverComesIsForgottenAfterTheHorizon() throws Exception {
        agreementArrives(V1);
        harness.processElement(UserInput.correction(ALICE, "f1", T, true), T - ONE_MINUTE);
        watermark(T + RETENTION - 1);
        assertThat(keysWith("early-corrections")).as("kept for the horizon").containsExactly(ALICE);

        assertOnlyConsentsRemainAfterTheHorizon();
        assertThat(newViolations()).isEmpty();
    }

    @Test
    void pastTheHorizonCallsAreForgottenAndConsentHistoryIsCompacted() throws Exception {
        agreementArrives(V1);
        ConsentEvent sharingOff = sharingDisabled(ALICE, T - 3 * ONE_HOUR);
        ConsentEvent sharingOn = sharingEnabled(ALICE, T - 2 * ONE_HOUR);
        ConsentEvent first = authorized(ALICE, T - 2 * ONE_HOUR);
        ConsentEvent withdrawn = deauthorized(ALICE, T - ONE_HOUR);
        ConsentEvent again = authorized(ALICE, T - 30 * ONE_MINUTE);
        for (ConsentEvent e : List.of(sharingOff, first, sharingOn, withdrawn, again)) {
            consentArrives(e);
        }
        callArrives(call("c1").setEventTime(T).build());
        callArrives(call("c2").setEventTime(T + 5 * ONE_MINUTE).build());
        watermark(T + 5 * ONE_MINUTE);
        assertThat(newViolations()).isEmpty();
        assertThat(keysWith("calls")).containsExactly(ALICE);

        watermark(T + RETENTION + CallJudge.CLEANUP_GRANULARITY_MILLIS);
        assertThat(keysWith("calls")).as("c2 is still within its horizon").containsExactly(ALICE);
        callArrives(call("c1").setEventTime(T).build()); // too late to be known as a redelivery

        watermark(T + 5 * ONE_MINUTE + RETENTION + CallJudge.CLEANUP_GRANULARITY_MILLIS);

        assertThat(keysWith("calls")).isEmpty();
        assertThat(consentsKept(ALICE)).isEqualTo(Map.of(PARTNER, List.of(again), "", List.of(sharingOn)));
        assertThat(harness.numEventTimeTimers()).as("nothing more to do for alice").isZero();
        assertThat(keyedStateEntries()).as("the consent events only").isEqualTo(1);
    }

    /**
     * A call whose time is exactly the time of a cleanup that another record then moves earlier: both share
     * one timer (timers are per key and time), which the move must not take from the call.
     */
    @Test
    void aCallIsJudgedWhenACleanupAtItsTimeIsMovedEarlier() throws Exception {
        agreementArrives(V1);
        long cleanupAtT = T - RETENTION - 5_000; // coalesced to T
        consentArrives(authorized(ALICE, cleanupAtT));
        callArrives(call("c1").setResource(Resource.MESSAGES).setAction(Action.WRITE).setEventTime(T).build());
        consentArrives(sharingEnabled(ALICE, cleanupAtT - 10_000)); // its cleanup is due 10 s before T

        watermark(T);

        assertThat(newViolations()).extracting(Violation::getRule, Violation::getCallId)
                .containsExactly(tuple(ViolationRule.OUT_OF_SCOPE, "c1"));
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    /** A version published again with a later start: calls between the two starts are judged by the one before. */
    @Test
    void aVersionRepublishedWithALaterStartJudgesAgainTheCallsItNoLongerCovers() throws Exception {
        agreementArrives(V1);
        agreementArrives(revocation(2, REVOCATION));
        consentArrives(authorized(ALICE, CONSENT_GIVEN));
        callArrives(call("c1").setEventTime(AFTER_REVOCATION).build());
        watermark(AFTER_REVOCATION + ONE_MINUTE);
        assertThat(inForce()).containsExactly("AFTER_REVOCATION c1 v2");

        agreementArrives(revocation(2, AFTER_REVOCATION + 2 * ONE_MINUTE)); // the revocation date corrected

        assertThat(newViolations()).extracting(Violation::getRule, Violation::getStatus)
                .containsExactly(tuple(ViolationRule.AFTER_REVOCATION, ViolationStatus.RETRACTED));
        assertThat(inForce()).isEmpty();
        assertOnlyConsentsRemainAfterTheHorizon();
    }

    // ---------------------------------------------------------------------------------------------------
    // Order.

    /** The story of {@link #theVerdictsInForceAreTheSameWhateverTheArrivalOrder}, as it would be delivered. */
    private sealed interface Delivery permits Agreement, Call, Consent {}

    private record Agreement(PartnerAgreement agreement) implements Delivery {}

    private record Call(PartnerApiCall call, Boolean subjectSharingOff) implements Delivery {}

    private record Consent(ConsentEvent event) implements Delivery {}

    private static List<Delivery> story() {
        long revoked = T + 3 * ONE_MINUTE;
        return List.of(
                new Agreement(V1),
                new Agreement(revocation(2, revoked)),
                new Consent(authorized(ALICE, T - ONE_HOUR)),
                new Consent(deauthorized(ALICE, T + ONE_MINUTE)),
                new Consent(sharingDisabled(ALICE, T + 3 * ONE_MINUTE + 30_000)),
                new Call(call("c1").setEventTime(T).build(), null),
                new Call(call("c3").setResource(Resource.MESSAGES).setAction(Action.WRITE)
                        .setEventTime(T + 30_000).build(), null),
                new Call(call("c5").setEventTime(T + ONE_MINUTE).build(), null), // with the withdrawal
                new Call(call("c2").setRecordCount(2).setEventTime(T + 2 * ONE_MINUTE).build(), null),
                new Call(call("c6").setSubjectUserId(BOB).setActingUserId(ALICE).setResource(Resource.MESSAGES)
                        .setEventTime(T + 2 * ONE_MINUTE + 30_000).build(), false),
                new Call(call("c4").setEventTime(revoked + ONE_MINUTE).build(), null));
    }

    /** Worked out by hand from the rules. */
    private static final Set<String> EXPECTED_IN_FORCE = Set.of(
            "OUT_OF_SCOPE c3 v1", // MESSAGES WRITE is not granted
            "NO_USER_CONSENT c5 v1", // deauthorized at the very millisecond: the withdrawal wins
            "NO_USER_CONSENT c2 v1",
            "FRIEND_DATA c6 v1", // MESSAGES READ without friend data
            "NO_USER_CONSENT c6 v1",
            "AFTER_REVOCATION c4 v2"); // c1: authorized, in scope, nothing

    /** Minute start to the records counted: c1; c5; c2 (2) and c6. c4 was never in scope. */
    private static final Map<Long, Long> EXPECTED_RECORDS =
            Map.of(T, 1L, T + ONE_MINUTE, 1L, T + 2 * ONE_MINUTE, 3L);

    @Test
    void theVerdictsInForceAreTheSameWhateverTheArrivalOrder() throws Exception {
        Map<String, String> reasonsInOrder = null;
        for (int seed = 0; seed < 12; seed++) {
            List<Delivery> deliveries = new ArrayList<>(story());
            Random random = new Random(seed);
            if (seed > 0) { // seed 0: the order as written
                Collections.shuffle(deliveries, random);
            }
            harness.close();
            harness = newHarness();
            lastById.clear();
            violationsSeen = 0;
            samplesSeen = 0;
            Map<Long, Long> records = new TreeMap<>();
            long wm = T - ONE_MINUTE;
            for (Delivery d : deliveries) {
                if (d instanceof Agreement a) {
                    agreementArrives(a.agreement());
                } else if (d instanceof Call c) {
                    friendCallOrCall(c);
                } else if (d instanceof Consent c) {
                    consentArrives(c.event());
                }
                if (seed > 0 && random.nextInt(3) == 0) { // the watermark passes some records before others arrive
                    wm = Math.min(T + 5 * ONE_MINUTE, wm + random.nextInt(3 * (int) ONE_MINUTE));
                    watermark(wm);
                }
                newViolations(); // checks the scope rules after every record
                newSamples().forEach(s -> records.merge(s.windowStart(), s.records(), Long::sum));
            }
            watermark(T + 6 * ONE_MINUTE);
            newSamples().forEach(s -> records.merge(s.windowStart(), s.records(), Long::sum));
            records.values().removeIf(r -> r == 0);

            assertThat(inForce()).as("seed %d: %s", seed, deliveries).isEqualTo(EXPECTED_IN_FORCE);
            assertThat(records).as("seed %d: records counted", seed).isEqualTo(EXPECTED_RECORDS);
            Map<String, String> reasons = lastById.values().stream().filter(Violations::inForce)
                    .collect(Collectors.toMap(Violation::getViolationId, Violation::getReason));
            if (reasonsInOrder == null) {
                reasonsInOrder = reasons;
            } else {
                assertThat(reasons).as("seed %d: the same violations, word for word", seed).isEqualTo(reasonsInOrder);
            }
            assertOnlyConsentsRemainAfterTheHorizon();
        }
        assertThat(reasonsInOrder.get(Violations.perCallId(ViolationRule.NO_USER_CONSENT, "c2")))
                .contains("had deauthorized partner " + PARTNER);
    }

    private void friendCallOrCall(Call c) throws Exception {
        if (c.subjectSharingOff() == null) {
            callArrives(c.call());
        } else {
            friendCallArrives(c.call(), c.subjectSharingOff());
        }
    }
}
