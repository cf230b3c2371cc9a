package org.accessdetector.live;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * A control topic's records, from its backlog source and the one that follows (see {@link ControlWatermarks}),
 * with the event time calls need: none until the backlog has been read, so calls wait; then idle for good.
 *
 * <p>Its input's only watermark is the end of event time that {@link EndOfBacklog} sends when the backlog ends
 * (or that a finished backlog sends when it is restored). Passed on, it would let every operator whose input
 * joins a control stream with calls run ahead of the calls to the end of time whenever they pause. So it stops
 * here, and this output is marked idle instead. Until then this output stays active without a watermark,
 * whatever its inputs' status, so that event time waits for the backlog. After a restore it waits again for
 * the restored backlog's end, which a finished one sends at once.
 */
final class IdleAfterBacklog<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {

    private boolean backlogRead;

    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) {
        if (!backlogRead) {
            backlogRead = true;
            output.emitWatermarkStatus(WatermarkStatus.IDLE);
        }
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // Neither the backlog's status (see EndOfBacklog) nor that of what follows it (always idle) is passed on.
    }
}
