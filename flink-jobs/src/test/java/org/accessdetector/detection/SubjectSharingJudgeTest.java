package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_HOUR;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.BOB;
import static org.accessdetector.testing.TestData.call;
import static org.accessdetector.testing.TestData.sharingDisabled;
import static org.accessdetector.testing.TestData.sharingEnabled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.testing.HarnessState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SubjectSharingJudgeTest {

    private static final long T = BEFORE_REVOCATION;
    private static final long RETENTION = DetectorConfig.defaults().callRetentionMillis();
    private static final String CAROL = "carol";

    private KeyedTwoInputStreamOperatorTestHarness<String, PartnerApiCall, ConsentEvent, UserInput> harness;
    private int seen;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedCoProcessFunction(
                new SubjectSharingJudge(DetectorConfig.defaults()),
                PartnerApiCall::getSubjectUserId, ConsentEvent::getUserId, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    /** A call for alice (signed in) about bob's friends list. */
    private static PartnerApiCall friendCall(String id, long at) {
        return call(id).setSubjectUserId(BOB).setActingUserId(ALICE).setResource(Resource.FRIENDS)
                .setEventTime(at).build();
    }

    private void callArrives(PartnerApiCall c) throws Exception {
        harness.processElement1(c, c.getEventTime());
    }

    private void sharingArrives(ConsentEvent e) throws Exception {
        harness.processElement2(e, e.getEventTime());
    }

    private List<UserInput> newOutput() {
        List<UserInput> all = harness.extractOutputValues();
        List<UserInput> fresh = new ArrayList<>(all.subList(seen, all.size()));
        seen = all.size();
        return fresh;
    }

    @Test
    void aFriendCallGoesOnAtOnceWithTheSubjectsSharingAtItsTime() throws Exception {
        sharingArrives(sharingDisabled(BOB, T - ONE_HOUR));
        sharingArrives(sharingEnabled(BOB, T - 30 * ONE_MINUTE));
        PartnerApiCall whileOn = friendCall("f1", T);
        PartnerApiCall whileOff = friendCall("f2", T - 45 * ONE_MINUTE);

        callArrives(whileOn);
        callArrives(whileOff);

        List<UserInput> out = newOutput();
        assertThat(out).extracting(u -> u.userKey, u -> u.call, u -> u.subjectSharingOff, u -> u.correctedCallId)
                .containsExactly(
                        tuple(ALICE, whileOn, false, null),
                        tuple(ALICE, whileOff, true, null));
    }

    @Test
    void aLateSharingEventThatChangesTheAnswerSendsOneCorrectionToTheConsentingUser() throws Exception {
        sharingArrives(sharingEnabled(BOB, T - ONE_HOUR));
        callArrives(friendCall("f1", T));
        callArrives(friendCall("f0", T - 2 * ONE_MINUTE));
        assertThat(newOutput()).extracting(u -> u.subjectSharingOff).containsExactly(false, false);
        harness.processBothWatermarks(new Watermark(T + ONE_MINUTE));

        sharingArrives(sharingDisabled(BOB, T - ONE_MINUTE)); // bob had turned sharing off before f1, not f0

        assertThat(newOutput()).singleElement().satisfies(u -> {
            assertThat(u.userKey).isEqualTo(ALICE);
            assertThat(u.correctedCallId).isEqualTo("f1");
            assertThat(u.correctedCallTime).as("the call's own time, so it can wait for the call").isEqualTo(T);
            assertThat(u.subjectSharingOff).isTrue();
            assertThat(u.call).isNull();
            assertThat(u.consent).isNull();
        });

        sharingArrives(sharingDisabled(BOB, T - 90_000)); // off earlier still: f1's answer is the same
        sharingArrives(sharingEnabled(BOB, T + 30 * ONE_MINUTE)); // after every call
        assertThat(newOutput()).as("no answer changed").isEmpty();

        sharingArrives(sharingEnabled(BOB, T - 3 * ONE_MINUTE)); // before f0: its answer stays "on"
        assertThat(newOutput()).isEmpty();

        sharingArrives(sharingEnabled(BOB, T - 10_000)); // back on before f1
        assertThat(newOutput()).extracting(u -> u.correctedCallId, u -> u.subjectSharingOff)
                .containsExactly(tuple("f1", false));
    }

    @Test
    void aSubjectsOtherUsersAreNotAffected() throws Exception {
        callArrives(call("f1").setSubjectUserId(CAROL).setActingUserId(ALICE).setEventTime(T).build());
        newOutput();

        sharingArrives(sharingDisabled(BOB, T - ONE_MINUTE));

        assertThat(newOutput()).isEmpty();
    }

    @Test
    void pastTheHorizonTheCallsAreForgottenAndTheSharingHistoryCompacted() throws Exception {
        ConsentEvent off = sharingDisabled(BOB, T - ONE_HOUR);
        ConsentEvent on = sharingEnabled(BOB, T - 5 * ONE_MINUTE);
        sharingArrives(off);
        sharingArrives(on);
        callArrives(friendCall("f1", T));
        callArrives(friendCall("f2", T + ONE_MINUTE));
        newOutput();

        harness.processBothWatermarks(new Watermark(T + ONE_MINUTE + RETENTION + CallJudge.CLEANUP_GRANULARITY_MILLIS));

        assertThat(HarnessState.keysWith(harness, "friend-calls")).isEmpty();
        assertThat(HarnessState.keysWith(harness, "next-cleanup")).isEmpty();
        ValueState<List<ConsentEvent>> kept = HarnessState.of(harness, BOB, new ValueStateDescriptor<>(
                "sharing-events", new ListTypeInfo<>(new AvroTypeInfo<>(ConsentEvent.class))));
        assertThat(kept.value()).as("the event in force only").containsExactly(on);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isZero();

        sharingArrives(sharingDisabled(BOB, T)); // about a forgotten call
        assertThat(newOutput()).as("nothing left to correct").isEmpty();
        harness.processBothWatermarks(new Watermark(T + 2 * ONE_HOUR));
        assertThat(kept.value()).containsExactly(sharingDisabled(BOB, T));
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
