package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.accessdetector.agreements.AgreementsYaml;
import org.accessdetector.demo.AlertPrinter;
import org.accessdetector.demo.ObservabilityStack;
import org.accessdetector.demo.TrafficDriver;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicWriter;
import org.accessdetector.kafka.Topics;
import org.accessdetector.kafka.local.LocalKafkaBroker;
import org.accessdetector.live.LiveJob;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.simulate.Simulator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code detector demo}: the whole system on one machine. A local Kafka broker, the topics, the bundled
 * agreements, simulated traffic, and the detector on an embedded Flink MiniCluster with its web UI; each
 * alert is printed as it fires. Ctrl-C stops everything it started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs the whole system locally and prints each alert as it fires. Ctrl-C stops it all.",
            "Starts a Kafka broker on --kafka-port, creates the topics, publishes agreements/partners.yaml, "
                + "simulates partner traffic and runs the detector with the Flink web UI on --web-port."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--rate", defaultValue = "50", description = "Simulated calls per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--seed", defaultValue = "1", description = "Simulation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--kafka-port", defaultValue = "9092", description = "Kafka port (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--web-port", defaultValue = "8081", description = "Flink web UI port (default: ${DEFAULT-VALUE}).")
    int webPort;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Local data (default: .local/demo).")
    Path dataDir = Path.of(".local", "demo");

    @CommandLine.Mixin
    Settings settings;

    @Override
    public Integer call() throws Exception {
        System.out.println("Starting a local Kafka broker...");
        LocalKafkaBroker broker = LocalKafkaBroker.builder().port(kafkaPort).dataDir(dataDir.resolve("kafka"))
                .build().start();
        String bootstrap = broker.bootstrapServers();
        // A demo always starts fresh (it never resumes, unlike run): its old checkpoints would only fill the disk.
        // Cleared once the broker holds the port, so never under another demo still running.
        FileUtils.deleteDirectory(dataDir.resolve("checkpoints").toFile());
        Configuration conf = RunCommand.withLocalParallelism(RunCommand.withLocalCheckpoints(
                RunCommand.withLiveDefaults(settings.configuration()), dataDir.resolve("checkpoints")));
        conf.set(LiveOptions.BOOTSTRAP_SERVERS, bootstrap);
        conf.set(RestOptions.PORT, webPort);
        Topics topics = Topics.from(conf);
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.createOrUpdate(topics);
        }
        Path agreements = AgreementsCommand.DEFAULT_FILE;
        if (Files.isRegularFile(agreements)) {
            try (TopicWriter writer = new TopicWriter(bootstrap)) {
                writer.sendAll(topics.agreements(), AgreementsYaml.read(agreements));
            }
        }

        TrafficDriver traffic = new TrafficDriver(
                new Simulator(SimulateCommand.settings(rate, null, seed, 0.02, 150, 2_000_000)),
                topics, KafkaConnection.plain(bootstrap), null, System.err);
        AlertPrinter printer = new AlertPrinter(KafkaConnection.plain(bootstrap), topics.alerts(), System.out);
        ObservabilityStack observability = ObservabilityStack.start(Path.of("."), dataDir, bootstrap,
                RunCommand.DEFAULT_METRICS_PORT);
        // The broker only as a Runnable here: a lambda taking it would put its class in a method of this command,
        // which picocli reads even where the job jar runs without the launcher's tools (JobJarOnAFlinkClasspathITCase).
        Runnable stopBroker = broker::stop;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the demo...");
            traffic.close();
            printer.close();
            observability.close();
            stopBroker.run();
        }, "stop-demo"));
        daemon(printer, "alert-printer").start();
        traffic.publishAgreements(); // on the topic before the detector starts reading it

        System.out.printf("Kafka:         %s (topics %s, %s, ...)%n", bootstrap, topics.calls().name(),
                topics.alerts().name());
        System.out.printf("Flink web UI:  http://localhost:%d (metrics on :%d/metrics)%n", webPort,
                RunCommand.DEFAULT_METRICS_PORT);
        observability.urls().forEach(System.out::println);
        System.out.printf("Simulating %.0f calls/s from %d partners. Alerts appear below as they fire; Ctrl-C stops.%n",
                rate, 150);
        System.out.println("time     severity partner                rule              resource/action            count");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        new LiveJob(conf).build(env);
        JobClient job = env.executeAsync("access-detector demo");
        // Traffic starts once the detector runs, so the first alerts on screen are about live calls.
        LiveJob.awaitRunning(job);
        Thread.sleep(3_000);
        daemon(traffic, "simulator").start();
        job.getJobExecutionResult().get();
        return 0;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
