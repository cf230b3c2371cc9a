package org.accessdetector.benchmark;

import org.accessdetector.kafka.KafkaConnection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.accessdetector.avro.DecodeException;
import org.accessdetector.demo.TrafficDriver;
import org.accessdetector.kafka.TopicAdmin;
import org.accessdetector.kafka.TopicOptions;
import org.accessdetector.kafka.Topics;
import org.accessdetector.live.LiveJob;
import org.accessdetector.live.LiveOptions;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.simulate.SimulationSettings;
import org.accessdetector.simulate.Simulator;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Backlog throughput: fills the topics with a whole simulation at once (as after an outage), then, in the same
 * run, measures (a) the baseline, a plain single-threaded consumer reading and decoding every call, and (b) the
 * live detector catching the backlog up from a cold start with each state backend asked for, timed from the
 * job running to the last violation written (the broker's append time of the last record the complete output
 * needed), and, for the record, to the last violation readable (with exactly-once sinks: committed, up to a
 * checkpoint interval later). A detector run counts as complete when the violations in force on its topic are
 * exactly those of the simulator's ground truth.
 */
public final class ThroughputBenchmark {

    /**
     * How long a detector run may go without a new violation before it is given up as incomplete, at least: with
     * exactly-once sinks nothing is readable before a checkpoint commits, so a longer checkpoint interval waits
     * three intervals ({@link #stall}).
     */
    public static final Duration STALL = Duration.ofSeconds(60);

    /** The stall allowance for a run with this configuration: {@link #STALL}, or three checkpoint intervals. */
    static Duration stall(Configuration run) {
        Duration interval = run.getOptional(org.apache.flink.configuration.CheckpointingOptions.CHECKPOINTING_INTERVAL)
                .orElse(Duration.ZERO);
        Duration three = interval.multipliedBy(3);
        return three.compareTo(STALL) > 0 ? three : STALL;
    }

    /** The baseline: a plain consumer's read and decode of every call. */
    public record Raw(long calls, Duration elapsed) {
        public double callsPerSecond() {
            return perSecond(calls, elapsed);
        }
    }

    /** One detector run over the backlog. */
    public record Detector(String stateBackend, String jobId, long calls, Duration elapsed, Duration readable,
            long violationsInForce, long expectedViolations, long peakResidentBytes, List<String> missing,
            List<String> extra) {
        public double callsPerSecond() {
            return perSecond(calls, elapsed);
        }

        /** Exactly the ground truth's violations in force: none missing, none extra. */
        public boolean complete() {
            return missing.isEmpty() && extra.isEmpty();
        }
    }

    public record Result(TrafficDriver.Backlog backlog, Raw raw, List<Detector> detector) {}

    private final Configuration conf;
    private final SimulationSettings simulation;
    private final List<String> stateBackends;
    private final PrintStream log;

    /**
     * @param conf the live job's configuration, with the brokers
     * @param simulation the backlog's traffic (it should end before now)
     * @param stateBackends the state backends to measure the detector with, e.g. hashmap and rocksdb
     */
    public ThroughputBenchmark(Configuration conf, SimulationSettings simulation, List<String> stateBackends,
            PrintStream log) {
        this.conf = conf;
        this.simulation = simulation;
        this.stateBackends = List.copyOf(stateBackends);
        this.log = log;
    }

    public Result run() throws Exception {
        KafkaConnection bootstrap = KafkaConnection.from(conf);
        Topics topics = Topics.from(conf);
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.createOrUpdate(topics);
        }
        log.println("Filling the topics with the backlog...");
        TrafficDriver.Backlog backlog;
        try (TrafficDriver traffic = new TrafficDriver(new Simulator(simulation), topics, bootstrap, null, log)) {
            backlog = traffic.sendBacklog();
        }
        log.printf("Backlog: %d calls, %d consent events, %d agreement versions; %d violations in the ground "
                + "truth%n", backlog.calls(), backlog.consents(), backlog.agreements(), backlog.expectedViolations());

        Raw raw = readAndDecode(bootstrap, topics.calls());
        log.printf("Raw consume+decode: %.0f calls/s%n", raw.callsPerSecond());

