package org.accessdetector.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.simulate.Simulator;
import org.accessdetector.testing.Flink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay benchmark end to end on a small simulation, on the real Flink runtime: the baseline parses every
 * line, and replay (a bounded, batch job) finds exactly the violations the simulator's ground truth holds, by
 * id. A smoke test of the tool, not a measurement: the figures come from {@code ./detector benchmark replay}.
 */
class ReplayBenchmarkITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = Flink.miniCluster();

    @Test
    void replayOverTheFilesFindsExactlyTheGroundTruthAndTheBaselineParsesEveryLine(@TempDir Path dir)
            throws Exception {
        long calls = 20_000;
        double rate = 150; // over two minutes, so that bursts past rate limits fit in whole minutes
        long span = Math.round(calls / rate * 1000);
        // Few users, so that many have consent and sharing changes around their calls and friend calls.
        Simulator simulator = new Simulator(SimulationSettings.builder().seed(11).callsPerSecond(rate)
                .breachFraction(0.05).burstsPerHour(1200).partners(40).users(2_000)
                .startTime(System.currentTimeMillis() - span).duration(Duration.ofMillis(span)).build());
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        ReplayBenchmark.Result r = new ReplayBenchmark(DetectorConfig.defaults(), new PrintStream(log, true))
                .run(simulator, StreamExecutionEnvironment.getExecutionEnvironment(), dir);

        assertThat(r.input().callCount()).as("calls written").isGreaterThan(calls / 2);
        assertThat(r.input().consentCount()).as("consent events written").isPositive();
        assertThat(r.input().expectedViolationIds()).as("violations in the ground truth").isNotEmpty();
        assertThat(r.parse().records()).as("the baseline parses every line; log:%n%s", log)
                .isEqualTo(r.input().records());
        assertThat(r.replay().summary().rejectedByFile()).as("nothing rejected").isEmpty();
        assertThat(r.replay().missing()).as("missing; log:%n%s", log).isEmpty();
        assertThat(r.replay().extra()).as("not in the ground truth; log:%n%s", log).isEmpty();
        assertThat(r.replay().violationsInForce()).isEqualTo(r.input().expectedViolationIds().size());
        assertThat(r.ratio()).isPositive();
    }
}
