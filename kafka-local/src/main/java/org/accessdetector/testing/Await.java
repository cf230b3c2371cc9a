package org.accessdetector.testing;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * Waiting in tests: on a condition, with a deadline, never for a fixed time. Here, beside the test broker, so
 * that every module's tests share the one helper.
 */
public final class Await {

    private static final long POLL_MILLIS = 100;

    /** Something a test looks at again and again, e.g. a topic, a file, an HTTP endpoint. */
    @FunctionalInterface
    public interface Probe<T> {
        T get() throws Exception;
    }

    private Await() {}

    /**
     * Looks with {@code probe} until what it sees satisfies {@code done} and returns that; fails after
     * {@code timeout}, saying {@code what} was awaited and what was seen last.
     */
    public static <T> T until(String what, Duration timeout, Probe<T> probe, Predicate<? super T> done)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T seen = probe.get();
            if (done.test(seen)) {
                return seen;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + ": not within " + timeout + "; last seen: " + seen);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Waits until {@code condition} holds; fails after {@code timeout}, saying {@code what} was awaited. */
    public static void until(String what, Duration timeout, Probe<Boolean> condition) throws Exception {
        until(what, timeout, condition, Boolean.TRUE::equals);
    }
}
