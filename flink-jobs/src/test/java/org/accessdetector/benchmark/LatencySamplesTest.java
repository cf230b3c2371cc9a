package org.accessdetector.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LatencySamplesTest {

    @Test
    void percentilesAreNearestRankOverEverySample() {
        LatencySamples samples = new LatencySamples();
        for (long ms = 100; ms >= 1; ms--) { // added out of order: 1..100 ms
            samples.add(0, ms);
        }

        assertThat(samples.size()).isEqualTo(100);
        assertThat(samples.percentile(50)).isEqualTo(50);
        assertThat(samples.percentile(99)).isEqualTo(99);
        assertThat(samples.percentile(99.9)).isEqualTo(100);
        assertThat(samples.max()).isEqualTo(100);
    }

    @Test
    void aClimbingTrendShowsPeriodByPeriodByWhenTheCallWasAppended() {
        LatencySamples samples = new LatencySamples();
        long start = 1_000_000;
        for (int period = 0; period < 3; period++) {
            for (int i = 0; i < 10; i++) {
                samples.add(start + period * 10_000L + i * 1_000L, 100L * (period + 1) + i);
            }
        }
        samples.add(start - 1, 99_999); // before the measured periods: left out
        samples.add(start + 40_000, 99_999); // after them: left out

        assertThat(samples.percentileByPeriod(99, start, 10_000, 4)).containsExactly(109L, 209L, 309L, -1L);
    }

    @Test
    void mergedHoldsEverySampleOfItsParts() {
        LatencySamples fast = new LatencySamples();
        LatencySamples slow = new LatencySamples();
        for (int i = 1; i <= 90; i++) {
            fast.add(i, 10);
        }
        for (int i = 1; i <= 10; i++) {
            slow.add(i, 500);
        }

        LatencySamples all = LatencySamples.merged(java.util.List.of(fast, slow));

        assertThat(all.size()).isEqualTo(100);
        assertThat(all.percentile(90)).isEqualTo(10);
        assertThat(all.percentile(91)).isEqualTo(500);
    }

    @Test
    void noSamplesIsMinusOneAndAPercentileOutOfRangeIsRefused() {
        LatencySamples samples = new LatencySamples();

        assertThat(samples.percentile(99)).isEqualTo(-1);
        assertThatThrownBy(() -> samples.percentile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> samples.percentile(101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void growsPastItsInitialCapacity() {
        LatencySamples samples = new LatencySamples();
        for (int i = 0; i < 5_000; i++) {
            samples.add(i, i % 7);
        }

        assertThat(samples.size()).isEqualTo(5_000);
        assertThat(samples.max()).isEqualTo(6);
    }
}
