package org.accessdetector.kafka.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalKafkaBrokerMainTest {

    @Test
    void defaultsAndFlags() {
        assertThat(LocalKafkaBrokerMain.parse(new String[] {"start"}))
                .isEqualTo(new LocalKafkaBrokerMain.Args(9092, 0, Path.of(".local", "kafka")));
        assertThat(LocalKafkaBrokerMain.parse(new String[] {"start", "--port", "19092", "--data-dir", "/tmp/k"}))
                .isEqualTo(new LocalKafkaBrokerMain.Args(19092, 0, Path.of("/tmp/k")));
    }

    @Test
    void badFlagsAreRejectedWithTheFlagNamed() {
        assertThatThrownBy(() -> LocalKafkaBrokerMain.parse(new String[] {"start", "--bogus", "1"}))
                .hasMessageContaining("--bogus");
        assertThatThrownBy(() -> LocalKafkaBrokerMain.parse(new String[] {"start", "--port", "x"}))
                .hasMessageContaining("--port");
        assertThatThrownBy(() -> LocalKafkaBrokerMain.parse(new String[] {"start", "--port"}))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> LocalKafkaBrokerMain.parse(new String[] {"stop"})).hasMessageContaining("usage");
    }
}
