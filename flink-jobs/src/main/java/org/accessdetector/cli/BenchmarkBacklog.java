package org.accessdetector.cli;

import java.time.Duration;
import org.accessdetector.simulate.SimulationSettings;
import picocli.CommandLine.Option;

/** The simulated history of the throughput and replay benchmarks: how many calls, spread at which rate. */
final class BenchmarkBacklog {

    @Option(names = "--calls", defaultValue = "1000000", description = "Calls to simulate (default: ${DEFAULT-VALUE}).")
    long calls;

    @Option(names = "--simulated-rate", defaultValue = "2000",
            description = "The traffic's own rate in calls/s, which spreads the calls' event times "
                    + "(default: ${DEFAULT-VALUE}); it is all sent or written at once.")
    double simulatedRate;

    boolean valid() {
        return calls > 0 && simulatedRate > 0;
    }

    /** A simulation of {@link #calls} calls at its own rate, ending now: a backlog from the recent past. */
    SimulationSettings settings(BenchmarkTraffic traffic) {
        Duration span = Duration.ofMillis(Math.max(1, Math.round(calls / simulatedRate * 1000)));
        return SimulateCommand.builder(simulatedRate, null, traffic.seed, traffic.breachFraction, 150, traffic.users)
                .startTime(System.currentTimeMillis() - span.toMillis())
                .duration(span)
                .build();
    }
}
