package org.accessdetector.alerting;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real Prometheus tools the tests run: promtool, amtool, prometheus and alertmanager, found on the PATH.
 * Missing tools skip the tests that need them, unless {@code ACCESSDETECTOR_REQUIRE_TOOLS=true} (CI), where they fail.
 */
final class Tools {

    static final String REQUIRE_ENV = "ACCESSDETECTOR_REQUIRE_TOOLS";
    static final String INSTALL_HINT = "install them with `apt-get install -y prometheus prometheus-alertmanager` "
            + "(Debian/Ubuntu: promtool, prometheus, amtool, prometheus-alertmanager), or put the upstream release "
            + "binaries on the PATH";

    private Tools() {}

    /** The first of these executables found on the PATH, or a skipped (or, with the env var, failed) test. */
    static Path require(String... names) {
        for (String name : names) {
            Optional<Path> found = find(name);
            if (found.isPresent()) {
                return found.get();
            }
        }
        String message = "none of " + String.join(", ", names) + " is on the PATH: " + INSTALL_HINT;
        if ("true".equalsIgnoreCase(System.getenv(REQUIRE_ENV))) {
            fail(message + " (" + REQUIRE_ENV + "=true, so this fails instead of skipping)");
        }
        assumeTrue(false, message);
        throw new AssertionError("unreachable");
    }

    static Path promtool() {
        return require("promtool");
    }

    static Path amtool() {
        return require("amtool");
    }

    static Path prometheus() {
        return require("prometheus");
    }

    /** Debian names the server prometheus-alertmanager; upstream releases call it alertmanager. */
    static Path alertmanager() {
        return require("prometheus-alertmanager", "alertmanager");
    }

    static Optional<Path> find(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** What a finished command printed, and how it exited. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {

        /** For assertion messages: the command and everything it printed. */
        String describe() {
            return "$ " + String.join(" ", command) + "\nexit code: " + exitCode + "\n--- stdout ---\n" + stdout
                    + "\n--- stderr ---\n" + stderr;
        }
    }

    /** Runs a command to completion (killing it after the timeout) in the given directory. */
    static Result run(Path workDir, Duration timeout, Path executable, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile("tool-", ".out");
        Path err = Files.createTempFile("tool-", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("timed out after " + timeout + ": " + String.join(" ", command) + "\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
