package org.accessdetector.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter (its metric names and labels unchanged), served on {@code host} at the first free
 * port of {@code ports}.
 */
final class LoopbackPrometheusReporter extends AbstractPrometheusReporter {

    private final HTTPServer server;

    LoopbackPrometheusReporter(String host, String ports) {
        CollectorRegistry registry = registryOf(this);
        Iterator<Integer> candidates = new PortRange(ports).getPortsIterator();
        HTTPServer started = null;
        IOException last = null;
        while (started == null && candidates.hasNext()) {
            try {
                started = new HTTPServer(new InetSocketAddress(host, candidates.next()), registry, true);
            } catch (IOException e) {
                last = e;
            }
        }
        if (started == null) {
            throw new IllegalStateException("no free port for Prometheus metrics on " + host + " in " + ports, last);
        }
        server = started;
        log.info("Prometheus metrics on http://{}:{}/metrics", host, server.getPort());
    }

    @Override
    public void close() {
        server.stop();
        super.close();
    }

    /**
     * The registry the base class fills. It is package-private there, and only Flink's own subclass serves it;
     * reading it is the one way to serve the same metrics elsewhere than on every interface.
     */
    private static CollectorRegistry registryOf(AbstractPrometheusReporter reporter) {
        try {
            Field field = AbstractPrometheusReporter.class.getDeclaredField("registry");
            field.setAccessible(true);
            return (CollectorRegistry) field.get(reporter);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Flink's Prometheus reporter keeps its registry elsewhere", e);
        }
    }
}
