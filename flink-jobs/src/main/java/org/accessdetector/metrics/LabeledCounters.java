package org.accessdetector.metrics;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counters of one name with key/value labels (Flink key/value metric groups, which the Prometheus reporter
 * exports as labels), created on first use. Label values must come from small, bounded sets: never a user
 * id or a call id.
 */
public final class LabeledCounters {

    private final MetricGroup group;
    private final String name;
    private final String[] labelNames;
    private final Map<String, Counter> counters = new HashMap<>();

    /** Counters named {@code name} under {@code accessdetector}, with the given label names. */
    public LabeledCounters(MetricGroup operatorGroup, String name, String... labelNames) {
        this.group = operatorGroup.addGroup(DetectorMetrics.GROUP);
        this.name = name;
        this.labelNames = labelNames;
    }

    /** The counter for these label values, in the order of the label names. */
    public Counter with(String... labelValues) {
        String key = String.join("\u0000", labelValues);
        Counter c = counters.get(key);
        if (c == null) {
            MetricGroup g = group;
            for (int i = 0; i < labelNames.length; i++) {
                g = g.addGroup(labelNames[i], labelValues[i]);
            }
            c = g.counter(name);
            counters.put(key, c);
        }
        return c;
    }
}
