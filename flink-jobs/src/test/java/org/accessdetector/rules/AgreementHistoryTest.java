package org.accessdetector.rules;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_DAY;
import static org.accessdetector.testing.Instants.PROGRAM_START;
import static org.accessdetector.testing.Instants.REVOCATION;
import static org.accessdetector.testing.TestData.agreement;
import static org.accessdetector.testing.TestData.grant;
import static org.accessdetector.testing.TestData.grants;
import static org.accessdetector.testing.TestData.revocation;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.ViolationRule;
import org.junit.jupiter.api.Test;

class AgreementHistoryTest {

    private static final PartnerAgreement V1 = agreement(1)
            .setGrants(grants(grant(Resource.CONTACTS, Action.READ, Action.WRITE).setMaxRecordsPerMinute(10L)))
            .build();

    @Test
    void versionInForceIsTheHighestAlreadyEffective() {
        PartnerAgreement v2Later = agreement(2).setEffectiveFrom(REVOCATION).build();
        PartnerAgreement v3Correction = agreement(3).setEffectiveFrom(PROGRAM_START + ONE_DAY).build();
        AgreementHistory history = AgreementHistory.of(List.of(v2Later, V1, v3Correction));

        assertThat(history.inForceAt(PROGRAM_START - 1)).isNull();
        assertThat(history.inForceAt(PROGRAM_START).getVersion()).isEqualTo(1);
        assertThat(history.inForceAt(PROGRAM_START + ONE_DAY).getVersion()).isEqualTo(3);
        assertThat(history.inForceAt(REVOCATION).getVersion()).as("3 > 2 although 2 starts later").isEqualTo(3);
    }

    @Test
    void scopeRulesAreCheckedInOrder() {
        AgreementHistory history = AgreementHistory.of(List.of(V1, revocation(2, REVOCATION)));

        assertThat(history.judge(Resource.CONTACTS, Action.READ, PROGRAM_START - 1).brokenRule())
                .isEqualTo(ViolationRule.NO_AGREEMENT);
        assertThat(history.judge(Resource.MESSAGES, Action.READ, REVOCATION).brokenRule())
                .as("revocation before scope").isEqualTo(ViolationRule.AFTER_REVOCATION);
        assertThat(history.judge(Resource.CONTACTS, Action.DELETE, BEFORE_REVOCATION).brokenRule())
                .isEqualTo(ViolationRule.OUT_OF_SCOPE);
        ScopeVerdict ok = history.judge(Resource.CONTACTS, Action.WRITE, BEFORE_REVOCATION);
        assertThat(ok.inScope()).isTrue();
        assertThat(ok.grant().getResource()).isEqualTo(Resource.CONTACTS);
        assertThat(ok.agreementVersion()).isEqualTo(1);
    }

    @Test
    void unknownStatusFromANewerWriterGrantsNothing() {
        AgreementHistory history = AgreementHistory.of(List.of(V1,
                agreement(2).setStatus(AgreementStatus.UNKNOWN).setEffectiveFrom(REVOCATION).build()));

        assertThat(history.judge(Resource.CONTACTS, Action.READ, REVOCATION).brokenRule())
                .isEqualTo(ViolationRule.AFTER_REVOCATION);
    }

    @Test
    void rateLimitComesFromTheVersionInForceAtTheWindowStart() {
        AgreementHistory history = AgreementHistory.of(List.of(V1, revocation(2, REVOCATION)));

        assertThat(history.rateLimitAt(BEFORE_REVOCATION, Resource.CONTACTS, Action.WRITE))
                .isEqualTo(new AgreementHistory.RateLimit(1, 10L));
        assertThat(history.rateLimitAt(REVOCATION, Resource.CONTACTS, Action.WRITE)).isNull();
        assertThat(history.rateLimitAt(BEFORE_REVOCATION, Resource.CONTACTS, Action.DELETE)).isNull();
        assertThat(AgreementHistory.of(List.of(agreement(1).setGrants(grants(grant(Resource.FRIENDS, Action.READ)))
                .build())).rateLimitAt(BEFORE_REVOCATION, Resource.FRIENDS, Action.READ))
                .as("no limit set").isNull();
    }
}
