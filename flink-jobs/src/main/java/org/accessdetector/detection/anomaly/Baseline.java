package org.accessdetector.detection.anomaly;

import java.util.Arrays;
import java.util.Map;

/**
 * A key's learned normal: the median and the median absolute deviation (MAD) of one figure per active hour
 * (its busiest minute or window). Robust: a few past spikes in the history barely move it.
 */
public record Baseline(double median, double mad, int hours) {

    static final long HOUR_MILLIS = 3_600_000L;

    /** The spread as a standard deviation would be for normally distributed figures. */
    public double robustDeviation() {
        return 1.4826 * mad;
    }

    /**
     * The baseline for a window starting at {@code windowStart}, from the hourly figures of the
     * {@code lookbackMillis} before it whose hour (and horizon after it) ended by then: so the answer depends
     * only on hours that could no longer change, and a window judged again later gets the same baseline.
     * Null when there are fewer than {@code minHours} such hours.
     */
    static Baseline before(Iterable<Map.Entry<Long, Long>> hourlyPeaks, long windowStart, long lookbackMillis,
            long horizonMillis, int minHours) {
        long[] figures = new long[16];
        int n = 0;
        for (Map.Entry<Long, Long> e : hourlyPeaks) {
            long hour = e.getKey();
            if (hour >= windowStart - lookbackMillis && hour + HOUR_MILLIS + horizonMillis <= windowStart) {
                if (n == figures.length) {
                    figures = Arrays.copyOf(figures, n * 2);
                }
                figures[n++] = e.getValue();
            }
        }
        return n < minHours ? null : of(Arrays.copyOf(figures, n));
    }

    static Baseline of(long[] figures) {
        double median = median(figures);
        long[] deviations = new long[figures.length];
        // Deviations doubled to stay integral when the median is a half.
        for (int i = 0; i < figures.length; i++) {
            deviations[i] = Math.round(Math.abs(2.0 * figures[i] - 2.0 * median));
        }
        return new Baseline(median, median(deviations) / 2.0, figures.length);
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    /** The start of the hour holding {@code millis}. */
    static long hourOf(long millis) {
        return Math.floorDiv(millis, HOUR_MILLIS) * HOUR_MILLIS;
    }
}
