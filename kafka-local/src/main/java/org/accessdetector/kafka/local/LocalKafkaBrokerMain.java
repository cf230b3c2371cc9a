package org.accessdetector.kafka.local;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code start [--port 9092] [--controller-port N] [--data-dir DIR]}: runs a local broker in the
 * foreground until interrupted (Ctrl-C or SIGTERM), then stops it.
 */
public final class LocalKafkaBrokerMain {

    /** Parsed arguments. */
    record Args(int port, int controllerPort, Path dataDir) {}

    public static void main(String[] argv) throws Exception {
        Args args;
        try {
            args = parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        LocalKafkaBroker broker = LocalKafkaBroker.builder()
                .port(args.port()).controllerPort(args.controllerPort()).dataDir(args.dataDir()).build();
        broker.start();
        System.out.println("Kafka broker ready at " + broker.bootstrapServers() + " (data in " + broker.dataDir() + ")");
        new CountDownLatch(1).await(); // the shutdown hook stops the broker
    }

    static Args parse(String[] argv) {
        if (argv.length == 0 || !argv[0].equals("start")) {
            throw new IllegalArgumentException("usage: start [--port 9092] [--controller-port N] [--data-dir DIR]");
        }
        int port = 9092;
        int controllerPort = 0;
        Path dataDir = Path.of(".local", "kafka");
        for (int i = 1; i < argv.length; i++) {
            String flag = argv[i];
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String value = argv[++i];
            switch (flag) {
                case "--port" -> port = port(flag, value);
                case "--controller-port" -> controllerPort = port(flag, value);
                case "--data-dir" -> dataDir = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        return new Args(port, controllerPort, dataDir);
    }

    private static int port(String flag, String value) {
        try {
            int p = Integer.parseInt(value);
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a port number, got '" + value + "'");
        }
    }

    private LocalKafkaBrokerMain() {}
}
