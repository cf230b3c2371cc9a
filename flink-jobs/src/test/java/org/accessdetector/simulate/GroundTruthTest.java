package org.accessdetector.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.accessdetector.schema.ViolationRule.AFTER_REVOCATION;
import static org.accessdetector.schema.ViolationRule.FRIEND_DATA;
import static org.accessdetector.schema.ViolationRule.NO_AGREEMENT;
import static org.accessdetector.schema.ViolationRule.NO_USER_CONSENT;
import static org.accessdetector.schema.ViolationRule.OUT_OF_SCOPE;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AgreementKind;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Hand-built scenarios, each worked out from the rules. */
class GroundTruthTest {

    private static final long T0 = Instant.parse("2018-01-01T00:00:00Z").toEpochMilli();
    private static final long R = Instant.parse("2018-12-18T10:00:00Z").toEpochMilli();
    private static final long M = Instant.parse("2018-12-18T09:10:00Z").toEpochMilli(); // a minute start

    private GroundTruth truth;
    private int ids;

    // ---------------------------------------------------------------------------------------------------
    // Builders.

    static Grant grant(Resource r, boolean consent, boolean friends, Long limit, Action... actions) {
        return new Grant(r, new ArrayList<>(List.of(actions)), consent, friends, limit);
    }

    static PartnerAgreement version(String partner, int version, AgreementStatus status, long from, Long until,
            Grant... grants) {
        return new PartnerAgreement(partner, version, null, AgreementKind.INTEGRATION, status, from, until,
                new ArrayList<>(List.of(grants)));
    }

    static ConsentEvent consent(String user, String partner, ConsentEventType type, long t) {
        return new ConsentEvent(user, partner, type, t);
    }

    private PartnerApiCall call(String partner, String subject, String acting, Resource r, Action a, long t) {
        return call("c" + (++ids), partner, subject, acting, r, a, CallOutcome.ALLOWED, 1, t);
    }

    static PartnerApiCall call(String id, String partner, String subject, String acting, Resource r, Action a,
            CallOutcome outcome, int records, long t) {
        return new PartnerApiCall(id, partner, subject, acting, r, a, outcome, records, t, null, null, null, null);
    }

    private GroundTruth.Verdict judge(String partner, String subject, String acting, Resource r, Action a, long t) {
        return truth.judge(call(partner, subject, acting, r, a, t));
    }

    /**
     * acme-phones: v1 from T0 grants CONTACTS READ (limit 100), FRIENDS READ with friends' data, MESSAGES READ;
     * v2 revokes at R. chatbank: MESSAGES READ/WRITE from T0, no friends' data. streamly: PROFILE READ without
     * consent, from T0 until R (exclusive).
     */
    @BeforeEach
    void story() {
        truth = new GroundTruth();
        truth.addAgreement(version("acme-phones", 1, AgreementStatus.ACTIVE, T0, null,
                grant(Resource.CONTACTS, true, false, 100L, Action.READ),
                grant(Resource.FRIENDS, true, true, null, Action.READ),
                grant(Resource.MESSAGES, true, false, null, Action.READ)));
        truth.addAgreement(version("acme-phones", 2, AgreementStatus.REVOKED, R, null));
        truth.addAgreement(version("chatbank", 1, AgreementStatus.ACTIVE, T0, null,
                grant(Resource.MESSAGES, true, false, null, Action.READ, Action.WRITE)));
        truth.addAgreement(version("streamly", 1, AgreementStatus.ACTIVE, T0, R,
                grant(Resource.PROFILE, false, true, null, Action.READ)));
        truth.addConsent(consent("alice", "acme-phones", ConsentEventType.AUTHORIZED, T0));
        truth.addConsent(consent("alice", "chatbank", ConsentEventType.AUTHORIZED, T0));
    }

    // ---------------------------------------------------------------------------------------------------
    // The scope rules, exclusive and in order.

