package org.accessdetector.testing;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.PROGRAM_START;

import java.util.ArrayList;
import java.util.Arrays;
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

/** Builders for test records with sensible defaults: override only what a test is about. */
public final class TestData {

    public static final String PARTNER = "acme-phones";
    public static final String ALICE = "alice";
    public static final String BOB = "bob";

    private TestData() {}

    /** An ALLOWED READ of one CONTACTS record of alice by acme-phones, before the revocation. */
    public static PartnerApiCall.Builder call(String callId) {
        return PartnerApiCall.newBuilder()
                .setCallId(callId)
                .setPartnerId(PARTNER)
                .setSubjectUserId(ALICE)
                .setActingUserId(null)
                .setResource(Resource.CONTACTS)
                .setAction(Action.READ)
                .setOutcome(CallOutcome.ALLOWED)
                .setRecordCount(1)
                .setEventTime(BEFORE_REVOCATION);
    }

    /** An ACTIVE version of acme-phones' agreement from the program start, with no grants. */
    public static PartnerAgreement.Builder agreement(int version) {
        return PartnerAgreement.newBuilder()
                .setPartnerId(PARTNER)
                .setVersion(version)
                .setAgreementId("agr-" + PARTNER)
                .setKind(AgreementKind.INTEGRATION)
                .setStatus(AgreementStatus.ACTIVE)
                .setEffectiveFrom(PROGRAM_START)
                .setEffectiveUntil(null)
                .setGrants(new ArrayList<>());
    }

    /** A revocation of acme-phones' agreement: a new version, REVOKED, from {@code at}. */
    public static PartnerAgreement revocation(int version, long at) {
        return agreement(version).setStatus(AgreementStatus.REVOKED).setEffectiveFrom(at).build();
    }

    /** A grant of the actions on the resource, requiring user consent, without friend data or rate limit. */
    public static Grant.Builder grant(Resource resource, Action... actions) {
        return Grant.newBuilder()
                .setResource(resource)
                .setActions(new ArrayList<>(Arrays.asList(actions)))
                .setRequiresUserConsent(true)
                .setAllowFriendData(false)
                .setMaxRecordsPerMinute(null);
    }

    public static List<Grant> grants(Grant.Builder... grants) {
        List<Grant> list = new ArrayList<>();
        for (Grant.Builder g : grants) {
            list.add(g.build());
        }
        return list;
    }

    public static ConsentEvent authorized(String user, long at) {
        return consent(user, PARTNER, ConsentEventType.AUTHORIZED, at);
    }

    public static ConsentEvent deauthorized(String user, long at) {
        return consent(user, PARTNER, ConsentEventType.DEAUTHORIZED, at);
    }

    public static ConsentEvent sharingDisabled(String user, long at) {
        return consent(user, null, ConsentEventType.SHARING_DISABLED, at);
    }

    public static ConsentEvent sharingEnabled(String user, long at) {
        return consent(user, null, ConsentEventType.SHARING_ENABLED, at);
    }

    public static ConsentEvent consent(String user, String partner, ConsentEventType type, long at) {
        return ConsentEvent.newBuilder().setUserId(user).setPartnerId(partner).setType(type).setEventTime(at).build();
    }
}
