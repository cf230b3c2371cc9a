package org.accessdetector.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** A run is given up only after three checkpoint intervals: exactly-once output is readable once one commits. */
class ThroughputStallTest {

    @Test
    void theStallAllowanceCoversThreeCheckpointIntervalsAndNeverLessThanAMinute() {
        Configuration tenSeconds = new Configuration();
        tenSeconds.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(10));
        Configuration oneMinute = new Configuration();
        oneMinute.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMinutes(1));

        assertThat(ThroughputBenchmark.stall(tenSeconds)).isEqualTo(ThroughputBenchmark.STALL);
        assertThat(ThroughputBenchmark.stall(new Configuration())).isEqualTo(ThroughputBenchmark.STALL);
        assertThat(ThroughputBenchmark.stall(oneMinute)).isEqualTo(Duration.ofMinutes(3));
    }
}
