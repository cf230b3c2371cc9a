package org.accessdetector.benchmark;

import org.accessdetector.kafka.KafkaConnection;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.accessdetector.demo.TrafficDriver;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveJob;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.simulate.Simulator;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Detection latency at a steady rate: the live job reads simulated traffic from Kafka while a consumer times
 * each per-call violation from its call's append to Kafka until it can be read. The first {@code warmUp} of traffic is
 * not measured (JIT compilation, first checkpoints).
 */
public final class LatencyBenchmark {

    /** Periods the measured traffic is cut into to see whether latency climbs (a growing backlog). */
    public static final Duration PERIOD = Duration.ofSeconds(10);
    /**
     * The detector kept up if the p99 of the last period stays under this, plus, with exactly-once sinks, the
     * checkpoint interval: their output waits up to one interval for its commit by design.
     */
    public static final Duration KEPT_UP_P99 = Duration.ofSeconds(1);
    private static final Duration QUIET_AFTER_TRAFFIC = Duration.ofSeconds(5);
    private static final Duration MAX_DRAIN = Duration.ofSeconds(60);

    private Duration keptUpBelow() {
        boolean committedAtCheckpoints = conf.get(LiveOptions.DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE;
        return committedAtCheckpoints
                ? KEPT_UP_P99.plus(conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).orElse(Duration.ZERO))
                : KEPT_UP_P99;
    }

    /** What a run measured; latencies in milliseconds, -1 where there was no sample. */
    public record Result(double requestedRate, Duration measured, long callsSent, double callsPerSecond,
            long violationsRead, int timed, long p50, long p90, long p99, long p999, long max,
            List<Long> p99ByPeriod, Map<ViolationRule, LatencySamples> byRule, long notAppendTimed, long retracted,
            Duration keptUpBelow) {

        /**
         * Every call was sent on time and latency did not grow: the last period's p99 is under the bound, or has
         * levelled off. A backlog makes latency climb for as long as traffic lasts; a fixed cost such as commits
         * that wait for slow checkpoints (a large state) raises it once and it then stays flat.
         */
        public boolean keptUp() {
            return timed > 0 && lastP99() >= 0 && callsPerSecond >= 0.95 * requestedRate
                    && (underBound() || levelled());
        }

        /** The last period's p99 is under {@link #keptUpBelow}. */
        public boolean underBound() {
            return lastP99() >= 0 && lastP99() < keptUpBelow.toMillis();
        }

        /**
         * The p99 of the last period is at most 20 % (and 500 ms) above that of the period halfway through the
         * measurement: latency stopped climbing. Needs at least four periods.
         */
        public boolean levelled() {
            if (p99ByPeriod.size() < 4) {
                return false;
            }
            long middle = p99ByPeriod.get(p99ByPeriod.size() / 2);
            return middle >= 0 && lastP99() >= 0 && lastP99() <= middle * 1.2 + 500;
        }

        public long lastP99() {
            return p99ByPeriod.isEmpty() ? -1 : p99ByPeriod.get(p99ByPeriod.size() - 1);
        }
    }

    private final Configuration conf;
    private final SimulationSettings.Builder simulation;
    private final double rate;
    private final Duration warmUp;
    private final Duration measured;
    private final PrintStream log;

    /**
     * @param conf the live job's configuration, with the brokers
     * @param simulation the traffic, at {@code rate} calls per second, starting now; its duration is set here
     */
    public LatencyBenchmark(Configuration conf, SimulationSettings.Builder simulation, double rate, Duration warmUp,
            Duration measured, PrintStream log) {
        this.conf = conf;
        this.simulation = simulation;
        this.rate = rate;
        this.warmUp = warmUp;
        this.measured = measured;
        this.log = log;
    }

    public Result run() throws Exception {
        KafkaConnection bootstrap = KafkaConnection.from(conf);
        Topics topics = Topics.from(conf);
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.createOrUpdate(topics); // log-append time on calls and violations is what makes the timing
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.configure(conf);
        new LiveJob(conf).build(env);
        JobClient job = env.executeAsync("access-detector benchmark");
        try {
            LiveJob.awaitRunning(job);
            Thread.sleep(3_000); // past the start-up hold-back (the control topics' backlog sources), not to time it
            // Late revocations would be timed from long-past calls: they measure the simulation, not the detector.
            SimulationSettings sim = simulation.revocationsPerHour(0)
                    .startTime(System.currentTimeMillis())
                    .duration(warmUp.plus(measured))
                    .build();
            long start = sim.startTime();
            long from = start + warmUp.toMillis();
            long until = from + measured.toMillis();
            try (TrafficDriver traffic = new TrafficDriver(new Simulator(sim), topics, bootstrap, null, log);
                    ViolationLatencyReader reader = new ViolationLatencyReader(bootstrap, topics.violations(),
                            from, until)) {
                traffic.publishAgreements();
                Thread readerThread = new Thread(reader, "benchmark-violations");
                readerThread.setDaemon(true);
                readerThread.start();
                log.printf("Warming up for %s, then measuring for %s...%n", human(warmUp), human(measured));
                CallCounter counted = new CallCounter(traffic);
                counted.run(from, until);
                // The last calls' violations are still on their way: wait until none has come for a while.
                long trafficEnd = System.currentTimeMillis();
                long drainUntil = trafficEnd + MAX_DRAIN.toMillis();
                while (System.currentTimeMillis() - Math.max(trafficEnd, reader.lastRecordAt())
                                < QUIET_AFTER_TRAFFIC.toMillis()
                        && System.currentTimeMillis() < drainUntil) {
                    Thread.sleep(200);
                }
                reader.close();
                readerThread.join(5_000);
                int periods = (int) Math.max(1, measured.toMillis() / PERIOD.toMillis());
                LatencySamples samples = reader.all();
                return new Result(rate, measured, counted.callsInWindow(),
                        counted.callsInWindow() / (measured.toMillis() / 1000.0), reader.violationsRead(),
                        samples.size(), samples.percentile(50), samples.percentile(90), samples.percentile(99),
                        samples.percentile(99.9), samples.max(),
                        samples.percentileByPeriod(99, from, PERIOD.toMillis(), periods), reader.byRule(),
                        reader.notAppendTimed(), reader.retracted(), keptUpBelow());
            }
        } finally {
            job.cancel().get();
        }
    }

    /** Runs the traffic in this thread and counts the calls it sent while the measurement ran. */
    private static final class CallCounter {
        private final TrafficDriver traffic;
        private long callsInWindow;

        CallCounter(TrafficDriver traffic) {
            this.traffic = traffic;
        }

        void run(long from, long until) throws InterruptedException {
            Thread sender = new Thread(traffic, "benchmark-traffic");
            sender.setDaemon(true);
            sender.start();
            sleepUntil(from);
            long atFrom = traffic.callsSent();
            sleepUntil(until);
            callsInWindow = traffic.callsSent() - atFrom;
            traffic.stop(); // the simulation's stragglers (late redeliveries) would only prolong the run
            sender.join();
        }

        long callsInWindow() {
            return callsInWindow;
        }

        private static void sleepUntil(long t) throws InterruptedException {
            long wait = t - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait);
            }
        }
    }

    public static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
