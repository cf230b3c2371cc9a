package org.accessdetector.flink.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.accessdetector.testing.Await;
import org.accessdetector.testing.Ports;

/**
 * A Flink session cluster on this machine: a JobManager and TaskManagers, each a separate JVM started from Flink's
 * own entry points (as its {@code jobmanager.sh} and {@code taskmanager.sh} start them, memory sized by Flink's
 * {@code BashJavaUtils}) on the Flink artifacts this module was built with. Everything listens on 127.0.0.1, on
 * free ports; configuration, logs, checkpoints and savepoints live under one folder. Jobs are submitted through
 * the REST API ({@link #rest()}), as {@code flink run} submits them. Processes are stopped by their handles only.
 *
 * <pre>{@code
 * try (LocalFlinkCluster cluster = LocalFlinkCluster.builder().taskManagers(2).build().start()) {
 *     String jar = cluster.rest().uploadJar(jobJar);
 *     String job = cluster.rest().run(jar, FlinkRest.Run.entryClass("org.example.Main").args("--x", "1"));
 * }
 * }</pre>
 */
public final class LocalFlinkCluster implements AutoCloseable {

    static final String CLASSPATH_RESOURCE = "cluster-classpath.txt";
    private static final String JOB_MANAGER = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TASK_MANAGER = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final String BASH_JAVA_UTILS = "org.apache.flink.runtime.util.bash.BashJavaUtils";
    private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final String LOOPBACK = "127.0.0.1";

    /** What Flink's distribution opens for Java 17 (its config.yaml's env.java.default-opts.all). */
    static final List<String> JAVA_OPENS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private final Path dir;
    /** Whether {@link #dir} is a temporary folder of this object's own, deleted on {@link #close()}. */
    private final boolean ownDir;
    private final int initialTaskManagers;
    private final Map<String, String> config;
    private final List<String> jvmOptions;
    private final Duration startupTimeout;
    private final int restPort;
    private final String classpath;
    private final Map<String, Process> taskManagers = new LinkedHashMap<>();
    private Process jobManager;
    private int taskManagersStarted;
    private FlinkRest rest;
    private Thread shutdownHook;

    private LocalFlinkCluster(Builder b) throws IOException {
        this.ownDir = b.dir == null;
        this.dir = (ownDir ? Files.createTempDirectory("flink-local-") : b.dir).toAbsolutePath(); // processes run in it
        this.initialTaskManagers = b.taskManagers;
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.startupTimeout = b.startupTimeout;
        this.restPort = Ports.free();
        this.classpath = flinkClasspath();
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", LOOPBACK);
        c.put("jobmanager.rpc.port", Integer.toString(Ports.free()));
        c.put("jobmanager.bind-host", LOOPBACK);
        c.put("rest.address", LOOPBACK);
        c.put("rest.bind-address", LOOPBACK);
        c.put("rest.port", Integer.toString(restPort));
        c.put("taskmanager.host", LOOPBACK);
        c.put("taskmanager.bind-host", LOOPBACK);
        c.put("taskmanager.numberOfTaskSlots", Integer.toString(b.slotsPerTaskManager));
        c.put("jobmanager.memory.process.size", "768m");
        c.put("taskmanager.memory.process.size", "1024m");
        c.put("parallelism.default", Integer.toString(b.taskManagers * b.slotsPerTaskManager));
        c.put("execution.checkpointing.dir", checkpoints().toUri().toString());
        c.put("execution.checkpointing.savepoint-dir", savepoints().toUri().toString());
        c.put("web.upload.dir", dir.resolve("uploads").toString());
        c.put("io.tmp.dirs", dir.resolve("tmp").toString());
        c.putAll(b.config);
        this.config = Map.copyOf(c);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private Path dir;
        private int taskManagers = 2;
        private int slotsPerTaskManager = 1;
        private final Map<String, String> config = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private Duration startupTimeout = Duration.ofMinutes(3);

        /**
         * The cluster's folder (configuration, logs, checkpoints, savepoints), kept; by default a new temporary one,
         * deleted on close.
         */
        public Builder dir(Path dir) {
            this.dir = dir;
            return this;
        }

        /** TaskManagers started with the cluster (default 2). */
        public Builder taskManagers(int n) {
            this.taskManagers = n;
            return this;
        }

        /** Task slots of each TaskManager (default 1: a job of parallelism 2 then runs on two processes). */
        public Builder slotsPerTaskManager(int n) {
            this.slotsPerTaskManager = n;
            return this;
        }

        /** A Flink setting of every process (config.yaml), over this class's defaults. */
        public Builder set(String key, String value) {
            config.put(key, value);
            return this;
        }

        /** A JVM option of every process, e.g. a system property the job needs. */
        public Builder jvmOption(String option) {
            jvmOptions.add(option);
            return this;
        }

        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        public LocalFlinkCluster build() throws IOException {
            return new LocalFlinkCluster(this);
        }
    }

