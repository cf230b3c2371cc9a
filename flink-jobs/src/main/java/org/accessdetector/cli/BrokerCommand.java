package org.accessdetector.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
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

        @Override
        public Integer call() throws Exception {
            LocalKafkaBroker broker = LocalKafkaBroker.builder().port(port).dataDir(dataDir).build().start();
            System.out.println("Kafka broker ready at " + broker.bootstrapServers() + " (data in " + dataDir
                    + "; log " + broker.logFile() + "). Ctrl-C stops it.");
            broker.awaitExit(); // Ctrl-C: the broker's shutdown hook stops it; `broker stop` from elsewhere
            return 0;
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
