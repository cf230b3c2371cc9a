package org.accessdetector.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** Typed settings given on the command line as {@code -c KEY=VALUE}, for every command that takes them. */
class Settings {

    @Option(names = {"-c", "--config"}, paramLabel = "KEY=VALUE",
            description = "A setting, e.g. detector.alert.quiet-period=10min or topics.calls.name=calls (repeatable).")
    Map<String, String> settings = new LinkedHashMap<>();

    /** The settings as a Flink configuration; invalid values surface when the typed options are read. */
    Configuration configuration() {
        return Configuration.fromMap(settings);
    }

    /** The detector's settings among them, or null once it has printed to {@code cli}'s error stream why not. */
    org.accessdetector.config.DetectorConfig detectorConfig(picocli.CommandLine cli) {
        try {
            return org.accessdetector.config.DetectorConfig.from(configuration());
        } catch (IllegalArgumentException e) {
            cli.getErr().println("error: " + e.getMessage());
            return null;
        }
    }

    /** Settings of the commands that talk to Kafka: the brokers too. */
    static final class WithKafka extends Settings {

        @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
                description = "Kafka brokers (default: localhost:9092).")
        String bootstrapServers;

        @Option(names = "--client-config", paramLabel = "FILE",
                description = "Kafka client properties (security.protocol, sasl.*, ssl.*, ...) for every Kafka "
                        + "client of the command, as kafka.* settings; a -c kafka.* setting wins over the file.")
        java.nio.file.Path clientConfig;

        @Override
        Configuration configuration() {
            Configuration conf = super.configuration();
            if (bootstrapServers != null) {
                conf.set(LiveOptions.BOOTSTRAP_SERVERS, bootstrapServers);
            }
            if (clientConfig != null) {
                try {
                    org.accessdetector.kafka.KafkaConnection.addClientConfig(conf, clientConfig);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("cannot read --client-config " + clientConfig + ": " + e, e);
                }
            }
            return conf;
        }
    }
}
