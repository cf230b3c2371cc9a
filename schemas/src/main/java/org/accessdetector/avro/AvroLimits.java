package org.accessdetector.avro;

/**
 * Caps what a record may declare (Avro's {@code org.apache.avro.limits.*}), so a record that claims a 2 GiB
 * string or a billion-item array is rejected instead of exhausting memory. Avro reads these JVM properties
 * once, when its limit checks are first used, so they must be set before any Avro decoding in the JVM: the
 * launcher and the test configuration pass them with -D; on a Flink cluster set them in env.java.opts.all.
 * {@link #apply()} sets them for a JVM that did not, as early as the job can.
 */
public final class AvroLimits {

    /** No field of a partner API record legitimately comes near these. */
    static final String MAX_STRING_BYTES = String.valueOf(1 << 20);
    static final String MAX_BYTES = String.valueOf(1 << 20);
    static final String MAX_COLLECTION_ITEMS = String.valueOf(100_000);

    private AvroLimits() {}

    public static void apply() {
        setIfAbsent("org.apache.avro.limits.string.maxLength", MAX_STRING_BYTES);
        setIfAbsent("org.apache.avro.limits.bytes.maxLength", MAX_BYTES);
        setIfAbsent("org.apache.avro.limits.collectionItems.maxLength", MAX_COLLECTION_ITEMS);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
