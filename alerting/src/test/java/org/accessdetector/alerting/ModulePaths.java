package org.accessdetector.alerting;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the configuration under test lives: the alerting module and the repository root around it. */
final class ModulePaths {

    private ModulePaths() {}

    /** The alerting module's directory (Maven passes it as {@code alerting.dir}; else found from the working dir). */
    static Path alertingDir() {
        String configured = System.getProperty("alerting.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path cwd = Path.of("").toAbsolutePath();
        for (Path candidate : new Path[] {cwd, cwd.resolve("alerting")}) {
            if (Files.isDirectory(candidate.resolve("prometheus")) && Files.isRegularFile(candidate.resolve("pom.xml"))) {
                return candidate.normalize();
            }
        }
        throw new IllegalStateException("cannot find the alerting module from " + cwd + "; set -Dalerting.dir");
    }

    static Path repoRoot() {
        return alertingDir().getParent();
    }

    static Path prometheusConfig() {
        return alertingDir().resolve("prometheus/prometheus.yml");
    }

    static Path rulesDir() {
        return alertingDir().resolve("prometheus/rules");
    }

    static Path ruleTestsDir() {
        return alertingDir().resolve("prometheus/tests");
    }

    static Path alertmanagerConfig() {
        return alertingDir().resolve("alertmanager/alertmanager.yml");
    }

    static Path dashboardsDir() {
        return alertingDir().resolve("grafana/dashboards");
    }

    static Path grafanaProvisioningDir() {
        return alertingDir().resolve("grafana/provisioning");
    }

    static Path composeFile() {
        return repoRoot().resolve("docker-compose.yml");
    }
}
