package org.accessdetector.config;

import java.io.Serializable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/** The anomaly rules' settings ({@code detector.anomaly.*}), read once and checked; immutable. */
public record AnomalyConfig(
        long warmUpMillis,
        long baselineWindowMillis,
        int minHistoryHours,
        long volumeFloor,
        double volumeFactor,
        double volumeDeviations,
        long fanOutWindowMillis,
        int fanOutCeiling,
        int fanOutFloor,
        double fanOutFactor,
        long lookbackMillis,
        int maxNetworks) implements Serializable {

    private static final long HOUR_MILLIS = 3_600_000L;

    static AnomalyConfig from(ReadableConfig c) {
        long window = c.get(DetectorOptions.FAN_OUT_WINDOW).toMillis();
        if (window <= 0 || HOUR_MILLIS % window != 0) {
            // Windows must tile the hour: each belongs to one hour of the baseline.
            throw new IllegalArgumentException(DetectorOptions.FAN_OUT_WINDOW.key() + " must divide an hour");
        }
        int ceiling = positive(c.get(DetectorOptions.FAN_OUT_CEILING), DetectorOptions.FAN_OUT_CEILING);
        int floor = positive(c.get(DetectorOptions.FAN_OUT_FLOOR), DetectorOptions.FAN_OUT_FLOOR);
        if (floor > ceiling) {
            throw new IllegalArgumentException(DetectorOptions.FAN_OUT_FLOOR.key() + " must not exceed "
                    + DetectorOptions.FAN_OUT_CEILING.key());
        }
        long lookback = c.get(DetectorOptions.FIRST_SEEN_LOOKBACK).toMillis();
        if (lookback < HOUR_MILLIS) {
            // Far longer than the late horizon, so a late call can only move the start of a recent episode.
            throw new IllegalArgumentException(DetectorOptions.FIRST_SEEN_LOOKBACK.key() + " must be at least 1 h");
        }
        return new AnomalyConfig(
                nonNegative(c.get(DetectorOptions.ANOMALY_WARM_UP).toMillis(), DetectorOptions.ANOMALY_WARM_UP),
                positive(c.get(DetectorOptions.ANOMALY_BASELINE_WINDOW).toMillis(),
                        DetectorOptions.ANOMALY_BASELINE_WINDOW),
                positive(c.get(DetectorOptions.ANOMALY_MIN_HISTORY_HOURS), DetectorOptions.ANOMALY_MIN_HISTORY_HOURS),
                positive(c.get(DetectorOptions.VOLUME_SPIKE_FLOOR), DetectorOptions.VOLUME_SPIKE_FLOOR),
                atLeastOne(c.get(DetectorOptions.VOLUME_SPIKE_FACTOR), DetectorOptions.VOLUME_SPIKE_FACTOR),
                nonNegative(c.get(DetectorOptions.VOLUME_SPIKE_DEVIATIONS), DetectorOptions.VOLUME_SPIKE_DEVIATIONS),
                window,
                ceiling,
                floor,
                atLeastOne(c.get(DetectorOptions.FAN_OUT_FACTOR), DetectorOptions.FAN_OUT_FACTOR),
                lookback,
                positive(c.get(DetectorOptions.FIRST_SEEN_MAX_NETWORKS), DetectorOptions.FIRST_SEEN_MAX_NETWORKS));
    }

    private static long positive(long v, ConfigOption<?> o) {
        if (v <= 0) {
            throw new IllegalArgumentException(o.key() + " must be positive");
        }
        return v;
    }

    private static int positive(int v, ConfigOption<?> o) {
        return (int) positive((long) v, o);
    }

    private static long nonNegative(long v, ConfigOption<?> o) {
        if (v < 0) {
            throw new IllegalArgumentException(o.key() + " must not be negative");
        }
        return v;
    }

    private static double nonNegative(double v, ConfigOption<?> o) {
        if (!(v >= 0)) {
            throw new IllegalArgumentException(o.key() + " must not be negative");
        }
        return v;
    }

    private static double atLeastOne(double v, ConfigOption<?> o) {
        if (!(v >= 1)) {
            throw new IllegalArgumentException(o.key() + " must be at least 1");
        }
        return v;
    }
}
