package org.accessdetector.live;

import org.accessdetector.typeinfo.RecordTypes;
import java.time.Duration;
import java.util.Properties;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.DetectionGraph;
import org.accessdetector.kafka.KafkaConnection;
import org.accessdetector.kafka.DeadLetter;
import org.accessdetector.kafka.DeadLetterSerializer;
import org.accessdetector.kafka.DecodingDeserializer;
import org.accessdetector.kafka.RecordSerializer;
import org.accessdetector.kafka.Topics;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The live detector: the detection graph between Kafka topics. Wires the real connectors only; the
 * detection itself is {@link DetectionGraph}, the same graph replay and the tests run.
 */
public final class LiveJob {

    private final ReadableConfig config;
    private final Topics topics;
    private final DetectorConfig detector;

    public LiveJob(ReadableConfig config) {
        this.config = config;
        this.topics = Topics.from(config);
        this.detector = DetectorConfig.from(config);
    }

    /** Defaults of a live job where the user and the cluster set nothing else. */
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BUFFER_TIMEOUT = Duration.ofMillis(5);
    /** Event time moves on this often: it bounds how soon a call can be judged. */
    public static final Duration DEFAULT_WATERMARK_INTERVAL = Duration.ofMillis(20);

    /**
     * Checkpointing on, a small (never zero) buffer timeout, frequent watermarks and object reuse, unless set
     * explicitly: the settings every live run gets (`run`, `demo`, `benchmark`, and the tests of the live job).
     *
     * <p>Object reuse hands a record to the next chained operator without a deep copy (a call was copied at each
     * of the source chain's eight hops). It is safe here because no function of the graph changes a record it
     * was given, and the only ones that keep one (the local combiners, the keyed stages' heap state) keep
     * records made for them, or records read from the network, which are never reused in a streaming job.
     */
    public static Configuration withDefaults(Configuration conf) {
        if (!conf.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        }
        if (!conf.contains(ExecutionOptions.BUFFER_TIMEOUT)) {
            conf.set(ExecutionOptions.BUFFER_TIMEOUT, DEFAULT_BUFFER_TIMEOUT);
        }
        if (!conf.contains(PipelineOptions.AUTO_WATERMARK_INTERVAL)) {
            conf.set(PipelineOptions.AUTO_WATERMARK_INTERVAL, DEFAULT_WATERMARK_INTERVAL);
        }
        if (!conf.contains(PipelineOptions.OBJECT_REUSE)) {
            conf.set(PipelineOptions.OBJECT_REUSE, true);
        }
        return conf;
    }

    /** Adds the live pipeline to {@code env}; the caller executes it. */
    public void build(StreamExecutionEnvironment env) {
        if (config.get(LiveOptions.DELIVERY_GUARANTEE) == DeliveryGuarantee.EXACTLY_ONCE
                && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            // Its transactions commit on checkpoints: without them nothing would ever become visible.
            throw new IllegalArgumentException("Exactly-once sinks (" + LiveOptions.DELIVERY_GUARANTEE.key()
                    + ", the default) need checkpointing: set execution.checkpointing.interval (the detector's "
                    + "default is " + DEFAULT_CHECKPOINT_INTERVAL.toSeconds() + " s), or choose at-least-once");
        }
        Duration outOfOrderness = config.get(LiveOptions.MAX_OUT_OF_ORDERNESS);
        Duration skew = config.get(LiveOptions.MAX_FUTURE_SKEW);

        // Calls resume where the group left off. A new job's state is empty, so it reads the compacted control
        // topics from the start: from the group's committed offsets it would know no agreement and no consent.
        // (A job restored from a checkpoint resumes every topic from the checkpoint's offsets either way.) Until
        // their backlog is read, they hold event time back, so no call is judged without them (ControlWatermarks).
        SingleOutputStreamOperator<PartnerApiCall> calls = decoded(env, topics.calls(),
                OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST), null, "",
                CallWatermarks.strategy(outOfOrderness, skew, config.get(LiveOptions.MAX_DELAY)));
        Control<PartnerAgreement> agreements = control(env, topics.agreements());
        Control<ConsentEvent> consents = control(env, topics.consents());
        DataStream<PartnerApiCall> countedCalls = calls
                .map(new CountSkewedCalls(skew.toMillis()), RecordTypes.CALL)
                .name("Count skewed calls");

        DetectionGraph.Outputs outputs = DetectionGraph.build(countedCalls, agreements.records(),
                consents.records(), detector);

