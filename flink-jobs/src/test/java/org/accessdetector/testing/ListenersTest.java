package org.accessdetector.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ListenersTest {

    @Test
    void decodesTheKernelsAddressNotation() throws Exception {
        // As /proc/net/tcp{,6} print them on x86: each 32-bit word of the address in little-endian order.
        assertThat(Listeners.address("0100007F:1F90")).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(Listeners.address("00000000:2382")).isEqualTo(new InetSocketAddress("0.0.0.0", 9090));
        assertThat(Listeners.address("00000000000000000000000001000000:0050"))
                .isEqualTo(new InetSocketAddress("::1", 80));
        assertThat(Listeners.address("0000000000000000FFFF00000100007F:0050").getAddress().isLoopbackAddress())
                .as("::ffff:127.0.0.1").isTrue();
    }

    @Test
    void findsTheSocketsThisProcessListensOnWithTheirAddresses() throws Exception {
        try (ServerSocket loopback = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ServerSocket everywhere = new ServerSocket(0)) {
            var listening = Listeners.of(ProcessHandle.current().pid());
            assertThat(listening).filteredOn(a -> a.getPort() == loopback.getLocalPort())
                    .singleElement().satisfies(a -> assertThat(a.getAddress().isLoopbackAddress()).isTrue());
            assertThat(listening).filteredOn(a -> a.getPort() == everywhere.getLocalPort())
                    .singleElement().satisfies(a -> assertThat(a.getAddress().isAnyLocalAddress()).isTrue());
        }
    }
}
