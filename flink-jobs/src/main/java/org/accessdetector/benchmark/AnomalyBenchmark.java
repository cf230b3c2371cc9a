package org.accessdetector.benchmark;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.output.TextTable;
import org.accessdetector.replay.ReplayJob;
import org.accessdetector.replay.ReplayLine;
import org.accessdetector.replay.ReplaySummary;
import org.accessdetector.schema.Violation;
import org.accessdetector.simulate.AnomalySimulation;
import org.accessdetector.simulate.InjectedAnomaly;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Detection quality of the behavioural-anomaly rules: writes an {@link AnomalySimulation} history, replays it
 * through the detection graph, and scores the violations replay wrote against the injected stories
 * ({@link AnomalyScore}).
 */
public final class AnomalyBenchmark {

    /** What was generated, what replay made of it, and the score. */
    public record Result(AnomalySimulation.Settings settings, AnomalySimulation.Written input, long generateMillis,
            ReplaySummary replay, AnomalyScore.Result score) {}

    private final AnomalySimulation.Settings settings;
    private final DetectorConfig config;
    private final PrintStream log;

    public AnomalyBenchmark(AnomalySimulation.Settings settings, DetectorConfig config, PrintStream log) {
        this.settings = settings;
        this.config = config;
        this.log = log;
    }

    /** Writes the history to {@code dir}/input, replay's output to {@code dir}/out, and scores it. */
    public Result run(StreamExecutionEnvironment env, Path dir) throws Exception {
        long started = System.currentTimeMillis();
        AnomalySimulation simulation = new AnomalySimulation(settings);
        log.printf("Generating %d days of %d partners (seed %d)...%n", settings.days(), settings.partners(),
                settings.seed());
        AnomalySimulation.Written input = simulation.write(dir.resolve("input"));
        long generated = System.currentTimeMillis() - started;
        log.printf("Wrote %d calls, %d consents, %d agreements and %d injected stories in %.1f s; replaying...%n",
                input.callCount(), input.consentCount(), input.agreementCount(), input.anomalyCount(),
                generated / 1000.0);
        Path out = dir.resolve("out");
        ReplaySummary replay = new ReplayJob(config)
                .run(env, new ReplayJob.Request(input.agreements(), input.consents(), input.calls(), out));
        List<Violation> records = AnomalyScore.read(out.resolve(ReplayLine.VIOLATIONS));
        return new Result(settings, input, generated, replay, AnomalyScore.score(simulation.anomalies(), records));
    }

    public static void print(Result r, PrintStream stream) {
        PrintWriter out = new PrintWriter(stream, true);
        AnomalySimulation.Settings s = r.settings();
        out.printf("Anomaly benchmark: %d days from %s, %d partners, seed %d%n", s.days(),
                Instant.ofEpochMilli(s.startTime()), s.partners(), s.seed());
        List<String[]> rows = new ArrayList<>();
        for (AnomalyScore.RuleScore rule : r.score().rules()) {
            rows.add(new String[] {rule.rule().name(), String.valueOf(rule.injected()), String.valueOf(rule.detected()),
                String.valueOf(rule.violations()), ratio(rule.precision()), ratio(rule.recall()),
                delay(rule.medianDelayMillis()), delay(rule.maxDelayMillis())});
        }
        TextTable.printTable(out, List.of("rule", "injected", "detected", "violations", "precision", "recall",
                "median delay", "max delay"), rows);
        out.printf("Calls: %d (%d consents, %d agreements); generated in %.1f s, replayed in %.1f s%n",
                r.input().callCount(), r.input().consentCount(), r.input().agreementCount(),
                r.generateMillis() / 1000.0, r.replay().elapsedMillis() / 1000.0);
        out.printf("Not scored: %d shadow violations (keys warming up, or rules in shadow mode), %d retracted%n",
                r.score().shadow(),
                r.score().retracted());
        if (!r.score().otherRules().isEmpty()) {
            out.println("warning: the history breaks no agreement, yet these rules raised violations: "
                    + r.score().otherRules());
        }
        r.score().missed().stream().limit(10).forEach(a -> out.println("  missed: " + describe(a)));
        r.score().falsePositives().stream().limit(10).forEach(v -> out.println("  false positive: " + describe(v)));
        out.flush();
    }

    static String ratio(double x) {
        return Double.isNaN(x) ? "-" : String.format("%.2f", x);
    }

    /** An event-time delay for people: seconds under two minutes, else minutes. */
    static String delay(Long millis) {
        if (millis == null) {
            return "-";
        }
        return millis < 120_000 ? String.format("%d s", Math.round(millis / 1000.0))
                : String.format("%.1f min", millis / 60_000.0);
    }

    private static String describe(InjectedAnomaly a) {
        return a.story() + " " + a.partnerId()
                + (a.resource() != null ? " " + a.resource() + "/" + a.action() : "")
                + (a.tokenId() != null ? " token " + a.tokenId() : "")
                + (a.sourceNetwork() != null ? " from " + a.sourceNetwork() : "")
                + " " + Instant.ofEpochMilli(a.start()) + " to " + Instant.ofEpochMilli(a.end());
    }

    /** A violation in a line, without user ids. */
    private static String describe(Violation v) {
        Long at = AnomalyScore.violationTime(v);
        return v.getRule() + " " + v.getPartnerId() + " " + v.getResource() + "/" + v.getAction()
                + (v.getTokenId() != null ? " token " + v.getTokenId() : "")
                + (v.getSourceNetwork() != null ? " from " + v.getSourceNetwork() : "")
                + " at " + (at == null ? "?" : Instant.ofEpochMilli(at))
                + (v.getObservedRecords() != null ? " observed " + v.getObservedRecords() : "")
                + (v.getThreshold() != null ? " threshold " + v.getThreshold() : "");
    }
}
