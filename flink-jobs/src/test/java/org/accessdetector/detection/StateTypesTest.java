package org.accessdetector.detection;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

import org.accessdetector.detection.anomaly.FanOutWindow;
import org.accessdetector.detection.anomaly.PendingUses;
import org.accessdetector.detection.anomaly.SeenEpisode;
import org.accessdetector.detection.anomaly.VolumeMinute;
import org.accessdetector.kafka.DeadLetter;
import org.accessdetector.replay.NumberedLine;
import org.accessdetector.replay.RejectedLine;
import org.accessdetector.replay.ReplayLine;
import org.junit.jupiter.api.Test;

/** Every type kept in state or sent between operators is serialized by Flink's POJO serializer, never Kryo. */
class StateTypesTest {

    @Test
    void internalRecordsAreFlinkPojos() {
        assertSerializedAsPojoWithoutKryo(UserInput.class);
        assertSerializedAsPojoWithoutKryo(CallState.class);
        assertSerializedAsPojoWithoutKryo(SubjectSharingJudge.FriendCall.class);
        assertSerializedAsPojoWithoutKryo(CallJudge.EarlyCorrection.class);
        assertSerializedAsPojoWithoutKryo(RateSample.class);
        assertSerializedAsPojoWithoutKryo(RateWindow.class);
        assertSerializedAsPojoWithoutKryo(AlertMember.class);
        assertSerializedAsPojoWithoutKryo(VolumeMinute.class);
        assertSerializedAsPojoWithoutKryo(FanOutWindow.class);
        assertSerializedAsPojoWithoutKryo(SeenEpisode.class);
        assertSerializedAsPojoWithoutKryo(PendingUses.class);
        assertSerializedAsPojoWithoutKryo(ScopeUse.class);
        assertSerializedAsPojoWithoutKryo(DeadLetter.class);
        assertSerializedAsPojoWithoutKryo(NumberedLine.class);
        assertSerializedAsPojoWithoutKryo(RejectedLine.class);
        assertSerializedAsPojoWithoutKryo(ReplayLine.class);
    }
}