    @Test
    void noAgreementForAnUnknownPartnerOrBeforeTheFirstVersion() {
        assertThat(judge("unknown-analytics", "alice", null, Resource.PROFILE, Action.READ, R).rules())
                .containsExactly(NO_AGREEMENT);
        assertThat(judge("acme-phones", "alice", null, Resource.CONTACTS, Action.READ, T0 - 1).rules())
                .containsExactly(NO_AGREEMENT);
        assertThat(judge("acme-phones", "alice", null, Resource.CONTACTS, Action.READ, T0).rules()).isEmpty();
    }

    @Test
    void afterRevocationFromTheRevocationInstant() {
        assertThat(judge("acme-phones", "alice", null, Resource.CONTACTS, Action.READ, R - 1).rules()).isEmpty();
        assertThat(judge("acme-phones", "alice", null, Resource.CONTACTS, Action.READ, R).rules())
                .containsExactly(AFTER_REVOCATION);
        // Exclusive: the ungranted action and the unconsented user after revocation are not judged.
        assertThat(judge("acme-phones", "bob", "carol", Resource.MESSAGES, Action.DELETE, R + 1).rules())
                .containsExactly(AFTER_REVOCATION);
    }

    @Test
    void afterRevocationFromEffectiveUntilExclusive() {
        assertThat(judge("streamly", "erin", null, Resource.PROFILE, Action.READ, R - 1).rules()).isEmpty();
        assertThat(judge("streamly", "erin", null, Resource.PROFILE, Action.READ, R).rules())
                .containsExactly(AFTER_REVOCATION);
    }

    @Test
    void aHigherVersionWithAnEarlierStartIsACorrection() {
        truth.addAgreement(version("chatbank", 2, AgreementStatus.ACTIVE, T0 - 1000, null,
                grant(Resource.MESSAGES, true, false, null, Action.READ)));
        assertThat(judge("chatbank", "alice", null, Resource.MESSAGES, Action.WRITE, R).rules())
                .containsExactly(OUT_OF_SCOPE);
        // Before the correction's own start nothing is in force (v1 starts later still).
        assertThat(judge("chatbank", "alice", null, Resource.MESSAGES, Action.READ, T0 - 1001).rules())
                .containsExactly(NO_AGREEMENT);
    }

    @Test
    void aVersionAfterARevocationReinstates() {
        truth.addAgreement(version("acme-phones", 3, AgreementStatus.ACTIVE, R + 60_000, null,
                grant(Resource.CONTACTS, true, false, null, Action.READ)));
        assertThat(judge("acme-phones", "alice", null, Resource.CONTACTS, Action.READ, R + 59_999).rules())
                .containsExactly(AFTER_REVOCATION);
        assertThat(judge("acme-phones", "alice", null, Resource.CONTACTS, Action.READ, R + 60_000).rules()).isEmpty();
    }

    @Test
    void outOfScopeForAnUngrantedResourceOrAction() {
        assertThat(judge("acme-phones", "alice", null, Resource.CALENDAR, Action.READ, R - 1).rules())
                .containsExactly(OUT_OF_SCOPE);
        assertThat(judge("acme-phones", "alice", null, Resource.MESSAGES, Action.WRITE, R - 1).rules())
                .containsExactly(OUT_OF_SCOPE);
        // Exclusive: friend data and missing consent are not judged for an out-of-scope call.
        assertThat(judge("chatbank", "bob", "dave", Resource.MESSAGES, Action.DELETE, R).rules())
                .containsExactly(OUT_OF_SCOPE);
    }

    // ---------------------------------------------------------------------------------------------------
    // FRIEND_DATA and NO_USER_CONSENT.

    @Test
    void friendDataOnlyForAnotherUsersDataWithoutPermission() {
        truth.addConsent(consent("bob", "chatbank", ConsentEventType.AUTHORIZED, T0));
        assertThat(judge("chatbank", "alice", "bob", Resource.MESSAGES, Action.READ, R).rules())
                .containsExactly(FRIEND_DATA);
        assertThat(judge("chatbank", "bob", "bob", Resource.MESSAGES, Action.READ, R).rules()).isEmpty();
        assertThat(judge("chatbank", "bob", null, Resource.MESSAGES, Action.READ, R).rules()).isEmpty();
        // acme-phones' FRIENDS grant allows friends' data.
        assertThat(judge("acme-phones", "bob", "alice", Resource.FRIENDS, Action.READ, R - 1).rules()).isEmpty();
    }

