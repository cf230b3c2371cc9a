package org.accessdetector.cli;

import picocli.CommandLine.Option;

/** The simulated traffic of both benchmarks: who breaks rules, how many users, which seed. */
final class BenchmarkTraffic {

    @Option(names = "--breach-fraction", defaultValue = "0.05",
            description = "Share of calls that break a rule, i.e. the violations timed (default: ${DEFAULT-VALUE}).")
    double breachFraction;

    @Option(names = "--users", defaultValue = "2000000",
            description = "Simulated users (default: ${DEFAULT-VALUE}); the detector keeps each consenting user's "
                    + "consent in force, so its memory grows with the users seen.")
    int users;

    @Option(names = "--seed", defaultValue = "1", description = "Simulation seed (default: ${DEFAULT-VALUE}).")
    long seed;
}
