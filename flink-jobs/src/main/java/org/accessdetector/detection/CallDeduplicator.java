package org.accessdetector.detection;

import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.DetectorMetrics;
import org.accessdetector.schema.PartnerApiCall;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by call id: passes the first delivery of each call and drops redeliveries, remembering an id for
 * the redelivery horizon of event time after the call.
 */
public class CallDeduplicator extends KeyedProcessFunction<String, PartnerApiCall, PartnerApiCall> {
    private static final long serialVersionUID = 1L;

    private final DetectorConfig config;
    private transient ValueState<Boolean> seen;
    private transient Counter redeliveries;

    public CallDeduplicator(DetectorConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Types.BOOLEAN));
        redeliveries = getRuntimeContext().getMetricGroup().addGroup(DetectorMetrics.GROUP)
                .counter("redelivered_calls");
    }

    @Override
    public void processElement(PartnerApiCall call, Context ctx, Collector<PartnerApiCall> out) throws Exception {
        if (seen.value() != null) {
            redeliveries.inc();
            return;
        }
        seen.update(Boolean.TRUE);
        ctx.timerService().registerEventTimeTimer(call.getEventTime() + config.redeliveryHorizonMillis());
        out.collect(call);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PartnerApiCall> out) {
        seen.clear();
    }
}
