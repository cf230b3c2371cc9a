package org.accessdetector.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the latency benchmark says the detector kept up. */
class KeptUpTest {

    private static final Duration BOUND = Duration.ofSeconds(6); // 1 s + a 5 s checkpoint interval

    private static LatencyBenchmark.Result run(double sentPerSecond, List<Long> p99ByPeriod) {
        return new LatencyBenchmark.Result(2000, Duration.ofMinutes(1), 1000, sentPerSecond, 1000, 1000, 1, 2, 3, 4, 5,
                p99ByPeriod, Map.of(), 0, 0, BOUND);
    }

    @Test
    void underTheBoundIsKeptUp() {
        LatencyBenchmark.Result r = run(2000, List.of(5000L, 5500L, 5900L));
        assertThat(r.underBound()).isTrue();
        assertThat(r.keptUp()).isTrue();
    }

    @Test
    void aboveTheBoundButLevelledOffIsKeptUp() {
        // The 20-minute run with exactly-once sinks: slow checkpoints raise latency once, then it stays flat.
        LatencyBenchmark.Result r = run(2000, List.of(6000L, 9000L, 12000L, 12400L, 12800L, 12600L, 13000L, 12900L));
        assertThat(r.underBound()).isFalse();
        assertThat(r.levelled()).isTrue();
        assertThat(r.keptUp()).isTrue();
    }

    @Test
    void latencyThatClimbsToTheEndIsABacklog() {
        LatencyBenchmark.Result r = run(2000, List.of(2000L, 4000L, 6000L, 8000L, 10000L, 12000L));
        assertThat(r.levelled()).isFalse();
        assertThat(r.keptUp()).isFalse();
    }

    @Test
    void callsNotSentOnTimeAreNeverKeptUp() {
        assertThat(run(1800, List.of(100L, 100L, 100L, 100L)).keptUp()).isFalse();
    }

    @Test
    void tooFewPeriodsToSeeATrendMustMeetTheBound() {
        LatencyBenchmark.Result r = run(2000, List.of(7000L, 7000L, 7000L));
        assertThat(r.levelled()).isFalse();
        assertThat(r.keptUp()).isFalse();
    }
}
