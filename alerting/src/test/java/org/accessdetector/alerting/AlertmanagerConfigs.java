package org.accessdetector.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * The project's alertmanager.yml as the tests run it: every webhook URL pointed at a recording endpoint (same paths),
 * and group_wait/group_interval 1 s so that notifications come within seconds. Routes, receivers, grouping,
 * inhibitions and send_resolved stay as they are.
 */
final class AlertmanagerConfigs {

    private AlertmanagerConfigs() {}

    /** Writes the test copy to {@code dir/alertmanager.yml} and returns it. */
    static Path withWebhooksAt(FakeHttpEndpoint webhooks, Path dir) throws IOException {
        ObjectNode config = (ObjectNode) ConfigFiles.yaml(ModulePaths.alertmanagerConfig());
        for (JsonNode receiver : config.path("receivers")) {
            for (JsonNode webhook : receiver.path("webhook_configs")) {
                URI original = URI.create(webhook.path("url").asText());
                ((ObjectNode) webhook).put("url", "http://" + webhooks.hostPort() + original.getPath());
            }
        }
        shortenTimers((ObjectNode) config.path("route"));
        Path copy = dir.resolve("alertmanager.yml");
        ConfigFiles.YAML.writeValue(copy.toFile(), config);
        return copy;
    }

    private static void shortenTimers(ObjectNode route) {
        if (route.has("group_wait")) {
            route.put("group_wait", "1s");
        }
        if (route.has("group_interval")) {
            route.put("group_interval", "1s");
        }
        for (JsonNode child : route.path("routes")) {
            shortenTimers((ObjectNode) child);
        }
    }
}
