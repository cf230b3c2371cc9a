package org.accessdetector.kafka;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * How every Kafka client of the detector reaches the brokers: the bootstrap servers and the usual Kafka client
 * properties for security and networking ({@code security.protocol}, {@code sasl.*}, {@code ssl.*}, ...). In the
 * configuration the client properties are the keys under {@code kafka.} other than the detector's own
 * {@code kafka.bootstrap-servers} and {@code kafka.group-id}: {@code -c kafka.security.protocol=SASL_SSL}, or a
 * client properties file given as {@code --client-config FILE}. The same properties reach the job's sources and
 * sinks, the command-line tools and the SQL tables.
 */
public final class KafkaConnection implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String PREFIX = "kafka.";

    /**
     * Client properties the detector sets itself, for its delivery guarantees or from its own options: given as
     * client properties they would change what the detector promises, so they are refused, not ignored.
     */
    static final Set<String> OWNED = Set.of("bootstrap.servers", "group.id", "key.serializer", "value.serializer",
            "key.deserializer", "value.deserializer", "isolation.level", "enable.auto.commit", "enable.idempotence",
            "transactional.id", "acks");

    private final String bootstrapServers;
    private final TreeMap<String, String> client;

    private KafkaConnection(String bootstrapServers, Map<String, String> client) {
        this.bootstrapServers = bootstrapServers;
        this.client = new TreeMap<>(client);
    }

    /** The connection the configuration describes; a client property the detector owns is refused by name. */
    public static KafkaConnection from(ReadableConfig conf) {
        Map<String, String> client = new TreeMap<>();
        for (Map.Entry<String, String> e : conf.toMap().entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PREFIX) || key.equals(LiveOptions.BOOTSTRAP_SERVERS.key())
                    || key.equals(LiveOptions.GROUP_ID.key())) {
                continue;
            }
            String property = key.substring(PREFIX.length());
            if (OWNED.contains(property)) {
                throw new IllegalArgumentException(key + " is set by the detector itself"
                        + (property.equals("bootstrap.servers") ? "; use " + LiveOptions.BOOTSTRAP_SERVERS.key()
                        : property.equals("group.id") ? "; use " + LiveOptions.GROUP_ID.key() : "")
                        + " (client properties under kafka. are for security and networking)");
            }
            client.put(property, e.getValue());
        }
        return new KafkaConnection(conf.get(LiveOptions.BOOTSTRAP_SERVERS), client);
    }

    /** A PLAINTEXT connection with no client properties (a local broker). */
    public static KafkaConnection plain(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, Map.of());
    }

    /**
     * Adds the properties of a Kafka client properties file to {@code conf} as {@code kafka.*} settings, below
     * those already set (a {@code -c} setting wins over the file).
     */
    public static void addClientConfig(Configuration conf, Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        Map<String, String> current = conf.toMap();
        for (String name : p.stringPropertyNames()) {
            if (!current.containsKey(PREFIX + name)) {
                conf.setString(PREFIX + name, p.getProperty(name));
            }
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The client properties other than the bootstrap servers, in key order. */
    public Map<String, String> clientProperties() {
        return Collections.unmodifiableMap(client);
    }

    /** A new properties object for a Kafka client: bootstrap servers and client properties. */
    public Properties properties() {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty("bootstrap.servers", bootstrapServers);
        return p;
    }

    /** Whether the brokers are reached with something other than PLAINTEXT. */
    public boolean secured() {
        return !client.getOrDefault("security.protocol", "PLAINTEXT").equalsIgnoreCase("PLAINTEXT");
    }

    /** Never the secrets: the bootstrap servers and the protocol, for logs and messages. */
    @Override
    public String toString() {
        return bootstrapServers + " (" + client.getOrDefault("security.protocol", "PLAINTEXT") + ")";
    }
}
