package org.accessdetector.detection.anomaly;

import java.util.Iterator;
import java.util.Map;
import org.accessdetector.config.AnomalyConfig;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * A window judge's learned history, per key: the busiest figure (a minute's records, a window's users) of each
 * active hour of the baseline window, folded in as windows expire, with one coalesced cleanup timer that drops
 * the hours no open window can use. At most one entry per hour of the baseline window, plus the horizon.
 */
final class HourlyPeaks {

    private final MapState<Long, Long> peaks;
    private final ValueState<Long> cleanupAt;
    private final AnomalyConfig anomalies;
    private final long retention;
    private final long keptFor;

    /** Opens the key's history, states named {@code prefix-hourly-peaks} and {@code prefix-cleanup-at}. */
    HourlyPeaks(RuntimeContext context, String prefix, AnomalyConfig anomalies, long retention) {
        this.peaks = context.getMapState(new MapStateDescriptor<>(prefix + "-hourly-peaks", Types.LONG, Types.LONG));
        this.cleanupAt = context.getState(new ValueStateDescriptor<>(prefix + "-cleanup-at", Types.LONG));
        this.anomalies = anomalies;
        this.retention = retention;
        // An hour's figure is kept for the baseline window plus what a window judged late still needs.
        this.keptFor = anomalies.baselineWindowMillis() + retention + 2 * Baseline.HOUR_MILLIS;
    }

    /** A window that can no longer change: its figure joins its hour's busiest. */
    void fold(long windowStart, long figure, TimerService timers) throws Exception {
        long hour = Baseline.hourOf(windowStart);
        Long peak = peaks.get(hour);
        if (figure > 0 && (peak == null || figure > peak)) {
            peaks.put(hour, figure);
        }
        if (cleanupAt.value() == null) {
            cleanupAt.update(hour + keptFor);
            timers.registerEventTimeTimer(hour + keptFor);
        }
    }

    /**
     * On any of the key's timers: if it is the cleanup's, drops the hours no open window can use and schedules
     * the next. True when the history is now empty: the key has been idle for the baseline window.
     */
    boolean onTimer(long timestamp, TimerService timers) throws Exception {
        Long at = cleanupAt.value();
        if (at == null || at != timestamp) {
            return false;
        }
        long latest = Long.MIN_VALUE;
        Iterator<Map.Entry<Long, Long>> it = peaks.iterator();
        while (it.hasNext()) {
            long hour = it.next().getKey();
            if (hour + keptFor <= timestamp) {
                it.remove();
            } else {
                latest = Math.max(latest, hour);
            }
        }
        if (latest != Long.MIN_VALUE) {
            cleanupAt.update(latest + keptFor);
            timers.registerEventTimeTimer(latest + keptFor);
            return false;
        }
        peaks.clear(); // an emptied map may still hold the key
        cleanupAt.clear();
        return true;
    }

    /** The baseline a window starting at {@code windowStart} is judged by, or null with too little history. */
    Baseline before(long windowStart) throws Exception {
        return Baseline.before(peaks.entries(), windowStart, anomalies.baselineWindowMillis(), retention,
                anomalies.minHistoryHours());
    }
}
