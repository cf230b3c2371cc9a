package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.BOB;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.assertj.core.api.Assertions.assertThat;

import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.ConsentCheck.CheckedRole;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConsentVerdictMergerTest {

    /** When the call reached Kafka: the violation carries it so its detection latency can be measured. */
    private static final Long APPENDED_AT = BEFORE_REVOCATION + 7;

    private static final ConsentCheck ACTING = new ConsentCheck("call-1", PARTNER, Resource.MESSAGES, Action.READ,
            ALICE, BOB, BEFORE_REVOCATION, APPENDED_AT, 3, BOB, CheckedRole.ACTING_USER, true, 2);
    private static final ConsentCheck SUBJECT = new ConsentCheck("call-1", PARTNER, Resource.MESSAGES, Action.READ,
            ALICE, BOB, BEFORE_REVOCATION, APPENDED_AT, 3, ALICE, CheckedRole.SUBJECT_USER, false, 2);

    private KeyedOneInputStreamOperatorTestHarness<String, ConsentFinding, Violation> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new ConsentVerdictMerger(DetectorConfig.defaults()), f -> f.check().callId(), Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        assertThat(harness.numKeyedStateEntries()).as("findings are cleared once the call is decided").isZero();
        harness.close();
    }

    @Test
    void waitsForEveryCheckThenRaisesOneViolationNamingEveryMissingConsent() throws Exception {
        harness.processElement(new ConsentFinding(SUBJECT, "the subject user had turned sharing off", false), 1L);
        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);

        harness.processElement(new ConsentFinding(ACTING, "the acting user had not authorized partner " + PARTNER, false), 1L);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.NO_USER_CONSENT);
            assertThat(v.getViolationId()).isEqualTo(Violations.perCallId(ViolationRule.NO_USER_CONSENT, "call-1"));
            assertThat(v.getSeverity()).isEqualTo(Severity.CRITICAL);
            assertThat(v.getSubjectUserId()).isEqualTo(ALICE);
            assertThat(v.getActingUserId()).isEqualTo(BOB);
            assertThat(v.getAgreementVersion()).isEqualTo(3);
            assertThat(v.getEventTime()).isEqualTo(BEFORE_REVOCATION);
            assertThat(v.getCallAppendedAt()).isEqualTo(APPENDED_AT);
            assertThat(v.getReason()).isEqualTo("No user consent for partner " + PARTNER
                    + ": the acting user had not authorized partner " + PARTNER
                    + "; the subject user had turned sharing off.");
        });
    }

    @Test
    void noViolationWhenEveryCheckPasses() throws Exception {
        harness.processElement(new ConsentFinding(ACTING, null, false), 1L);
        harness.processElement(new ConsentFinding(SUBJECT, null, false), 1L);

        assertThat(harness.extractOutputValues()).isEmpty();
    }

    @Test
    void aRevisionIsReportedOnItsOwnWithoutWaitingForOtherChecks() throws Exception {
        harness.processElement(new ConsentFinding(SUBJECT, "the subject user had turned sharing off", true), 1L);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(v -> {
            assertThat(v.getRule()).isEqualTo(ViolationRule.NO_USER_CONSENT);
            assertThat(v.getReason()).contains("the subject user had turned sharing off");
        });
    }

    @Test
    void aSingleCheckDecidesAtOnce() throws Exception {
        ConsentCheck only = new ConsentCheck("call-2", PARTNER, Resource.PROFILE, Action.READ, ALICE, null,
                BEFORE_REVOCATION, null, 1, ALICE, CheckedRole.SUBJECT_USER, true, 1);
        harness.processElement(new ConsentFinding(only, "the subject user had not authorized partner x", false), 1L);

        assertThat(harness.extractOutputValues()).singleElement()
                .extracting(Violation::getSeverity).isEqualTo(Severity.HIGH);
    }
}
