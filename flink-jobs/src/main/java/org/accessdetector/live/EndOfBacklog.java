package org.accessdetector.live;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * Says, downstream, that a control topic's backlog has all been read: at the end of its input, the end of event
 * time, on an active output. The source's own end-of-input watermark is not enough, since a reader whose splits
 * are all finished may be idle by then, and an idle output passes no watermark; {@link IdleAfterBacklog} waits for
 * this one.
 */
final class EndOfBacklog<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T>, BoundedOneInput {

    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) {
        // The backlog emits none before its end; its end is sent from endInput, once.
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // Idle or not while reading, the backlog holds event time until endInput: the receiver ignores it.
    }

    @Override
    public void endInput() {
        output.emitWatermarkStatus(WatermarkStatus.ACTIVE);
        output.emitWatermark(Watermark.MAX_WATERMARK);
    }
}
