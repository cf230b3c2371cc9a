package org.accessdetector.kafka.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker (KRaft, combined broker and controller) running as a separate JVM started from
 * Kafka's own artifacts: the storage is formatted first, then {@code kafka.Kafka} runs with a generated
 * {@code server.properties}. Its classpath was resolved by Maven when this module was built and is kept
 * apart from the caller's, whose Kafka client may be another version.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static final String CLASSPATH_RESOURCE = "broker-classpath.txt";
    static final String READY_LINE = "Kafka Server started";

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final String heap;
    private final Duration startupTimeout;
    private final Map<String, String> extraProperties;
    private final String classpath;
    private final java.util.Set<String> secureUsers;
    private BrokerSecurity security;
    private Process process;
    private Thread shutdownHook;

    private LocalKafkaBroker(Builder b) {
        this.dataDir = b.dataDir.toAbsolutePath();
        this.port = b.port == 0 ? freePort() : b.port;
        this.controllerPort = b.controllerPort == 0 ? freePort() : b.controllerPort;
        this.heap = b.heap;
        this.startupTimeout = b.startupTimeout;
        this.extraProperties = new LinkedHashMap<>(b.extraProperties);
        this.classpath = b.classpath != null ? b.classpath : bundledClasspath();
        this.secureUsers = b.secureUsers == null ? null : java.util.Set.copyOf(b.secureUsers);
    }

    /** The super user of a secure broker: the broker's own principal, and the one that creates topics and ACLs. */
    public static final String ADMIN = BrokerSecurity.ADMIN;

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a local broker. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private String heap = "512m";
        private Duration startupTimeout = Duration.ofSeconds(60);
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private String classpath;
        private java.util.Collection<String> secureUsers;

        /**
         * SASL_SSL with SCRAM-SHA-512 users and ACLs instead of PLAINTEXT: the broker gets its own CA and
         * certificate, the given users (and {@link #ADMIN}) random passwords, and each user a client properties
         * file ({@link #clientConfig}); every request is authorized, and what no ACL allows is refused.
         */
        public Builder secure(java.util.Collection<String> users) {
            this.secureUsers = users;
            return this;
        }

        /** The broker's port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        /** Where the broker keeps its logs and data; default a new temporary folder. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        public Builder heap(String heap) {
            this.heap = heap;
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        public Builder property(String key, String value) {
            extraProperties.put(key, value);
            return this;
        }

        /** The broker's classpath; default the one recorded when this module was built. */
        public Builder classpath(String classpath) {
            this.classpath = classpath;
            return this;
        }

        public LocalKafkaBroker build() {
            if (dataDir == null) {
                try {
                    dataDir = Files.createTempDirectory("kafka-local-");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new LocalKafkaBroker(this);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Whether clients must authenticate (SASL_SSL, SCRAM) and be authorized (ACLs). */
    public boolean secure() {
        return secureUsers != null;
    }

    /** The Kafka client properties of a user of a secure broker (started): security protocol, login, CA. */
    public Path clientConfig(String user) {
        if (security == null) {
            throw new IllegalStateException("the broker is not secure, or not started");
        }
        return security.clientConfig(user);
    }

    /** The users of a secure broker (started), {@link #ADMIN} among them. */
    public java.util.Set<String> users() {
        return security == null ? java.util.Set.of() : security.users();
    }

    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** Formats the storage if needed, starts the broker and waits until it serves clients. */
    public synchronized LocalKafkaBroker start() throws IOException, InterruptedException {
        if (process != null) {
            return this;
        }
        Files.createDirectories(dataDir);
        stopStale();
        Path logs = dataDir.resolve("kraft-logs");
        boolean formatted = Files.exists(logs.resolve("meta.properties"));
        if (secure() != BrokerSecurity.isSecure(dataDir) && (formatted || BrokerSecurity.isSecure(dataDir))) {
            throw new IOException("the broker in " + dataDir + " was set up " + (secure() ? "without" : "with")
                    + " security (--secure); start it as it was, or with another data folder");
        }
        if (secure()) {
            security = BrokerSecurity.prepare(dataDir, secureUsers);
        }
        Path config = writeConfig();
        if (!formatted) {
            List<String> format = new ArrayList<>(List.of("format", "--config", config.toString(),
                    "--cluster-id", clusterId(), "--standalone", "--ignore-formatted"));
            if (security != null) {
                format.addAll(security.formatArguments());
            }
            Process formatting = java("kafka.tools.StorageTool", format.toArray(String[]::new))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                    .start();
            if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
                formatting.destroyForcibly();
                throw new IOException("formatting Kafka storage failed; see " + logFile());
            }
        }
        // The log is appended to across restarts: only what this start writes can say it is ready.
        long logFrom = Files.exists(logFile()) ? Files.size(logFile()) : 0;
        process = java("kafka.Kafka", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .start();
        Files.writeString(pidFile(), Long.toString(process.pid()));
        shutdownHook = new Thread(this::stopQuietly, "stop-local-kafka");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        awaitReady(logFrom);
        return this;
    }

    private void awaitReady(long logFrom) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kafka broker exited with status " + process.exitValue() + "; see " + logFile());
            }
            if (accepts(port) && logSince(logFrom).contains(READY_LINE)) {
                return;
            }
            Thread.sleep(200);
        }
        stop();
        throw new IOException("Kafka broker not ready within " + startupTimeout + "; see " + logFile());
    }

    private String logSince(long offset) throws IOException {
        byte[] all = Files.readAllBytes(logFile());
        return new String(all, (int) Math.min(offset, all.length), all.length - (int) Math.min(offset, all.length),
                StandardCharsets.UTF_8);
    }

    /**
     * Kills the broker at once (SIGKILL, as a crash or the kernel's OOM killer would), by its handle, and waits until
     * it is gone; {@link #start()} brings it back on the same data folder and ports, recovering its logs.
     */
    public synchronized void kill() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        process = null;
        forget();
    }

    /** Stops the broker (SIGTERM, then a forced kill after 30 s) and waits until it is gone. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
        forget();
    }

    private void forget() {
        try {
            Files.deleteIfExists(pidFile());
            if (shutdownHook != null) {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
                shutdownHook = null;
            }
        } catch (IOException | IllegalStateException e) {
            // shutting down anyway
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            // the JVM is exiting
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Blocks until the broker process ends (stopped by this object, by `broker stop`, or by a crash). */
    public void awaitExit() throws InterruptedException {
        Process p = process;
        if (p != null) {
            p.waitFor();
        }
    }

    public Optional<Long> pid() {
        Process p = process;
        return p == null ? Optional.empty() : Optional.of(p.pid());
    }

    /** A broker left running by an earlier run on the same data folder is stopped first. */
    private void stopStale() throws IOException {
        stopRunning(dataDir);
    }

    /**
     * Stops the broker a pid file in {@code dataDir} names, if it is still running (e.g. started by another
     * command that was killed). Returns whether one was stopped.
     */
    public static boolean stopRunning(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("broker.pid");
        if (!Files.exists(pidFile)) {
            return false;
        }
        boolean stopped = false;
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Optional<ProcessHandle> stale = ProcessHandle.of(pid);
            if (stale.isPresent() && isKafkaBroker(stale.get())) {
                stale.get().destroy();
                try {
                    stale.get().onExit().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    stale.get().destroyForcibly();
                }
                stopped = true;
            }
        } catch (NumberFormatException e) {
            // not ours
        }
        Files.deleteIfExists(pidFile);
        return stopped;
    }

    /** Whether a process is a Kafka broker (pids are reused, so never kill what the pid file merely names). */
    private static boolean isKafkaBroker(ProcessHandle p) {
        ProcessHandle.Info info = p.info();
        if (info.arguments().map(a -> java.util.Arrays.asList(a).contains("kafka.Kafka")).orElse(false)) {
            return true;
        }
        try {
            // Some platforms hide other processes' arguments from ProcessHandle; Linux shows them in /proc.
            Path cmdline = Path.of("/proc", Long.toString(p.pid()), "cmdline");
            return Files.exists(cmdline) && Files.readString(cmdline, StandardCharsets.ISO_8859_1).contains("kafka.Kafka");
        } catch (IOException e) {
            return false;
        }
    }

    Path pidFile() {
        return dataDir.resolve("broker.pid");
    }

    private String clusterId() throws IOException {
        Path idFile = dataDir.resolve("cluster.id");
        if (!Files.exists(idFile)) {
            // Kafka cluster ids are 16 bytes, base64url without padding, never starting with '-' (which the
            // storage tool would read as an option), as Kafka's own Uuid.randomUuid() ensures.
            String id;
            do {
                UUID u = UUID.randomUUID();
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16);
                b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
                id = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
            } while (id.startsWith("-"));
            Files.writeString(idFile, id);
        }
        return Files.readString(idFile).trim();
    }

    private Path writeConfig() throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.bootstrap.servers", "127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.resolve("kraft-logs").toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        if (security != null) {
            p.putAll(security.serverProperties(port, controllerPort));
        }
        p.putAll(extraProperties);
        StringBuilder text = new StringBuilder("# Generated by LocalKafkaBroker\n");
        p.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path file = dataDir.resolve("server.properties");
        Files.deleteIfExists(file);
        // A secure broker's settings hold the admin password and the keystore's: readable by the owner only.
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text);
        return file;
    }

    private ProcessBuilder java(String mainClass, String... args) throws IOException {
        Path log4j = dataDir.resolve("log4j2.properties");
        Files.writeString(log4j, String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.out.ref = out",
                "appender.out.name = out",
                "appender.out.type = Console",
                "appender.out.layout.type = PatternLayout",
                "appender.out.layout.pattern = [%d] %p %m (%c)%n",
                "logger.kafka.name = kafka",
                "logger.kafka.level = INFO",
                "logger.apache.name = org.apache.kafka",
                "logger.apache.level = WARN",
                ""));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-Xms64m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dlog4j2.configurationFile=" + log4j);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).directory(dataDir.toFile());
    }

    /** The classpath of Kafka's broker and tools, recorded when this module was built. */
    public static String bundledClasspath() {
        try (InputStream in = LocalKafkaBroker.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing: build the kafka-local module");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        return org.accessdetector.testing.Ports.free();
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
