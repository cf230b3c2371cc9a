package org.accessdetector.metrics;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * Flink's Prometheus reporter on an address of the operator's choosing, {@code 127.0.0.1} unless
 * {@code metrics.reporter.<name>.host} says otherwise. Flink's own {@code PrometheusReporterFactory} listens on
 * every interface, which would show the detector's metrics to anyone who can reach the machine.
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {

    public static final String ARG_HOST = "host";
    public static final String ARG_PORT = "port";
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_PORT = "9249";

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new LoopbackPrometheusReporter(properties.getProperty(ARG_HOST, DEFAULT_HOST),
                properties.getProperty(ARG_PORT, DEFAULT_PORT));
    }
}
