package org.accessdetector.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./detector} command line: one subcommand per task. */
@Command(
        name = "detector",
        mixinStandardHelpOptions = true,
        version = "access-detector 0.1.0",
        description = "Detects partner API access beyond agreements, after revocation, or without user consent.",
        subcommands = {DemoCommand.class, ReplayCommand.class, RunCommand.class, TopicsCommand.class, AgreementsCommand.class,
            SimulateCommand.class, ViolationsCommand.class, EvidenceCommand.class, SqlCommand.class, HuntCommand.class, GrantsCommand.class, BrokerCommand.class, ComposeCommand.class, BenchmarkCommand.class,
            CommandLine.HelpCommand.class})
public final class DetectorCli implements Runnable {

    /** Exit status for a bad flag or a missing input file. */
    public static final int USAGE_ERROR = 2;

    /** Exit status when Kafka refuses the command's principal (authentication or ACLs). */
    public static final int REFUSED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        return withErrorHandling(new CommandLine(new DetectorCli()));
    }

    /** How every command reports a bad flag (usage error) and a Kafka refusal (one line, exit status 3). */
    static CommandLine withErrorHandling(CommandLine cli) {
        cli.setParameterExceptionHandler((e, a) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("error: " + e.getMessage() + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            err.flush();
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof org.apache.kafka.common.errors.AuthorizationException
                        || t instanceof org.apache.kafka.common.errors.AuthenticationException) {
                    // A refusal is the broker doing its job, not a crash: one line, saying what to check.
                    PrintWriter err = commandLine.getErr();
                    err.println("error: Kafka refused '" + commandLine.getCommandSpec().qualifiedName() + "': "
                            + t.getMessage() + " (check --client-config, and the principal's ACLs: see "
                            + "'./detector topics grant --help')");
                    err.flush();
                    return REFUSED;
                }
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