    @Test
    void friendDataAndNoConsentTogether() {
        // dave never authorized chatbank and reads alice's messages through it.
        assertThat(judge("chatbank", "alice", "dave", Resource.MESSAGES, Action.READ, R).rules())
                .containsExactlyInAnyOrder(FRIEND_DATA, NO_USER_CONSENT);
    }

    @Test
    void consentIsTheActingUsersWhenPresentElseTheSubjects() {
        // bob, acting, never authorized acme-phones; alice, the subject, did.
        assertThat(judge("acme-phones", "alice", "bob", Resource.FRIENDS, Action.READ, R - 1).rules())
                .containsExactly(NO_USER_CONSENT);
        // alice acting for bob's friends list: alice's consent counts.
        assertThat(judge("acme-phones", "bob", "alice", Resource.FRIENDS, Action.READ, R - 1).rules()).isEmpty();
        assertThat(judge("acme-phones", "bob", null, Resource.FRIENDS, Action.READ, R - 1).rules())
                .containsExactly(NO_USER_CONSENT);
    }

    @Test
    void authorizationCountsFromItsInstantAndOnlyForItsPartner() {
        long a = R - 10_000;
        truth.addConsent(consent("frank", "chatbank", ConsentEventType.AUTHORIZED, a));
        assertThat(judge("chatbank", "frank", null, Resource.MESSAGES, Action.READ, a - 1).rules())
                .containsExactly(NO_USER_CONSENT);
        assertThat(judge("chatbank", "frank", null, Resource.MESSAGES, Action.READ, a).rules()).isEmpty();
        assertThat(judge("acme-phones", "frank", null, Resource.MESSAGES, Action.READ, a).rules())
                .containsExactly(NO_USER_CONSENT);
    }

    @Test
    void deauthorizationCountsFromItsInstant() {
        long d = R - 30 * 60_000L;
        truth.addConsent(consent("bob", "chatbank", ConsentEventType.AUTHORIZED, T0));
        truth.addConsent(consent("bob", "chatbank", ConsentEventType.DEAUTHORIZED, d));
        assertThat(judge("chatbank", "bob", null, Resource.MESSAGES, Action.READ, d - 1).rules()).isEmpty();
        assertThat(judge("chatbank", "bob", null, Resource.MESSAGES, Action.READ, d).rules())
                .containsExactly(NO_USER_CONSENT);
        // Authorized again later.
        truth.addConsent(consent("bob", "chatbank", ConsentEventType.AUTHORIZED, d + 5_000));
        assertThat(judge("chatbank", "bob", null, Resource.MESSAGES, Action.READ, d + 4_999).rules())
                .containsExactly(NO_USER_CONSENT);
        assertThat(judge("chatbank", "bob", null, Resource.MESSAGES, Action.READ, d + 5_000).rules()).isEmpty();
    }

    @Test
    void aWithdrawalAtTheSameMillisecondWins() {
        long t = R - 60_000;
        truth.addConsent(consent("gina", "chatbank", ConsentEventType.DEAUTHORIZED, t));
        truth.addConsent(consent("gina", "chatbank", ConsentEventType.AUTHORIZED, t));
        assertThat(judge("chatbank", "gina", null, Resource.MESSAGES, Action.READ, t).rules())
                .containsExactly(NO_USER_CONSENT);
        truth.addConsent(consent("gina", null, ConsentEventType.SHARING_ENABLED, t + 1));
        truth.addConsent(consent("gina", null, ConsentEventType.SHARING_DISABLED, t + 1));
        assertThat(truth.sharingDisabledAt("gina", t + 1)).isTrue();
    }