    /** Starts the JobManager and the TaskManagers; returns once every TaskManager has registered. */
    public synchronized LocalFlinkCluster start() throws Exception {
        for (String sub : List.of("conf", "log", "uploads", "tmp")) {
            Files.createDirectories(dir.resolve(sub));
        }
        Files.createDirectories(checkpoints());
        Files.createDirectories(savepoints());
        writeConfig();
        shutdownHook = new Thread(this::stopQuietly, "stop-local-flink");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        rest = new FlinkRest("http://" + LOOPBACK + ":" + restPort);
        jobManager = launch("jobmanager", JOB_MANAGER, "GET_JM_RESOURCE_PARAMS", List.of("--executionMode", "cluster"));
        Await.until("the JobManager's REST API at " + rest.url() + " (log: " + log("jobmanager") + ")",
                startupTimeout, () -> {
                    requireAlive("jobmanager", jobManager);
                    return rest.answers();
                });
        for (int i = 0; i < initialTaskManagers; i++) {
            startTaskManager();
        }
        awaitTaskManagers(initialTaskManagers);
        return this;
    }

    /** Starts one more TaskManager (e.g. to replace a killed one) and returns its name; it registers soon after. */
    public synchronized String startTaskManager() throws IOException {
        String name = "taskmanager-" + (++taskManagersStarted);
        taskManagers.put(name, launch(name, TASK_MANAGER, "GET_TM_RESOURCE_PARAMS",
                List.of("-D", "taskmanager.resource-id=" + name)));
        return name;
    }

    /** Waits until {@code n} TaskManagers are registered with the JobManager. */
    public void awaitTaskManagers(int n) throws Exception {
        Await.until(n + " TaskManagers registered (logs under " + dir.resolve("log") + ")", startupTimeout, () -> {
            requireAlive("jobmanager", jobManager);
            return rest.overview().path("taskmanagers").asInt();
        }, registered -> registered == n);
    }

    /** Kills a TaskManager at once (SIGKILL, as a crash or the kernel's OOM killer would) and waits until it is gone. */
    public synchronized void killTaskManager(String name) throws InterruptedException {
        Process p = taskManagers.remove(name);
        if (p == null) {
            throw new IllegalArgumentException("no running TaskManager " + name + "; running: " + taskManagers.keySet());
        }
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** The TaskManagers this object started that still run, by name, with their pids. */
    public synchronized Map<String, Long> taskManagers() {
        Map<String, Long> out = new LinkedHashMap<>();
        taskManagers.forEach((name, p) -> {
            if (p.isAlive()) {
                out.put(name, p.pid());
            }
        });
        return out;
    }

    public Optional<Long> jobManagerPid() {
        Process p = jobManager;
        return p == null ? Optional.empty() : Optional.of(p.pid());
    }

    public FlinkRest rest() {
        return rest;
    }

    public Path dir() {
        return dir;
    }

    /** Where checkpoints go (execution.checkpointing.dir): {@code <dir>/checkpoints/<job id>/chk-<n>}. */
    public Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    /** Where savepoints go by default (execution.checkpointing.savepoint-dir). */
    public Path savepoints() {
        return dir.resolve("savepoints");
    }

    /** The log file of a process: {@code jobmanager} or a TaskManager's name. */
    public Path log(String process) {
        return dir.resolve("log").resolve(process + ".log");
    }

    /** Stops the TaskManagers, then the JobManager (SIGTERM, then SIGKILL after 30 s), by their handles. */
    public synchronized void stop() {
        for (Process p : taskManagers.values()) {
            stop(p);
        }
        taskManagers.clear();
        if (jobManager != null) {
            stop(jobManager);
            jobManager = null;
        }
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            shutdownHook = null;
        }
    }

