package org.accessdetector.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The Debian packages' tools the tests run for real (Prometheus, Alertmanager, Chromium), each its package's name. */
public final class Tools {

    private Tools() {}

    /** A tool on the PATH; CI requires it (ACCESSDETECTOR_REQUIRE_TOOLS), elsewhere its absence skips the test. */
    public static Path tool(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        if ("true".equals(System.getenv("ACCESSDETECTOR_REQUIRE_TOOLS"))) {
            throw new AssertionError(name + " is required: apt-get install -y " + name);
        }
        assumeTrue(false, name + " is not installed (apt-get install -y " + name + ")");
        return null;
    }
}
