package org.accessdetector.detection.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourceNetworkTest {

    @Test
    void anIpv4AddressBelongsToItsSlash24AndAnIpv6AddressToItsSlash48() {
        assertThat(SourceNetwork.of("198.51.100.7")).isEqualTo("198.51.100.0/24");
        assertThat(SourceNetwork.of("010.001.002.003")).isEqualTo("10.1.2.0/24");
        assertThat(SourceNetwork.of("2001:db8:1234:5::1")).isEqualTo("2001:db8:1234::/48");
        assertThat(SourceNetwork.of("2001:DB8::1")).isEqualTo("2001:db8:0::/48");
        assertThat(SourceNetwork.of("::ffff:198.51.100.7")).as("IPv4-mapped is IPv4").isNull();
    }

    @Test
    void anythingElseHasNoNetworkAndIsNeverLookedUp() {
        assertThat(SourceNetwork.of(null)).isNull();
        assertThat(SourceNetwork.of("256.1.1.1")).isNull();
        assertThat(SourceNetwork.of("partner.example.com")).isNull();
        assertThat(SourceNetwork.of("1.2.3")).isNull();
        assertThat(SourceNetwork.of("gg::1")).isNull();
    }
}
