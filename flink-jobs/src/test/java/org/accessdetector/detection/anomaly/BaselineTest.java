package org.accessdetector.detection.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BaselineTest {

    private static final long HOUR = Baseline.HOUR_MILLIS;

    @Test
    void theMedianAndMadOfOddAndEvenCounts() {
        assertThat(Baseline.of(new long[] {5, 1, 9})).isEqualTo(new Baseline(5, 4, 3));
        assertThat(Baseline.of(new long[] {1, 2, 3, 10})).isEqualTo(new Baseline(2.5, 1, 4));
        assertThat(Baseline.of(new long[] {100, 100, 100, 90_000})).isEqualTo(new Baseline(100, 0, 4));
    }

    @Test
    void onlyHoursOfTheLookbackThatEndedAHorizonBeforeTheWindowCount() {
        Map<Long, Long> peaks = new TreeMap<>();
        for (long h = 0; h < 10; h++) {
            peaks.put(h * HOUR, h);
        }
        long window = 10 * HOUR; // hours 0..8 ended a 10-minute horizon before it; hour 9 had not
        long horizon = 10 * 60_000L;
        assertThat(Baseline.before(peaks.entrySet(), window, 10 * HOUR, horizon, 1).hours()).isEqualTo(9);
        assertThat(Baseline.before(peaks.entrySet(), window, 5 * HOUR, horizon, 1).hours())
                .as("hours 5..8 of a 5-hour lookback").isEqualTo(4);
        assertThat(Baseline.before(peaks.entrySet(), window, 10 * HOUR, horizon, 10)).as("too few hours").isNull();
    }
}
