package org.accessdetector.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.accessdetector.kafka.AccessModel;
import org.accessdetector.kafka.KafkaConnection;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.local.LocalKafkaBroker;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code detector broker}: a real local Kafka broker (KRaft) for trying the detector on one machine. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs a local Kafka broker (KRaft, a separate JVM from Kafka's own artifacts).",
        subcommands = {BrokerCommand.Start.class, BrokerCommand.Stop.class})
final class BrokerCommand implements Runnable {

    static final Path DEFAULT_DATA_DIR = Path.of(".local", "kafka");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
            description = "Starts the broker and keeps it running until Ctrl-C, which stops it.")
    static final class Start implements Callable<Integer> {

        @Option(names = "--port", defaultValue = "9092", description = "Broker port (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Broker data (default: .local/kafka).")
        Path dataDir = DEFAULT_DATA_DIR;

        @Option(names = "--secure", description = "SASL_SSL (SCRAM-SHA-512) with ACLs: a user per part of the system "
                + "with least privilege on the topics (topic names and group as -c says), and a client properties "
                + "file each under DIR/secure/clients for --client-config.")
        boolean secure;

        @picocli.CommandLine.Mixin
        Settings settings;

        @Override
        public Integer call() throws Exception {
            LocalKafkaBroker.Builder builder = LocalKafkaBroker.builder().port(port).dataDir(dataDir);
            if (secure) {
                builder.secure(java.util.Arrays.stream(AccessModel.Role.values()).map(r -> r.user).toList());
            }
            LocalKafkaBroker broker = builder.build().start();
            if (secure) {
                grant(broker.bootstrapServers(), broker::clientConfig, settings.configuration());
            }
            System.out.println("Kafka broker ready at " + broker.bootstrapServers() + (secure ? " (SASL_SSL)" : "")
                    + " (data in " + dataDir + "; log " + broker.logFile() + "). Ctrl-C stops it.");
            broker.awaitExit(); // Ctrl-C: the broker's shutdown hook stops it; `broker stop` from elsewhere
            return 0;
        }
    }

    /**
     * Grants every role its ACLs on the secure broker, as its super user, and says where each client file is. No
     * launcher-only type in a signature (picocli reads every command's methods): the job jar's command line must
     * load on a Flink classpath, where the local broker is absent.
     */
    static void grant(String bootstrapServers, java.util.function.Function<String, java.nio.file.Path> clientConfig,
            org.apache.flink.configuration.Configuration conf) throws Exception {
        org.apache.flink.configuration.Configuration admin = conf.clone();
        admin.set(org.accessdetector.live.LiveOptions.BOOTSTRAP_SERVERS, bootstrapServers);
        KafkaConnection.addClientConfig(admin, clientConfig.apply(LocalKafkaBroker.ADMIN));
        AccessModel model = TopicsCommand.model(conf, java.util.Map.of(), AccessModel.RouterSettings.DEFAULTS);
        try (TopicAdmin topics = new TopicAdmin(KafkaConnection.from(admin))) {
            topics.grant(model);
        }
        System.out.println("Client settings (use with --client-config FILE):");
        System.out.printf("  %-10s %s (super user: topics create, topics grant)%n", LocalKafkaBroker.ADMIN,
                clientConfig.apply(LocalKafkaBroker.ADMIN));
        for (AccessModel.Role r : AccessModel.Role.values()) {
            System.out.printf("  %-10s %s%n", r.user, clientConfig.apply(r.user));
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
            description = "Stops a broker that `broker start` left running on the data folder.")
    static final class Stop implements Callable<Integer> {

        @Option(names = "--data-dir", paramLabel = "DIR", description = "Broker data (default: .local/kafka).")
        Path dataDir = DEFAULT_DATA_DIR;

        @Override
        public Integer call() throws Exception {
            System.out.println(LocalKafkaBroker.stopRunning(dataDir) ? "Stopped the broker." : "No broker was running.");
            return 0;
        }
    }
}
