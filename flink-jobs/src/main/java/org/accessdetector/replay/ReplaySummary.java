package org.accessdetector.replay;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.accessdetector.schema.ViolationRule;

/** What a replay read and found, for the summary it prints. */
public record ReplaySummary(
        Map<String, Long> recordsRead,
        Map<String, Long> rejectedByFile,
        Map<ViolationRule, Long> violationsByRule,
        long alerts,
        long alertsFiringAtEnd,
        Path outDir,
        long elapsedMillis) {

    public long violations() {
        return violationsByRule.values().stream().mapToLong(Long::longValue).sum();
    }

    public long rejected() {
        return rejectedByFile.values().stream().mapToLong(Long::longValue).sum();
    }

    public void print(PrintStream out) {
        out.printf("Replay finished in %.1f s%n", elapsedMillis / 1000.0);
        out.println("Records read:");
        recordsRead.forEach((file, n) -> out.printf("  %-40s %8d  (%d rejected)%n",
                file, n, rejectedByFile.getOrDefault(file, 0L)));
        out.printf("Violations: %d%n", violations());
        new TreeMap<>(violationsByRule).forEach((rule, n) -> out.printf("  %-20s %8d%n", rule, n));
        out.printf("Alerts: %d (%d still firing at the end of the input)%n", alerts, alertsFiringAtEnd);
        out.printf("Rejected lines: %d%n", rejected());
        out.printf("Wrote %s, %s and %s in %s%n",
                ReplayLine.VIOLATIONS, ReplayLine.ALERTS, ReplayLine.REJECTED, outDir);
    }
}
