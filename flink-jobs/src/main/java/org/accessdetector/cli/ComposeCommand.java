package org.accessdetector.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.accessdetector.kafka.AccessModel;
import org.accessdetector.kafka.local.ComposeSecrets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code detector compose secrets}: what {@code docker-compose.yml}'s SASL_SSL broker and its clients need, made on
 * the host before {@code docker compose up}. Launcher only: no type of the local broker's module in a signature
 * (see {@link BrokerCommand#grant}).
 */
@Command(name = "compose", mixinStandardHelpOptions = true,
        description = "Prepares the docker-compose deployment.", subcommands = {ComposeCommand.Secrets.class})
final class ComposeCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "secrets", mixinStandardHelpOptions = true,
            description = "Generates, once, the Kafka broker's CA and certificate (for the hosts kafka and localhost), "
                    + "a SCRAM-SHA-512 user with a random password per part of the system (detector, simulator, "
                    + "agreements, router, responder, and admin) and a client file each, as the compose file's "
                    + "secrets. Run again, it keeps them.")
    static final class Secrets implements Callable<Integer> {

        @Option(names = "--dir", paramLabel = "DIR",
                description = "Where docker-compose.yml takes its secrets from (default: .local/compose/secrets).")
        Path dir; // default resolved in call(): this class must load where the local broker's module is absent

        @Override
        public Integer call() throws Exception {
            Path dir = this.dir != null ? this.dir : ComposeSecrets.DEFAULT_DIR;
            boolean generated = ComposeSecrets.write(dir,
                    Arrays.stream(AccessModel.Role.values()).map(r -> r.user).toList());
            System.out.println((generated ? "Generated" : "Kept") + " the Kafka secrets in " + dir
                    + " (CA, broker certificate, SCRAM users, a client file per user).");
            System.out.println("From this host (localhost:19092), a client file per user: " + dir.resolve("host")
                    + "/<user>.properties, for --client-config.");
            return 0;
        }
    }
}
