package org.accessdetector.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.testing.Flink;
import org.accessdetector.testing.LiveTestJob;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The throughput benchmark end to end on a small backlog, on the real broker and Flink runtime: the baseline
 * reads every call, and the detector's output over the backlog is complete by the simulator's ground truth. A
 * smoke test of the tool, not a measurement: the figures come from {@code ./detector benchmark throughput}.
 */
class ThroughputBenchmarkITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    @Test
    void theDetectorsOutputOverABacklogIsCompleteAndTheBaselineReadsEveryCall() throws Exception {
        Configuration conf = LiveTestJob.configuration(KAFKA.bootstrapServers(), "-throughput");
        long calls = 20_000;
        double rate = 150; // over two minutes, so that bursts past rate limits fit in whole minutes
        long span = Math.round(calls / rate * 1000);
        SimulationSettings backlog = SimulationSettings.builder().seed(5).callsPerSecond(rate).breachFraction(0.05)
                .burstsPerHour(1200).partners(40).users(5_000).startTime(System.currentTimeMillis() - span)
                .duration(Duration.ofMillis(span)).build();
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        ThroughputBenchmark.Result r = new ThroughputBenchmark(conf, backlog, List.of("hashmap"),
                new PrintStream(log, true)).run();

        assertThat(r.backlog().calls()).as("calls in the backlog").isGreaterThan(calls / 2);
        assertThat(r.backlog().expectedViolations()).as("violations in the ground truth").isPositive();
        assertThat(r.backlog().rateLimitMinutes()).as("RATE_LIMIT minutes in the ground truth").isPositive();
        assertThat(r.raw().calls()).as("the baseline reads every call sent; log:%n%s", log).isEqualTo(r.backlog().calls());
        assertThat(r.detector()).singleElement().satisfies(d -> {
            assertThat(d.violationsInForce()).as("log:%n%s", log).isEqualTo(r.backlog().expectedViolations());
            // The same violations as the ground truth, by id, not only as many.
            assertThat(d.missing()).as("missing; log:%n%s", log).isEmpty();
            assertThat(d.extra()).as("not in the ground truth; log:%n%s", log).isEmpty();
            assertThat(d.complete()).isTrue();
            assertThat(d.callsPerSecond()).isPositive();
        });
    }
}
