package org.accessdetector.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** Options shared by the commands that talk to Kafka: the brokers and any typed setting as KEY=VALUE. */
final class Settings {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka brokers (default: localhost:9092).")
    String bootstrapServers;

    @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE",
            description = "A setting, e.g. topics.calls.name=calls or detector.alert.quiet-period=10min (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    /** The settings as a Flink configuration; invalid values surface when the typed options are read. */
    Configuration configuration() {
        Configuration conf = Configuration.fromMap(settings);
        if (bootstrapServers != null) {
            conf.set(LiveOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        }
        return conf;
    }
}
