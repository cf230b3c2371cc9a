package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.accessdetector.kafka.AccessModel;
import org.apache.kafka.common.acl.AclBinding;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code detector topics create}: creates the detector's topics or updates their settings; {@code topics grant}:
 * the least-privilege ACLs of {@link AccessModel}.
 */
@Command(name = "topics", mixinStandardHelpOptions = true, description = "Manages the detector's Kafka topics.",
        subcommands = {TopicsCommand.Create.class, TopicsCommand.Grant.class})
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
            try (TopicAdmin admin = new TopicAdmin(KafkaConnection.from(conf))) {
                for (TopicAdmin.Outcome o : admin.createOrUpdate(topics)) {
                    spec.commandLine().getOut().printf("%-8s %-24s %s%n", o.created() ? "created" : "updated",
                            o.topic(), o.configs());
                }
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true,
            description = "Grants each part of the system its least-privilege ACLs on the topics (detector, simulator, "
                    + "agreements, router, responder); run as a principal allowed to alter ACLs. Safe to run again.")
    static final class Grant implements Callable<Integer> {

        @Mixin
        Settings.WithKafka settings;

        @Option(names = "--principal", paramLabel = "ROLE=PRINCIPAL",
                description = "The Kafka principal of a role (default User:<role>), e.g. detector=User:CN=flink.")
        Map<String, String> principals = new LinkedHashMap<>();

        @Option(names = "--router-group", defaultValue = "alert-router",
                description = "The alert router's consumer group (default: ${DEFAULT-VALUE}).")
        String routerGroup;

        @Option(names = "--router-dead-letter-topic", defaultValue = "alert-router-dead-letters",
                description = "The alert router's dead-letter topic (default: ${DEFAULT-VALUE}).")
        String routerDeadLetters;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Configuration conf = settings.configuration();
            AccessModel model;
            try {
                model = model(conf, principals, new AccessModel.RouterSettings(routerGroup, routerDeadLetters));
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return DetectorCli.USAGE_ERROR;
            }
            try (TopicAdmin admin = new TopicAdmin(KafkaConnection.from(conf))) {
                print(spec.commandLine().getOut(), admin.grant(model));
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    static AccessModel model(Configuration conf, Map<String, String> principals, AccessModel.RouterSettings router) {
        Map<AccessModel.Role, String> byRole = new EnumMap<>(AccessModel.Role.class);
        principals.forEach((role, principal) -> {
            try {
                byRole.put(AccessModel.Role.valueOf(role.toUpperCase(java.util.Locale.ROOT)), principal);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown role '" + role + "' (roles: "
                        + java.util.Arrays.toString(AccessModel.Role.values()).toLowerCase(java.util.Locale.ROOT) + ")");
            }
        });
        return new AccessModel(Topics.from(conf), conf.get(LiveOptions.GROUP_ID), router, byRole);
    }

    static void print(java.io.PrintWriter out, List<AclBinding> acls) {
        for (AclBinding b : acls) {
            out.printf("allow %-18s %-16s %-8s %s%s%n", b.entry().principal(), b.entry().operation(),
                    b.pattern().resourceType(), b.pattern().name(),
                    b.pattern().patternType() == org.apache.kafka.common.resource.PatternType.PREFIXED ? "*" : "");
        }
    }
}