        outputs.violations().sinkTo(sink(new RecordSerializer<>(topics.violations()), "violations"))
                .uid("sink-violations").name("Write " + topics.violations().name());
        outputs.alerts().sinkTo(sink(new RecordSerializer<>(topics.alerts()), "alerts"))
                .uid("sink-alerts").name("Write " + topics.alerts().name());
        calls.getSideOutput(SplitDecoded.DEAD_LETTERS)
                .union(agreements.deadLetters(), consents.deadLetters())
                .sinkTo(sink(new DeadLetterSerializer(topics.deadLetters().name()), "dead-letters"))
                .uid("sink-dead-letters").name("Write " + topics.deadLetters().name());
    }

    /** Waits until {@code job} runs; throws why if it ends first. */
    public static void awaitRunning(JobClient job) throws Exception {
        while (job.getJobStatus().get() != JobStatus.RUNNING) {
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                job.getJobExecutionResult().get(); // throws why
                throw new IllegalStateException("the job ended before it ran");
            }
            Thread.sleep(100);
        }
    }

    /** A control topic's records and dead letters, from its two sources. */
    private record Control<T>(DataStream<T> records, DataStream<DeadLetter> deadLetters) {}

    /**
     * A control topic, read from its start: its backlog (up to the end offsets at the start) by a bounded source
     * that holds event time back until it finishes, and on from there by one that never does (ControlHandoff).
     */
    private <T extends SpecificRecordBase> Control<T> control(StreamExecutionEnvironment env, Topics.Topic<T> topic) {
        ControlHandoff handoff = new ControlHandoff();
        SingleOutputStreamOperator<T> backlog = decoded(env, topic, OffsetsInitializer.earliest(),
                handoff.backlogEnd(), "-backlog", ControlWatermarks.backlog());
        SingleOutputStreamOperator<T> after = decoded(env, topic, handoff.afterBacklog(), null, "",
                ControlWatermarks.afterBacklog());
        DataStream<T> backlogRead = backlog
                .transform("End of the " + topic.name() + " backlog", backlog.getType(), new EndOfBacklog<>())
                .uid("backlog-end-" + topic.name());
        DataStream<T> records = backlogRead.union(after)
                .transform("Control " + topic.name(), backlog.getType(), new IdleAfterBacklog<>())
                .uid("control-" + topic.name());
        return new Control<>(records, backlog.getSideOutput(SplitDecoded.DEAD_LETTERS)
                .union(after.getSideOutput(SplitDecoded.DEAD_LETTERS)));
    }

    /**
     * A topic's source and decoder; bounded at {@code stop} if given. {@code part} tells the uids of two sources of
     * one topic apart (the unbounded one keeps the uids a single source had).
     */
    private <T extends SpecificRecordBase> SingleOutputStreamOperator<T> decoded(
            StreamExecutionEnvironment env, Topics.Topic<T> topic, OffsetsInitializer start, OffsetsInitializer stop,
            String part, WatermarkStrategy<Either<T, DeadLetter>> time) {
        var builder = KafkaSource.<Either<T, DeadLetter>>builder()
                .setProperties(KafkaConnection.from(config).properties())
                .setGroupId(config.get(LiveOptions.GROUP_ID))
                .setTopics(topic.name())
                .setStartingOffsets(start)
                .setDeserializer(new DecodingDeserializer<>(topic));
        if (stop != null) {
            builder.setBounded(stop);
        }
        String label = topic.name() + (stop != null ? " (backlog)" : "");
        return env.fromSource(builder.build(), time, "Read " + label)
                .uid("source-" + topic.name() + part)
                .process(new SplitDecoded<T>(topic.name()), RecordTypes.of(topic.codec().type()))
                .uid("decode-" + topic.name() + part)
                .name("Decode " + label);
    }

    private <T> KafkaSink<T> sink(KafkaRecordSerializationSchema<T> serializer, String what) {
        DeliveryGuarantee guarantee = config.get(LiveOptions.DELIVERY_GUARANTEE);
        Properties producer = KafkaConnection.from(config).properties();
        producer.setProperty("linger.ms", "0"); // latency over batching: alerts must leave at once
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            // The sink's default (1 hour) is above the broker's maximum (15 minutes) and would fail.
            producer.setProperty("transaction.timeout.ms",
                    Long.toString(config.get(LiveOptions.TRANSACTION_TIMEOUT).toMillis()));
        }
        var builder = KafkaSink.<T>builder()
                .setBootstrapServers(config.get(LiveOptions.BOOTSTRAP_SERVERS))
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(guarantee)
                .setKafkaProducerConfig(producer);
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE) {
            builder.setTransactionalIdPrefix(config.get(LiveOptions.GROUP_ID) + "-" + what);
        }
        return builder.build();
    }
}
