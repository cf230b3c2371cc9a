package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.ONE_DAY;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.agreement;
import static org.accessdetector.testing.TestData.call;
import static org.accessdetector.testing.TestData.grant;
import static org.accessdetector.testing.TestData.grants;
import static org.accessdetector.testing.TestData.revocation;
import static org.assertj.core.api.Assertions.assertThat;

import org.accessdetector.config.DetectorConfig;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Violation;
import org.accessdetector.testing.Instants;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dormant_sensitive_grants gauge at default settings: 90 days, MESSAGES/THREAD_PARTICIPANTS/CONTACTS/CALENDAR. */
class DormantGrantsTest {

    private static final long T0 = Instants.at("2026-01-05T00:00:00Z");
    private static final long PERIOD = 90 * ONE_DAY;

    /** Sensitive: MESSAGES READ, CONTACTS READ and WRITE; not sensitive: FRIENDS READ. */
    private static final PartnerAgreement V1 = agreement(1).setEffectiveFrom(T0 - 400 * ONE_DAY)
            .setGrants(grants(grant(Resource.MESSAGES, Action.READ), grant(Resource.CONTACTS, Action.READ, Action.WRITE),
                    grant(Resource.FRIENDS, Action.READ)))
            .build();

    private DormantGrants gauge;
    private KeyedTwoInputStreamOperatorTestHarness<String, ScopeUse, PartnerAgreement, Violation> harness;
    private int calls;

    @BeforeEach
    void setUp() throws Exception {
        gauge = new DormantGrants(DetectorConfig.defaults());
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(gauge),
                ScopeUse::partnerId, PartnerAgreement::getPartnerId, Types.STRING);
        harness.open();
        harness.processElement2(V1, V1.getEffectiveFrom());
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void use(Resource resource, Action action, long at) throws Exception {
        harness.processElement1(ScopeUse.of(call("c" + calls++).setResource(resource).setAction(action)
                .setEventTime(at).build()), at);
    }

    /** The gauge once event time reaches {@code at} (after the call at T0, a recomputation is due each hour). */
    private Long dormantAt(long at) throws Exception {
        harness.processBothWatermarks(new Watermark(at));
        return gauge.dormantSensitiveGrants(PARTNER);
    }

    @Test
    void countsTheSensitiveGrantsUnusedForNinetyDaysAndNothingElse() throws Exception {
        use(Resource.CONTACTS, Action.READ, T0);
        use(Resource.FRIENDS, Action.READ, T0);
        use(Resource.PHOTOS, Action.READ, T0); // not granted: not a grant to be dormant
        assertThat(dormantAt(T0 + ONE_HOUR)).as("MESSAGES READ and CONTACTS WRITE").isEqualTo(2L);

        assertThat(dormantAt(T0 + PERIOD - ONE_HOUR)).as("CONTACTS READ used within 90 days").isEqualTo(2L);
        assertThat(dormantAt(T0 + PERIOD)).as("90 days after its last use").isEqualTo(3L);

        use(Resource.MESSAGES, Action.READ, T0 + PERIOD + 2 * ONE_HOUR);
        assertThat(dormantAt(T0 + PERIOD + 3 * ONE_HOUR)).isEqualTo(2L);
        assertThat(harness.numKeyedStateEntries()).as("agreement versions, last uses within the period, the timer")
                .isLessThanOrEqualTo(3);
    }

    @Test
    void aRevokedPartnerHasNothingGrantedAndSoNothingDormant() throws Exception {
        assertThat(dormantAt(T0 + ONE_HOUR)).isEqualTo(3L);
        PartnerAgreement revoked = revocation(2, T0 + ONE_DAY);
        harness.processElement2(revoked, revoked.getEffectiveFrom());
        assertThat(dormantAt(T0 + 2 * ONE_DAY)).isZero();
    }

    @Test
    void anUnregisteredPartnerGetsNoGaugeAndNoState() throws Exception {
        harness.processElement1(ScopeUse.of(call("x").setPartnerId("nobody-knows").setEventTime(T0).build()), T0);
        harness.processBothWatermarks(new Watermark(T0 + ONE_DAY));
        assertThat(gauge.dormantSensitiveGrants("nobody-knows")).isNull();
        assertThat(harness.numKeyedStateEntries()).as("only the registered partner's versions and timer")
                .isEqualTo(2);
    }
}
