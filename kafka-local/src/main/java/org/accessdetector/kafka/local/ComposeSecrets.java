package org.accessdetector.kafka.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The secrets of the SASL_SSL broker in {@code docker-compose.yml}, made on the host before {@code docker compose
 * up} by {@code ./detector compose secrets}, the same way as {@code broker start --secure} makes its own: a CA, a
 * broker certificate for the names clients use ({@link #HOSTS}), a SCRAM-SHA-512 user per principal with a random
 * password, and a client file per user.
 *
 * <p>Each is one file named as the compose file's secret of the same name ({@link #CA}, {@link #client}, ...), so
 * that a service is given only the secrets it lists, each at {@code /run/secrets/<name>} ({@link #MOUNT}); a client
 * file refers to the CA there. Compose mounts a file secret with the host file's owner and mode, and the
 * containers run as their images' own users (Kafka's {@code appuser}, Flink's {@code flink}), so the mounted files
 * are readable by all, and the folder that holds them by its owner only: other users of the host cannot reach them.
 * The CA's private key and the passwords stay in {@code authority/}, which is never mounted. {@code host/} holds
 * the same client files for use from the host, through the port published on localhost.
 */
public final class ComposeSecrets {

    /** Where {@code docker-compose.yml} takes the secrets from, relative to the repository. */
    public static final Path DEFAULT_DIR = Path.of(".local", "compose", "secrets");
    /** Where a container finds the secrets its service lists. */
    public static final String MOUNT = "/run/secrets/";
    /** The CA certificate (PEM) every client and the broker trust. */
    public static final String CA = "kafka-ca";
    /** The broker's key pair and certificate (PKCS12). */
    public static final String BROKER_KEYSTORE = "kafka-broker-keystore";
    /** The broker's security settings (properties): SASL, TLS, authorizer; with the admin and keystore passwords. */
    public static final String BROKER_CONFIG = "kafka-broker-config";
    /** The SCRAM users to create when the storage is formatted, one {@code kafka-storage --add-scram} value a line. */
    public static final String SCRAM_USERS = "kafka-scram-users";
    /** The broker's names in its certificate: its compose service, and this machine for the published port. */
    public static final String HOSTS = "DNS:kafka,DNS:localhost,IP:127.0.0.1";
    /** The broker's client listeners, both SASL_SSL with SCRAM (the first is also the inter-broker one). */
    public static final List<String> SCRAM_LISTENERS = List.of("INTERNAL", "EXTERNAL");
    /** The controller's listener (SASL_SSL with PLAIN, reached only by the broker). */
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** The super user, which creates topics and grants ACLs. */
    public static final String ADMIN = BrokerSecurity.ADMIN;

    private ComposeSecrets() {}

    /** The secret holding the Kafka client settings of {@code user}. */
    public static String client(String user) {
        return "kafka-client-" + user;
    }

    /** The names of every secret {@link #write} makes for these users ({@link #ADMIN} is always one). */
    public static Set<String> names(Collection<String> users) {
        Set<String> names = new TreeSet<>(List.of(CA, BROKER_KEYSTORE, BROKER_CONFIG, SCRAM_USERS));
        for (String user : withAdmin(users)) {
            names.add(client(user));
        }
        return names;
    }

    /**
     * Makes the secrets in {@code dir}, or keeps those already there (the broker's storage was formatted with
     * their users, so they must not change under it) and writes the files again from them.
     *
     * @return whether new secrets were generated
     * @throws IOException also when the secrets there were made for other users
     */
    public static boolean write(Path dir, Collection<String> users) throws IOException, InterruptedException {
        Set<String> wanted = withAdmin(users);
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path authority = dir.resolve("authority");
        boolean generated = !Files.exists(authority.resolve("secrets.properties"));
        BrokerSecurity security = generated
                ? BrokerSecurity.generate(authority, wanted, HOSTS)
                : BrokerSecurity.load(authority);
        if (!security.users().equals(wanted)) {
            throw new IOException("the secrets in " + dir + " were made for the users " + security.users() + ", not "
                    + wanted + "; remove " + dir + " and the broker's data volume to start over");
        }
        copy(security.caCertificate(), dir.resolve(CA));
        copy(security.brokerKeystore(), dir.resolve(BROKER_KEYSTORE));
        StringBuilder config = new StringBuilder("# Generated by ./detector compose secrets: the broker's security\n");
        security.securityProperties(SCRAM_LISTENERS, CONTROLLER_LISTENER, MOUNT + BROKER_KEYSTORE, MOUNT + CA)
                .forEach((k, v) -> config.append(k).append('=').append(v).append('\n'));
        writeMounted(dir.resolve(BROKER_CONFIG), config.toString());
        writeMounted(dir.resolve(SCRAM_USERS), String.join("\n", security.formatArguments().stream()
                .filter(a -> !a.equals("--add-scram")).toList()) + "\n");
        Path host = dir.resolve("host");
        Files.createDirectories(host);
        for (String user : wanted) {
            writeMounted(dir.resolve(client(user)), text(security.clientProperties(user, MOUNT + CA),
                    "Kafka client settings of '" + user + "' inside docker-compose (generated)"));
            Properties fromHost = security.clientProperties(user, dir.resolve(CA).toAbsolutePath().toString());
            BrokerSecurity.writePrivate(host.resolve(user + ".properties"), w -> fromHost.store(w,
                    "Kafka client settings of '" + user + "' from this host, at localhost:19092 (generated)"));
        }
        return generated;
    }

    private static Set<String> withAdmin(Collection<String> users) {
        Set<String> all = new TreeSet<>(users);
        all.add(ADMIN);
        return all;
    }

    private static String text(Properties p, String comment) throws IOException {
        java.io.StringWriter w = new java.io.StringWriter();
        p.store(w, comment);
        return w.toString();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** Readable by all: see the class comment (the folder is its owner's only). */
    private static void writeMounted(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
