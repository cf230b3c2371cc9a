package org.accessdetector.detection;

import static org.apache.flink.types.PojoTestUtils.assertSerializedAsPojoWithoutKryo;

import org.accessdetector.kafka.DeadLetter;
import org.accessdetector.replay.NumberedLine;
import org.accessdetector.replay.RejectedLine;
import org.accessdetector.replay.ReplayLine;
import org.junit.jupiter.api.Test;

/** Every type kept in state or sent between operators is serialized by Flink's POJO serializer, never Kryo. */
class StateTypesTest {

    @Test
    void internalRecordsAreFlinkPojos() {
        assertSerializedAsPojoWithoutKryo(ConsentCheck.class);
        assertSerializedAsPojoWithoutKryo(ConsentFinding.class);
        assertSerializedAsPojoWithoutKryo(RateSample.class);
        assertSerializedAsPojoWithoutKryo(RateWindow.class);
        assertSerializedAsPojoWithoutKryo(JudgedCall.class);
        assertSerializedAsPojoWithoutKryo(JudgedCheck.class);
        assertSerializedAsPojoWithoutKryo(DeadLetter.class);
        assertSerializedAsPojoWithoutKryo(NumberedLine.class);
        assertSerializedAsPojoWithoutKryo(RejectedLine.class);
        assertSerializedAsPojoWithoutKryo(ReplayLine.class);
    }
}