    @Test
    void sharingOffBreaksConsentForSubjectOrActingUserWhateverTheGrant() {
        long s = R - 2 * 3_600_000L;
        long e = R - 3_600_000L;
        truth.addConsent(consent("carol", null, ConsentEventType.SHARING_DISABLED, s));
        truth.addConsent(consent("carol", null, ConsentEventType.SHARING_ENABLED, e));
        // carol is the subject of alice's friend read: allowed by the grant, but carol had sharing off.
        assertThat(judge("acme-phones", "carol", "alice", Resource.FRIENDS, Action.READ, s - 1).rules()).isEmpty();
        assertThat(judge("acme-phones", "carol", "alice", Resource.FRIENDS, Action.READ, s).rules())
                .containsExactly(NO_USER_CONSENT);
        assertThat(judge("acme-phones", "carol", "alice", Resource.FRIENDS, Action.READ, e - 1).rules())
                .containsExactly(NO_USER_CONSENT);
        assertThat(judge("acme-phones", "carol", "alice", Resource.FRIENDS, Action.READ, e).rules()).isEmpty();
        // streamly needs no authorization, but sharing off still applies.
        assertThat(judge("streamly", "carol", null, Resource.PROFILE, Action.READ, s).rules())
                .containsExactly(NO_USER_CONSENT);
        assertThat(judge("streamly", "dave", null, Resource.PROFILE, Action.READ, s).rules()).isEmpty();
        // The acting user with sharing off.
        assertThat(judge("streamly", "dave", "carol", Resource.PROFILE, Action.READ, s + 1).rules())
                .containsExactly(NO_USER_CONSENT);
    }

    @Test
    void canonicalAndOtherUserIdsAreDistinct() {
        truth.addConsent(consent("u7", "chatbank", ConsentEventType.AUTHORIZED, T0));
        assertThat(truth.authorizedAt("u7", "chatbank", R)).isTrue();
        assertThat(truth.authorizedAt("u07", "chatbank", R)).isFalse();
        assertThat(truth.authorizedAt("u70", "chatbank", R)).isFalse();
        truth.addConsent(consent("u07", "chatbank", ConsentEventType.DEAUTHORIZED, T0));
        assertThat(truth.authorizedAt("u7", "chatbank", R)).isTrue();
        assertThat(truth.hasAuthorizationHistory("u07", "chatbank")).isTrue();
        assertThat(truth.hasAuthorizationHistory("u7", "acme-phones")).isFalse();
    }

    // ---------------------------------------------------------------------------------------------------
    // DENIED calls and redeliveries.

    @Test
    void deniedCallsNeverViolateNorCount() {
        GroundTruth.Verdict v = truth.judge(call("d1", "unknown-analytics", "x", null, Resource.MESSAGES,
                Action.DELETE, CallOutcome.DENIED, 1, R));
        assertThat(v.rules()).isEmpty();
        truth.judge(call("d2", "acme-phones", "alice", null, Resource.CONTACTS, Action.READ, CallOutcome.DENIED, 500, M));
        assertThat(truth.finish()).isEmpty();
    }

    @Test
    void aRedeliveryHasTheSameVerdictAndCountsOnce() {
        PartnerApiCall c = call("r1", "acme-phones", "alice", null, Resource.CONTACTS, Action.READ,
                CallOutcome.ALLOWED, 60, M);
        assertThat(truth.judge(c)).isEqualTo(new GroundTruth.Verdict(java.util.Set.of(), false));
        assertThat(truth.judge(c).redelivery()).isTrue();
        truth.judge(call("r2", "acme-phones", "alice", null, Resource.CONTACTS, Action.READ, CallOutcome.ALLOWED, 40,
                M + 1));

        PartnerApiCall bad = call("r3", "chatbank", "alice", "bob", Resource.MESSAGES, Action.READ,
                CallOutcome.ALLOWED, 1, R);
        GroundTruth.Verdict first = truth.judge(bad);
        GroundTruth.Verdict again = truth.judge(bad);
        assertThat(again.rules()).isEqualTo(first.rules()).containsExactlyInAnyOrder(FRIEND_DATA, NO_USER_CONSENT);
        assertThat(again.redelivery()).isTrue();
        assertThat(first.redelivery()).isFalse();

        assertThat(truth.finish()).isEmpty(); // 60 + 40 = 100, not above the limit; 160 had the copy counted
    }

