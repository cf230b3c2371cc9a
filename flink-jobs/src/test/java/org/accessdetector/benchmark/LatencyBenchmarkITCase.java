package org.accessdetector.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import org.accessdetector.kafka.local.KafkaBrokerExtension;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.testing.Flink;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The latency benchmark end to end at a low rate, on the real broker and Flink runtime: it must time the
 * violations of simulated breaches from the broker's own append timestamps. A smoke test of the tool, not a
 * measurement: the figures come from {@code ./detector benchmark} (README).
 */
class LatencyBenchmarkITCase {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    private static final double RATE = 300;

    @Test
    void timesPerCallViolationsFromTheCallsAppendToTheirOwn() throws Exception {
        Configuration conf = new Configuration();
        conf.set(LiveOptions.BOOTSTRAP_SERVERS, KAFKA.bootstrapServers());
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(2));
        conf.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(5));
        conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, Duration.ofMillis(20));
        SimulationSettings.Builder traffic = SimulationSettings.builder().seed(3).callsPerSecond(RATE)
                .breachFraction(0.1).partners(40).users(10_000);
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        LatencyBenchmark.Result r = new LatencyBenchmark(conf, traffic, RATE, Duration.ofSeconds(4),
                Duration.ofSeconds(10), new PrintStream(log, true)).run();

        // How fast the calls went out and whether the detector kept up depend on the machine's load: the tool
        // reports them (figures come from the command), this test does not assert them.
        assertThat(r.callsSent()).as("calls sent while measuring").isPositive();
        assertThat(r.timed()).as("violations timed").isGreaterThan(50);
        assertThat(r.violationsRead()).isGreaterThanOrEqualTo(r.timed());
        assertThat(r.notAppendTimed()).as("violations topic keeps log-append time").isZero();
        assertThat(r.p50()).isNotNegative().isLessThanOrEqualTo(r.p90());
        assertThat(r.p90()).isLessThanOrEqualTo(r.p99());
        assertThat(r.p99()).isLessThanOrEqualTo(r.max());
        assertThat(r.p99ByPeriod()).hasSize(1).allSatisfy(p -> assertThat(p).isNotNegative());
        assertThat(r.byRule()).containsKeys(ViolationRule.OUT_OF_SCOPE, ViolationRule.NO_USER_CONSENT)
                .doesNotContainKey(ViolationRule.RATE_LIMIT);
        assertThat(r.byRule().values().stream().mapToInt(LatencySamples::size).sum()).isEqualTo(r.timed());
    }
}
