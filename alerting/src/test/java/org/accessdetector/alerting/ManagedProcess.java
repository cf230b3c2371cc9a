package org.accessdetector.alerting;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server process the test started (Prometheus, Alertmanager), with its output in a log file. Closing it stops it
 * (SIGTERM, then SIGKILL after 10 s); a JVM shutdown hook does the same if the test JVM exits first.
 */
final class ManagedProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;
    private final Thread shutdownHook;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.shutdownHook = new Thread(process::destroyForcibly, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    static ManagedProcess start(String name, Path workDir, Path log, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new ManagedProcess(name, process, log);
    }

    /** Waits until GET {@code url} answers 200; fails with the process log if it exits or the time runs out. */
    void awaitReady(URI url, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready:\n" + log());
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError(name + " was not ready at " + url + " within " + timeout + ":\n" + log());
    }

    /** Kills the process at once (SIGKILL, as a crash would) and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process printed so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    /** A loopback port nothing listens on right now. */
    static int freePort() {
        return org.accessdetector.testing.Ports.free();
    }
}