    @Test
    void callIdsAreForgottenBeyondTheRedeliveryHorizon() {
        GroundTruth t = new GroundTruth(1_000);
        t.addAgreement(version("p", 1, AgreementStatus.ACTIVE, T0, null, grant(Resource.PROFILE, false, false, null,
                Action.READ)));
        PartnerApiCall c = call("x", "p", "u1", null, Resource.PROFILE, Action.READ, CallOutcome.ALLOWED, 1, M);
        t.judge(c);
        t.advanceTo(M + 1_000);
        assertThat(t.judge(c).redelivery()).isTrue();
        t.advanceTo(M + 1_001);
        assertThat(t.judge(c).redelivery()).isFalse();
    }

    // ---------------------------------------------------------------------------------------------------
    // RATE_LIMIT.

    private void records(String id, int n, long t) {
        truth.judge(call(id, "acme-phones", "alice", null, Resource.CONTACTS, Action.READ, CallOutcome.ALLOWED, n, t));
    }

    @Test
    void aMinuteAboveTheLimitIsOneWindowOnceComplete() {
        records("a", 60, M);
        records("b", 50, M + 59_999);
        records("c", 100, M + 60_000); // the next minute, exactly at the limit
        truth.advanceTo(M + 59_999);
        assertThat(truth.drainCompletedWindows()).isEmpty();
        truth.advanceTo(M + 60_000);
        assertThat(truth.drainCompletedWindows()).containsExactly(
                new GroundTruth.RateLimitWindow("acme-phones", Resource.CONTACTS, Action.READ, M, 110, 100));
        assertThat(truth.drainCompletedWindows()).isEmpty();
        assertThat(truth.finish()).isEmpty();
    }

    @Test
    void onlyCallsInScopeCountButFriendDataAndNoConsentDo() {
        records("a", 90, M);
        // bob never authorized acme-phones: NO_USER_CONSENT, yet counted.
        truth.judge(call("b", "acme-phones", "alice", "bob", Resource.CONTACTS, Action.READ, CallOutcome.ALLOWED, 5,
                M + 1));
        assertThat(truth.finish()).isEmpty();
        truth = new GroundTruth();
        story();
        records("a", 90, M);
        truth.judge(call("b", "acme-phones", "alice", "bob", Resource.CONTACTS, Action.READ, CallOutcome.ALLOWED, 11,
                M + 1));
        // Out of scope (WRITE) and another resource do not count toward CONTACTS/READ.
        truth.judge(call("c", "acme-phones", "alice", null, Resource.CONTACTS, Action.WRITE, CallOutcome.ALLOWED, 500,
                M + 2));
        assertThat(truth.finish()).extracting(GroundTruth.RateLimitWindow::records).containsExactly(101L);
    }

    @Test
    void theLimitIsThatOfTheVersionInForceAtTheMinutesStart() {
        // Revoked mid-minute: calls before the revocation still count, against the limit in force at M.
        truth = new GroundTruth();
        truth.addAgreement(version("acme-phones", 1, AgreementStatus.ACTIVE, T0, null,
                grant(Resource.CONTACTS, false, false, 100L, Action.READ)));
        truth.addAgreement(version("acme-phones", 2, AgreementStatus.REVOKED, M + 30_000, null));
        records("a", 80, M + 1_000);
        records("b", 30, M + 29_999);
        records("c", 500, M + 30_000); // AFTER_REVOCATION: not counted
        assertThat(truth.finish()).extracting(GroundTruth.RateLimitWindow::records).containsExactly(110L);

        // A stricter version starting mid-minute applies from the next minute only.
        truth = new GroundTruth();
        truth.addAgreement(version("acme-phones", 1, AgreementStatus.ACTIVE, T0, null,
                grant(Resource.CONTACTS, false, false, 100L, Action.READ)));
        truth.addAgreement(version("acme-phones", 2, AgreementStatus.ACTIVE, M + 1, null,
                grant(Resource.CONTACTS, false, false, 10L, Action.READ)));
        records("a", 50, M + 2);
        records("b", 50, M + 60_000);
        assertThat(truth.finish()).extracting(GroundTruth.RateLimitWindow::windowStart).containsExactly(M + 60_000);

        // Lapsed at the minute's start: no limit applies.
        truth = new GroundTruth();
        truth.addAgreement(version("acme-phones", 1, AgreementStatus.ACTIVE, T0, M,
                grant(Resource.CONTACTS, false, false, 1L, Action.READ)));
        truth.addAgreement(version("acme-phones", 2, AgreementStatus.ACTIVE, M + 1, null,
                grant(Resource.CONTACTS, false, false, 1L, Action.READ)));
        records("a", 50, M + 2);
        assertThat(truth.finish()).isEmpty();
    }

