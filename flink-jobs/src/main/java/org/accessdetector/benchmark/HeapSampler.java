package org.accessdetector.benchmark;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;

/**
 * For a memory benchmark: every {@code period}, a full collection and then the heap in use, printed as it goes.
 * What stays after a full collection is what the detector holds (its state, mostly); a line that keeps rising
 * after the retention horizon has filled is a leak. The collections disturb latency, so it runs only on request.
 */
public final class HeapSampler implements Runnable {

    private final Duration period;
    private final PrintStream log;
    private final long started = System.nanoTime();

    public HeapSampler(Duration period, PrintStream log) {
        this.period = period;
        this.log = log;
    }

    /** Starts sampling in a daemon thread. */
    public static void start(Duration period, PrintStream log) {
        Thread t = new Thread(new HeapSampler(period, log), "benchmark-heap");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(period.toMillis());
                memory.gc();
                long used = memory.getHeapMemoryUsage().getUsed();
                log.printf("Heap after a full GC at %d s: %d MiB (of %d MiB max)%n",
                        Duration.ofNanos(System.nanoTime() - started).toSeconds(), used >> 20,
                        memory.getHeapMemoryUsage().getMax() >> 20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