    /** Stops the cluster and deletes its folder if it is a temporary one of its own. */
    @Override
    public void close() {
        stop();
        if (ownDir) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary folder left behind
            }
        }
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException e) {
            // the JVM is exiting
        }
    }

    private void requireAlive(String name, Process p) throws IOException {
        if (!p.isAlive()) {
            throw new IOException("the " + name + " exited with status " + p.exitValue() + "; see " + log(name)
                    + " and " + dir.resolve("log").resolve(name + ".out"));
        }
    }

    /**
     * Starts {@code mainClass} with the JVM options and the memory settings Flink's BashJavaUtils works out from
     * the configuration ({@code resources}: GET_JM_RESOURCE_PARAMS or GET_TM_RESOURCE_PARAMS), as Flink's scripts do.
     */
    private Process launch(String name, String mainClass, String resources, List<String> extraArgs) throws IOException {
        List<String> params = resourceParams(resources);
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(split(params.get(0)));
        cmd.add("-Dlog.file=" + log(name));
        cmd.add("-Dlog4j.configurationFile=" + dir.resolve("conf").resolve("log4j.properties"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.add("--configDir");
        cmd.add(dir.resolve("conf").toString());
        cmd.addAll(split(params.get(1)));
        cmd.addAll(extraArgs);
        Path out = dir.resolve("log").resolve(name + ".out");
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile())).start();
    }

    /** The two results of a BashJavaUtils command: JVM parameters, then dynamic configuration (-D key=value ...). */
    private List<String> resourceParams(String command) throws IOException {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("-Xmx128m", "-cp", classpath, BASH_JAVA_UTILS, command, "--configDir",
                dir.resolve("conf").toString()));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("Flink's BashJavaUtils " + command + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        List<String> results = output.lines().filter(l -> l.startsWith(RESULT_PREFIX))
                .map(l -> l.substring(RESULT_PREFIX.length()).trim()).toList();
        if (results.size() != 2) {
            throw new IOException("unexpected output of Flink's BashJavaUtils " + command + ":\n" + output);
        }
        return results;
    }

    private List<String> java() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JAVA_OPENS);
        cmd.addAll(jvmOptions);
        return cmd;
    }

    private static List<String> split(String params) {
        return params.isBlank() ? List.of() : List.of(params.trim().split("\\s+"));
    }

    private void writeConfig() throws IOException {
        StringBuilder yaml = new StringBuilder("# Written by LocalFlinkCluster\n");
        config.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> yaml.append(e.getKey())
                .append(": \"").append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n"));
        Files.writeString(dir.resolve("conf").resolve("config.yaml"), yaml);
        Files.writeString(dir.resolve("conf").resolve("log4j.properties"), String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = file",
                "appender.file.name = file",
                "appender.file.type = File",
                "appender.file.fileName = ${sys:log.file}",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                ""));
    }

    /** The classpath of the cluster's processes: Flink's artifacts (as a distribution's lib/ holds them), log4j. */
    public static String flinkClasspath() {
        try (InputStream in = LocalFlinkCluster.class.getResourceAsStream(CLASSPATH_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(CLASSPATH_RESOURCE + " is missing: build the flink-local module");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
