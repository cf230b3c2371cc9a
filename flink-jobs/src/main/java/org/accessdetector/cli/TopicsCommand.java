package org.accessdetector.cli;

import java.util.concurrent.Callable;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code detector topics create}: creates the detector's topics or updates their settings. */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "Manages the detector's Kafka topics.",
        subcommands = {TopicsCommand.Create.class})
final class TopicsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Creates the topics, or sets the configured retention and cleanup on existing ones. "
                    + "Safe to run again.")
    static final class Create implements Callable<Integer> {

        @Mixin
        Settings.WithKafka settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Configuration conf = settings.configuration();
            Topics topics;
            try {
                topics = Topics.from(conf);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return DetectorCli.USAGE_ERROR;
            }
            try (TopicAdmin admin = new TopicAdmin(conf.get(LiveOptions.BOOTSTRAP_SERVERS))) {
                for (TopicAdmin.Outcome o : admin.createOrUpdate(topics)) {
                    spec.commandLine().getOut().printf("%-8s %-24s %s%n", o.created() ? "created" : "updated",
                            o.topic(), o.configs());
                }
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
