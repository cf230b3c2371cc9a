package org.accessdetector.detection;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The local half of a local-global aggregation, chained before the shuffle to a keyed stage that only combines
 * what it receives until event time reaches a known moment (a rate stage sums a minute's records and reads the
 * sum when the minute ends). Records are combined per key here and handed on when this subtask's event time
 * reaches the key's due time, just before that watermark: the keyed stage then holds the same combination when
 * its timers fire, from one record per key instead of one per call. A record whose due time has passed already
 * (late) goes on at once, alone, as it would without this operator.
 *
 * <p>Nothing is held across a checkpoint (everything goes on before the barrier) or past the end of the input,
 * and an idle input hands on everything, since no watermark may follow. Held: the keys not yet due, at most the
 * keys of the event time between this subtask's watermark and its newest record.
 */
public final class LocalCombiner<IN, K, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** What is combined, by which key, and when the keyed stage after the shuffle reads it. */
    public interface Combining<IN, K, OUT> extends Serializable {
        K key(IN in);

        /** The event time at which the keyed stage reads the key's combination: held until the watermark reaches it. */
        long dueAt(IN in);

        OUT first(IN in);

        OUT combine(OUT sofar, IN in);
    }

    private final Combining<IN, K, OUT> combining;
    private transient TreeMap<Long, Map<K, OUT>> heldByDue;
    private transient long watermark;

    public LocalCombiner(Combining<IN, K, OUT> combining) {
        this.combining = combining;
    }

    @Override
    public void open() throws Exception {
        super.open();
        heldByDue = new TreeMap<>();
        watermark = Long.MIN_VALUE;
    }

    @Override
    public void processElement(StreamRecord<IN> element) throws Exception {
        IN in = element.getValue();
        long due = combining.dueAt(in);
        if (due <= watermark) {
            output.collect(new StreamRecord<>(combining.first(in)));
            return;
        }
        heldByDue.computeIfAbsent(due, d -> new HashMap<>())
                .compute(combining.key(in), (k, sofar) -> sofar == null ? combining.first(in) : combining.combine(sofar, in));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        watermark = Math.max(watermark, mark.getTimestamp());
        for (Iterator<Map<K, OUT>> due = heldByDue.headMap(watermark, true).values().iterator(); due.hasNext(); ) {
            emit(due.next());
            due.remove();
        }
        super.processWatermark(mark);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            emitAll(); // no watermark may come to release them
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        emitAll(); // so a checkpoint never needs what is held
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput() {
        emitAll();
    }

    /** How many keys are held now (for tests). */
    int heldKeys() {
        return heldByDue.values().stream().mapToInt(Map::size).sum();
    }

    private void emitAll() {
        for (Map<K, OUT> held : heldByDue.values()) {
            emit(held);
        }
        heldByDue.clear();
    }

    private void emit(Map<K, OUT> held) {
        for (OUT out : held.values()) {
            output.collect(new StreamRecord<>(out));
        }
    }
}
