package org.accessdetector.kafka.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secrets of docker-compose.yml's broker, as {@code ./detector compose secrets} makes them (JDK keytool). */
class ComposeSecretsTest {

    private static final List<String> USERS = List.of("detector", "router", "simulator");

    @TempDir
    static Path tmp;

    private static Path dir;

    @BeforeAll
    static void generate() throws Exception {
        dir = tmp.resolve("secrets");
        assertThat(ComposeSecrets.write(dir, USERS)).as("generated on the first run").isTrue();
    }

    @Test
    void makesOneFileForEverySecretItNamesAndKeepsTheCaKeyAndPasswordsUnmounted() throws IOException {
        Set<String> files = new TreeSet<>();
        try (var list = Files.list(dir)) {
            list.filter(Files::isRegularFile).forEach(p -> files.add(p.getFileName().toString()));
        }
        assertThat(files).isEqualTo(ComposeSecrets.names(USERS));
        assertThat(files).contains(ComposeSecrets.client(ComposeSecrets.ADMIN));
        assertThat(Files.exists(dir.resolve("authority/ca.p12"))).isTrue();
        assertThat(mode(dir)).as("only the owner reaches the secrets on the host").isEqualTo("rwx------");
        assertThat(mode(dir.resolve("authority"))).isEqualTo("rwx------");
        for (String f : files) {
            assertThat(mode(dir.resolve(f))).as(f + ": readable by the container's own user").isEqualTo("rw-r--r--");
        }
        assertThat(mode(dir.resolve("host/detector.properties"))).isEqualTo("rw-------");
    }

    @Test
    void theBrokerCertificateIsForTheComposeServiceAndThisHostAndSignedByTheCa() throws Exception {
        X509Certificate ca;
        try (InputStream in = Files.newInputStream(dir.resolve(ComposeSecrets.CA))) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String storePassword = properties(dir.resolve("authority/secrets.properties")).getProperty("store");
        KeyStore keystore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(ComposeSecrets.BROKER_KEYSTORE))) {
            keystore.load(in, storePassword.toCharArray());
        }
        Certificate[] chain = keystore.getCertificateChain("broker");
        X509Certificate broker = (X509Certificate) chain[0];
        broker.verify(ca.getPublicKey()); // throws unless the CA signed it
        List<String> names = new ArrayList<>();
        for (List<?> san : broker.getSubjectAlternativeNames()) {
            names.add(san.get(1).toString());
        }
        assertThat(names).containsExactlyInAnyOrder("kafka", "localhost", "127.0.0.1");
        assertThat(keystore.isKeyEntry("broker")).isTrue();
    }

    @Test
    void clientFilesLogInAsTheirUserAndTrustTheCaWhereTheContainerFindsIt() throws IOException {
        for (String user : ComposeSecrets.names(USERS).stream().filter(n -> n.startsWith("kafka-client-")).toList()) {
            String name = user.substring("kafka-client-".length());
            Properties inside = properties(dir.resolve(user));
            assertThat(inside.getProperty("security.protocol")).isEqualTo("SASL_SSL");
            assertThat(inside.getProperty("sasl.mechanism")).isEqualTo("SCRAM-SHA-512");
            assertThat(inside.getProperty("sasl.jaas.config")).contains("username=\"" + name + "\"");
            assertThat(inside.getProperty("ssl.truststore.location")).isEqualTo(ComposeSecrets.MOUNT + ComposeSecrets.CA);
            Properties fromHost = properties(dir.resolve("host").resolve(name + ".properties"));
            assertThat(fromHost.getProperty("sasl.jaas.config")).isEqualTo(inside.getProperty("sasl.jaas.config"));
            assertThat(fromHost.getProperty("ssl.truststore.location"))
                    .isEqualTo(dir.resolve(ComposeSecrets.CA).toAbsolutePath().toString());
        }
        List<String> scram = Files.readAllLines(dir.resolve(ComposeSecrets.SCRAM_USERS));
        assertThat(scram).hasSize(USERS.size() + 1)
                .allMatch(line -> line.matches("SCRAM-SHA-512=\\[name=[a-z]+,password=[0-9a-f]+]"));
        String detectorPassword = properties(dir.resolve(ComposeSecrets.client("detector"))).getProperty("sasl.jaas.config")
                .replaceAll(".*password=\"([^\"]+)\".*", "$1");
        assertThat(scram).contains("SCRAM-SHA-512=[name=detector,password=" + detectorPassword + "]");
    }

    @Test
    void theBrokerConfigUsesTheMountedKeystoreAndCaAndLogsInOnEveryListener() throws IOException {
        Properties broker = properties(dir.resolve(ComposeSecrets.BROKER_CONFIG));
        assertThat(broker.getProperty("ssl.keystore.location")).isEqualTo(ComposeSecrets.MOUNT + ComposeSecrets.BROKER_KEYSTORE);
        assertThat(broker.getProperty("ssl.truststore.location")).isEqualTo(ComposeSecrets.MOUNT + ComposeSecrets.CA);
        assertThat(broker.getProperty("listener.name.internal.scram-sha-512.sasl.jaas.config")).contains("username=\"admin\"");
        assertThat(broker.getProperty("listener.name.external.scram-sha-512.sasl.jaas.config")).contains("username=\"admin\"");
        assertThat(broker.getProperty("listener.name.controller.plain.sasl.jaas.config")).contains("user_admin=");
    }

    @Test
    void runAgainItKeepsTheSecretsTheBrokerWasFormattedWith() throws Exception {
        Path again = tmp.resolve("again");
        ComposeSecrets.write(again, USERS);
        byte[] ca = Files.readAllBytes(again.resolve(ComposeSecrets.CA));
        String admin = Files.readString(again.resolve(ComposeSecrets.client(ComposeSecrets.ADMIN)));
        assertThat(ComposeSecrets.write(again, USERS)).as("generated again").isFalse();
        assertThat(Files.readAllBytes(again.resolve(ComposeSecrets.CA))).isEqualTo(ca);
        assertThat(properties(again.resolve(ComposeSecrets.client(ComposeSecrets.ADMIN))).getProperty("sasl.jaas.config"))
                .isEqualTo(parse(admin).getProperty("sasl.jaas.config"));
        assertThatThrownBy(() -> ComposeSecrets.write(again, List.of("detector", "auditor")))
                .isInstanceOf(IOException.class).hasMessageContaining("were made for the users");
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static Properties properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return p;
    }

    private static Properties parse(String text) throws IOException {
        Properties p = new Properties();
        p.load(new java.io.StringReader(text));
        return p;
    }
}