    @Test
    void aNewCallInAClosedMinuteIsRefused() {
        truth.advanceTo(M + 60_000);
        assertThatThrownBy(() -> records("late", 1, M + 59_999)).isInstanceOf(IllegalStateException.class);
        records("ok", 1, M + 60_000);
    }

    // ---------------------------------------------------------------------------------------------------
    // Input.

    @Test
    void unknownSymbolsAndBrokenRecordsAreRefused() {
        assertThatThrownBy(() -> truth.judge(call("u", "acme-phones", "alice", null, Resource.UNKNOWN, Action.READ,
                CallOutcome.ALLOWED, 1, R))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.judge(call("u", "acme-phones", "alice", null, Resource.CONTACTS, Action.READ,
                CallOutcome.UNKNOWN, 1, R))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.judge(call("u", "acme-phones", "alice", null, Resource.CONTACTS, Action.READ,
                CallOutcome.ALLOWED, -1, R))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.addConsent(consent("x", "p", ConsentEventType.UNKNOWN, R)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.addConsent(consent("x", null, ConsentEventType.AUTHORIZED, R)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.addAgreement(version("p", 1, AgreementStatus.UNKNOWN, R, null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.addAgreement(version("p", 1, AgreementStatus.ACTIVE, R, null,
                grant(Resource.CONTACTS, true, false, null, Action.READ),
                grant(Resource.CONTACTS, true, false, null, Action.WRITE))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.addAgreement(version("p", 1, AgreementStatus.ACTIVE, R, R)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> truth.addAgreement(version("chatbank", 1, AgreementStatus.REVOKED, T0, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already has a different version 1");
        // The same version again is fine.
        truth.addAgreement(version("acme-phones", 2, AgreementStatus.REVOKED, R, null));
    }

    @Test
    void theConsentTableGrowsAndKeepsHistories() {
        ConsentTable table = new ConsentTable();
        for (long k = 0; k < 100_000; k++) {
            table.add(k * 7919, k, ConsentTable.AUTHORIZED);
        }
        table.add(7919, 50, ConsentTable.DEAUTHORIZED);
        table.add(7919, 20, ConsentTable.AUTHORIZED);
        assertThat(table.size()).isEqualTo(100_000);
        assertThat(table.latestAt(0, 0)).isEqualTo(ConsentTable.AUTHORIZED);
        assertThat(table.latestAt(99_999L * 7919, 99_998)).isEqualTo(ConsentTable.NONE);
        assertThat(table.latestAt(99_999L * 7919, 99_999)).isEqualTo(ConsentTable.AUTHORIZED);
        assertThat(table.latestAt(7919, 0)).isEqualTo(ConsentTable.NONE);
        assertThat(table.latestAt(7919, 1)).isEqualTo(ConsentTable.AUTHORIZED);
        assertThat(table.latestAt(7919, 49)).isEqualTo(ConsentTable.AUTHORIZED);
        assertThat(table.latestAt(7919, 50)).isEqualTo(ConsentTable.DEAUTHORIZED);
        assertThat(table.latestAt(3, 1_000)).isEqualTo(ConsentTable.NONE);
        assertThat(table.contains(3)).isFalse();
    }
}
