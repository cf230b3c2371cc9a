package org.accessdetector.live;

import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.schema.PartnerApiCall;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/** Counts calls stamped too far in the future; they are still judged (see {@link CallWatermarks}). */
public class CountSkewedCalls extends RichMapFunction<PartnerApiCall, PartnerApiCall> {
    private static final long serialVersionUID = 1L;

    private final long maxFutureSkewMillis;
    private transient Counter skewed;

    public CountSkewedCalls(long maxFutureSkewMillis) {
        this.maxFutureSkewMillis = maxFutureSkewMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        skewed = getRuntimeContext().getMetricGroup().addGroup(DetectorMetrics.GROUP).counter("skewed_calls");
    }

    @Override
    public PartnerApiCall map(PartnerApiCall call) {
        if (CallWatermarks.skewed(call.getEventTime(), System.currentTimeMillis(), maxFutureSkewMillis)) {
            skewed.inc();
        }
        return call;
    }
}
