package org.accessdetector.live;

import org.accessdetector.kafka.DeadLetter;
import org.accessdetector.metrics.LabeledCounters;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Passes decoded records on and sends undecodable ones to {@link #DEAD_LETTERS}, counting them. */
public class SplitDecoded<T> extends ProcessFunction<Either<T, DeadLetter>, T> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final String topic;
    private transient LabeledCounters deadLetters;

    public SplitDecoded(String topic) {
        this.topic = topic;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLetters = new LabeledCounters(getRuntimeContext().getMetricGroup(), "dead_letters", "topic", "reason");
    }

    @Override
    public void processElement(Either<T, DeadLetter> record, Context ctx, Collector<T> out) {
        if (record.isLeft()) {
            out.collect(record.left());
        } else {
            deadLetters.with(topic, record.right().kind()).inc();
            ctx.output(DEAD_LETTERS, record.right());
        }
    }
}
