package org.accessdetector.alerting.router;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;

/** The router's own metrics, served for Prometheus on /metrics. No alert or call id is ever a label. */
public final class RouterMetrics implements AutoCloseable {

    final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter received = Counter.builder().name("alert_router_alerts_received")
            .help("Alert updates read from the alerts topic.").register(registry);
    final Counter delivered = Counter.builder().name("alert_router_alerts_delivered")
            .help("Alert updates Alertmanager accepted (re-sends of firing alerts included).").register(registry);
    final Counter failures = Counter.builder().name("alert_router_delivery_failures")
            .help("Posts to an Alertmanager that failed (no answer, 5xx, 408 or 429); retried.").register(registry);
    final Counter rejected = Counter.builder().name("alert_router_alerts_rejected")
            .help("Alert updates Alertmanager rejected (a 4xx); kept on the router's dead-letter topic, not retried.")
            .register(registry);
    final Gauge firing = Gauge.builder().name("alert_router_firing_alerts")
            .help("Firing alerts this instance re-sends: those of the partitions it owns.").register(registry);
    final Counter undecodable = Counter.builder().name("alert_router_undecodable_records")
            .help("Records on the alerts topic that are not alerts the router can read; skipped.").register(registry);
    final Histogram latency = Histogram.builder().name("alert_router_delivery_latency_seconds")
            .help("From the detector raising an alert update to Alertmanager accepting it.")
            .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
            .register(registry);
    final Gauge alertmanagerUp = Gauge.builder().name("alert_router_alertmanager_up")
            .help("1 if the last delivery to Alertmanager succeeded, else 0.").register(registry);
    /** Where the metrics are served unless configured otherwise: this machine only. */
    public static final String LOOPBACK = "127.0.0.1";
    private HTTPServer server;

    /** Serves the metrics on loopback at {@code port} (0 picks a free one; negative serves none). */
    public RouterMetrics serve(int port) throws IOException {
        return serve(LOOPBACK, port);
    }

    /** Serves the metrics on {@code host} at {@code port} (0 picks a free one; negative serves none). */
    public RouterMetrics serve(String host, int port) throws IOException {
        if (port >= 0) {
            server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        }
        return this;
    }

    public int port() {
        return server == null ? -1 : server.getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
