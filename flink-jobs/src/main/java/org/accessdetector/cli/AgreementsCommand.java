package org.accessdetector.cli;

import org.accessdetector.kafka.KafkaConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import org.accessdetector.agreements.AgreementsFileException;
import org.accessdetector.agreements.AgreementsYaml;
import org.accessdetector.kafka.TopicReader;
import org.accessdetector.kafka.TopicWriter;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.schema.PartnerAgreement;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code detector agreements}: puts partner agreements from the YAML file on their topic, or revokes one. */
@Command(name = "agreements", mixinStandardHelpOptions = true,
        description = "Publishes partner agreements (agreements/partners.yaml) and revocations.",
        subcommands = {AgreementsCommand.Publish.class, AgreementsCommand.Revoke.class})
final class AgreementsCommand implements Runnable {

    static final Path DEFAULT_FILE = Path.of("agreements", "partners.yaml");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = "Checks the YAML file and publishes every agreement version in it (republishing a "
                    + "version replaces it, so this is safe to repeat).")
    static final class Publish implements Callable<Integer> {

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "Default: agreements/partners.yaml.")
        Path file = DEFAULT_FILE;

        @Mixin
        Settings.WithKafka settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(file)) {
                spec.commandLine().getErr().println("error: agreements file not found: " + file);
                return DetectorCli.USAGE_ERROR;
            }
            List<PartnerAgreement> versions;
            try {
                versions = AgreementsYaml.read(file);
            } catch (AgreementsFileException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return DetectorCli.USAGE_ERROR;
            }
            Configuration conf = settings.configuration();
            Topics topics = Topics.from(conf);
            try (TopicWriter writer = new TopicWriter(KafkaConnection.from(conf))) {
                writer.sendAll(topics.agreements(), versions);
            }
            long partners = versions.stream().map(PartnerAgreement::getPartnerId).distinct().count();
            spec.commandLine().getOut().printf("Published %d agreement versions of %d partners to %s%n",
                    versions.size(), partners, topics.agreements().name());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Publishes a revocation of a partner's agreement: a new, higher version with status "
                    + "REVOKED from the given instant.")
    static final class Revoke implements Callable<Integer> {

        @Option(names = "--partner", required = true, paramLabel = "PARTNER", description = "The partner id.")
        String partner;

        @Option(names = "--at", paramLabel = "TIME",
                description = "When the revocation takes effect, ISO-8601 with an offset (default: now). "
                        + "A time in the past flags the partner's calls since then.")
        String at;

        @Mixin
        Settings.WithKafka settings;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            long when;
            try {
                when = at == null ? System.currentTimeMillis() : OffsetDateTime.parse(at).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                spec.commandLine().getErr().println("error: --at must be ISO-8601 with an offset, e.g. "
                        + "2018-12-18T10:00:00Z; got '" + at + "'");
                return DetectorCli.USAGE_ERROR;
            }
            Configuration conf = settings.configuration();
            Topics topics = Topics.from(conf);
            KafkaConnection bootstrap = KafkaConnection.from(conf);
            // The topic is the truth: it holds every published version (compacted by partner and version).
            List<PartnerAgreement> known = TopicReader.readAll(bootstrap, topics.agreements());
            PartnerAgreement revocation;
            try {
                revocation = AgreementsYaml.revocation(known, partner, when);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return DetectorCli.USAGE_ERROR;
            }
            try (TopicWriter writer = new TopicWriter(bootstrap)) {
                writer.sendAll(topics.agreements(), List.of(revocation));
            }
            spec.commandLine().getOut().printf("Revoked %s from %s (version %d)%n", partner,
                    Instant.ofEpochMilli(when), revocation.getVersion());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
