package org.accessdetector.kafka;

/**
 * Caps what a record may declare (Avro's {@code org.apache.avro.limits.*}), so a record that claims a 2 GiB
 * string or a billion-item array is rejected instead of exhausting memory. Set as JVM properties before Avro
 * reads them; values already set (e.g. with -D on a cluster) win.
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