        List<Detector> runs = new ArrayList<>();
        for (String backend : stateBackends) {
            Detector d = catchUp(backend, backlog);
            log.printf("Detector (%s): %.0f calls/s, %s%n", backend, d.callsPerSecond(),
                    d.complete() ? "complete" : "INCOMPLETE");
            runs.add(d);
        }
        return new Result(backlog, raw, runs);
    }

    /** Reads every call from the start of its topic with one consumer and decodes it, as fast as it can. */
    static Raw readAndDecode(KafkaConnection bootstrap, Topics.Topic<PartnerApiCall> calls) throws DecodeException {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(calls.name())) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long total = 0;
            for (TopicPartition tp : partitions) {
                total += end.get(tp) - consumer.position(tp);
            }
            long read = 0;
            long checksum = 0;
            long start = System.nanoTime();
            while (read < total) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    checksum += calls.codec().decode(r.value()).getRecordCount(); // used, so not optimised away
                    read++;
                }
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (checksum < 0) {
                throw new IllegalStateException("negative record counts");
            }
            return new Raw(read, elapsed);
        }
    }

    /**
     * Runs the detector with its own consumer group and output topics from a cold start over the backlog, and
     * waits until its violations in force match the ground truth's count, or nothing new comes for {@link #STALL}.
     */
    private Detector catchUp(String backend, TrafficDriver.Backlog backlog) throws Exception {
        Configuration run = new Configuration(conf);
        String suffix = "-throughput-" + backend;
        run.set(LiveOptions.GROUP_ID, conf.get(LiveOptions.GROUP_ID) + suffix);
        for (var output : List.of(TopicOptions.VIOLATIONS, TopicOptions.ALERTS, TopicOptions.DEAD_LETTERS)) {
            run.set(output, conf.get(output) + suffix);
        }
        run.set(StateBackendOptions.STATE_BACKEND, backend);
        Topics topics = Topics.from(run);
        KafkaConnection bootstrap = KafkaConnection.from(run);
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.createOrUpdate(topics);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(run);
        env.configure(run);
        new LiveJob(run).build(env);
        log.printf("Detector (%s): catching up...%n", backend);
        JobClient job = env.executeAsync("access-detector throughput " + backend);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrap)) {
            LiveJob.awaitRunning(job);
            long started = System.currentTimeMillis();
            consumer.subscribe(List.of(topics.violations().name()));
            Map<String, Boolean> inForce = new HashMap<>();
            long inForceCount = 0;
            long lastAppended = started;
            long lastReadable = started;
            long lastNews = System.currentTimeMillis();
            long stall = stall(run).toMillis();
            Map<String, Violation> last = new HashMap<>();
            while (!(inForceCount == backlog.expectedViolations() && inForce.entrySet().stream()
                            .filter(Map.Entry::getValue).allMatch(e -> backlog.expectedViolationIds().contains(e.getKey())))
                    && System.currentTimeMillis() - lastNews < stall) {
                var records = consumer.poll(Duration.ofMillis(200));
                long readAt = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    Violation v = topics.violations().codec().decode(r.value());
                    if (Violations.isAnomaly(v.getRule())) {
                        continue; // not in the simulator's ground truth; scored by `benchmark anomalies`
                    }
                    boolean now = Violations.inForce(v);
                    Boolean before = inForce.put(v.getViolationId(), now);
                    last.put(v.getViolationId(), v);
                    inForceCount += (now ? 1 : 0) - (Boolean.TRUE.equals(before) ? 1 : 0);
                    // The broker's append time (the topic is LogAppendTime): when the detector wrote it. Exactly-once
                    // output becomes readable only when its checkpoint commits, which is timed too.
                    lastAppended = Math.max(lastAppended, r.timestamp());
                    lastReadable = Math.max(lastReadable, Math.max(r.timestamp(), readAt));
                    lastNews = System.currentTimeMillis();
                }
            }
            // Which violations differ, by id, with what the detector said of them (the first few of each).
            List<String> missing = backlog.expectedViolationIds().stream()
                    .filter(id -> !Boolean.TRUE.equals(inForce.get(id))).sorted().toList();
            List<String> extra = inForce.entrySet().stream()
                    .filter(e -> e.getValue() && !backlog.expectedViolationIds().contains(e.getKey()))
                    .map(e -> describe(last.get(e.getKey()))).sorted().toList();
            List<String> missingDescribed = missing.stream()
                    .map(id -> last.containsKey(id) ? describe(last.get(id)) + " (retracted)" : id).toList();
            return new Detector(backend, job.getJobID().toHexString(), backlog.calls(),
                    Duration.ofMillis(Math.max(1, lastAppended - started)),
                    Duration.ofMillis(Math.max(1, lastReadable - started)), inForceCount,
                    backlog.expectedViolations(), peakResidentBytes(), missingDescribed, extra);
        } finally {
            job.cancel().get();
        }
    }

    /** A violation in a line, for the benchmark's report: no user id. */
    static String describe(Violation v) {
        return v.getViolationId() + " " + v.getRule() + " " + v.getPartnerId() + " " + v.getResource() + "/"
                + v.getAction() + " call " + v.getCallId() + " at " + java.time.Instant.ofEpochMilli(
                        Violations.occurredAt(v)) + ": " + v.getReason()
                + (v.getRetractionReason() == null ? "" : " [" + v.getRetractionReason() + "]");
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaConnection bootstrap) {
        Properties p = bootstrap.properties();
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "throughput-benchmark-" + System.nanoTime());
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The most this JVM has held resident so far (Linux's VmHWM), or -1 where it cannot be read. */
    static long peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }

    static double perSecond(long n, Duration d) {
        return n / Math.max(1e-3, d.toNanos() / 1e9);
    }
}
