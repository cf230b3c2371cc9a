package org.accessdetector.simulate;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Consent histories by a non-negative long key (user and partner, or user and the platform-wide setting), for
 * millions of keys: an open-addressing table of primitive arrays holding a key's only event inline (about 17
 * bytes a slot); keys with more than one event keep a small sorted timeline on the side.
 *
 * <p>Types are small codes: {@link #AUTHORIZED}, {@link #DEAUTHORIZED}, {@link #SHARING_DISABLED},
 * {@link #SHARING_ENABLED}; {@link #NONE} means no event. At equal times a withdrawal (DEAUTHORIZED,
 * SHARING_DISABLED) is later than a grant, so it wins.
 */
final class ConsentTable {

    static final byte NONE = 0;
    static final byte AUTHORIZED = 1;
    static final byte DEAUTHORIZED = 2;
    static final byte SHARING_DISABLED = 3;
    static final byte SHARING_ENABLED = 4;
    private static final byte MULTI = 5;

    private static final long EMPTY = -1L;

    private long[] keys;
    private long[] times;
    private byte[] types;
    private int size;
    private final Map<Long, Timeline> timelines = new HashMap<>();

    ConsentTable() {
        allocate(1 << 12);
    }

    /** How many keys have at least one event. */
    int size() {
        return size;
    }

    void add(long key, long time, byte type) {
        if (key < 0) {
            throw new IllegalArgumentException("negative key " + key);
        }
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            keys[slot] = key;
            times[slot] = time;
            types[slot] = type;
            if (++size * 10L > keys.length * 6L) {
                grow();
            }
            return;
        }
        if (types[slot] == MULTI) {
            timelines.get(key).add(time, type);
            return;
        }
        Timeline timeline = new Timeline();
        timeline.add(times[slot], types[slot]);
        timeline.add(time, type);
        timelines.put(key, timeline);
        types[slot] = MULTI;
    }

    /** The type of the key's latest event at or before {@code t}, or {@link #NONE}. */
    byte latestAt(long key, long t) {
        if (key < 0) {
            return NONE;
        }
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            return NONE;
        }
        if (types[slot] == MULTI) {
            return timelines.get(key).latestAt(t);
        }
        return times[slot] <= t ? types[slot] : NONE;
    }

    /** Whether the key has any event. */
    boolean contains(long key) {
        return key >= 0 && keys[slot(key)] != EMPTY;
    }

    private int slot(long key) {
        int mask = keys.length - 1;
        int i = (int) mix(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldTimes = times;
        byte[] oldTypes = types;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                int slot = slot(oldKeys[i]);
                keys[slot] = oldKeys[i];
                times[slot] = oldTimes[i];
                types[slot] = oldTypes[i];
            }
        }
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        Arrays.fill(keys, EMPTY);
        times = new long[capacity];
        types = new byte[capacity];
    }

    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private static boolean withdraws(byte type) {
        return type == DEAUTHORIZED || type == SHARING_DISABLED;
    }

    /** A key's events sorted by time, a withdrawal after a grant at the same time. */
    private static final class Timeline {
        private long[] times = new long[4];
        private byte[] types = new byte[4];
        private int n;

        void add(long time, byte type) {
            if (n == times.length) {
                times = Arrays.copyOf(times, n * 2);
                types = Arrays.copyOf(types, n * 2);
            }
            int i = n;
            while (i > 0 && after(times[i - 1], types[i - 1], time, type)) {
                times[i] = times[i - 1];
                types[i] = types[i - 1];
                i--;
            }
            times[i] = time;
            types[i] = type;
            n++;
        }

        /** Whether (t1, k1) sorts after (t2, k2). */
        private static boolean after(long t1, byte k1, long t2, byte k2) {
            return t1 > t2 || (t1 == t2 && withdraws(k1) && !withdraws(k2));
        }

        byte latestAt(long t) {
            for (int i = n - 1; i >= 0; i--) {
                if (times[i] <= t) {
                    return types[i];
                }
            }
            return NONE;
        }
    }
}
