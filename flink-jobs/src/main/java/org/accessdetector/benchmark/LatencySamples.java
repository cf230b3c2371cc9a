package org.accessdetector.benchmark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Detection latencies, each with the time its call was appended to Kafka, so the run can be summed up as
 * percentiles overall and over consecutive periods: a detector that keeps up has a flat trend, one that falls
 * behind has latencies that climb period after period.
 */
public final class LatencySamples {

    private long[] appendedAt = new long[1024];
    private long[] latency = new long[1024];
    private int size;

    public synchronized void add(long callAppendedAt, long latencyMillis) {
        if (size == latency.length) {
            appendedAt = Arrays.copyOf(appendedAt, size * 2);
            latency = Arrays.copyOf(latency, size * 2);
        }
        appendedAt[size] = callAppendedAt;
        latency[size] = latencyMillis;
        size++;
    }

    /** Every sample of {@code parts} in one. */
    public static LatencySamples merged(Iterable<LatencySamples> parts) {
        LatencySamples all = new LatencySamples();
        for (LatencySamples part : parts) {
            synchronized (part) {
                for (int i = 0; i < part.size; i++) {
                    all.add(part.appendedAt[i], part.latency[i]);
                }
            }
        }
        return all;
    }

    public synchronized int size() {
        return size;
    }

    /** The nearest-rank percentile ({@code q} in (0, 100]) of every latency, or -1 when there is none. */
    public synchronized long percentile(double q) {
        return percentile(Arrays.copyOf(latency, size), q);
    }

    public synchronized long max() {
        return percentile(Arrays.copyOf(latency, size), 100);
    }

    /**
     * The {@code q} percentile of the latencies of calls appended in each consecutive period of
     * {@code periodMillis} from {@code start}; -1 for a period without samples.
     */
    public synchronized List<Long> percentileByPeriod(double q, long start, long periodMillis, int periods) {
        List<List<Long>> byPeriod = new ArrayList<>();
        for (int i = 0; i < periods; i++) {
            byPeriod.add(new ArrayList<>());
        }
        for (int i = 0; i < size; i++) {
            long period = Math.floorDiv(appendedAt[i] - start, periodMillis);
            if (period >= 0 && period < periods) {
                byPeriod.get((int) period).add(latency[i]);
            }
        }
        List<Long> out = new ArrayList<>(periods);
        for (List<Long> values : byPeriod) {
            out.add(percentile(values.stream().mapToLong(Long::longValue).toArray(), q));
        }
        return out;
    }

    static long percentile(long[] values, double q) {
        if (q <= 0 || q > 100) {
            throw new IllegalArgumentException("percentile out of (0, 100]: " + q);
        }
        if (values.length == 0) {
            return -1;
        }
        Arrays.sort(values);
        int rank = (int) Math.ceil(q / 100.0 * values.length); // nearest rank, 1-based
        return values[Math.max(rank, 1) - 1];
    }
}
