package org.accessdetector.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Ports for the servers a run starts (brokers, clusters, Prometheus), so that they never clash with each other or
 * with a running demo. Here, beside the test broker, so that every module shares the one helper.
 */
public final class Ports {

    private Ports() {}

    /** A loopback port nothing listens on right now. */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
