package org.accessdetector.detection;

import org.accessdetector.config.DetectorConfig;
import org.accessdetector.metrics.LabeledCounters;
import org.accessdetector.schema.Violation;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Marks the violations of rules set to shadow mode ({@code detector.rules.shadow}) and counts them by rule
 * ({@code violations_shadow}), with those an anomaly rule already marked (a key still warming up). Every record of such a rule is marked, retractions included, so the alerts
 * never see it while the violations topic still has it in full. Stateless.
 */
public class ShadowRules extends RichMapFunction<Violation, Violation> {
    private static final long serialVersionUID = 1L;

    private final DetectorConfig config;
    private transient LabeledCounters shadowed;

    public ShadowRules(DetectorConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        shadowed = new LabeledCounters(getRuntimeContext().getMetricGroup(), "violations_shadow", "rule");
    }

    @Override
    public Violation map(Violation v) {
        if (v.getShadow()) {
            shadowed.with(v.getRule().name()).inc(); // an anomaly rule's key still in its warm-up
            return v;
        }
        if (!config.isShadow(v.getRule())) {
            return v;
        }
        shadowed.with(v.getRule().name()).inc();
        return Violation.newBuilder(v).setShadow(true).build();
    }

    /** Whether a violation may become (part of) an alert. */
    public static boolean alerts(Violation v) {
        return !v.getShadow();
    }
}
