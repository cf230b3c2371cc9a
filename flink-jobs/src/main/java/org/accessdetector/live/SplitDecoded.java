package org.accessdetector.live;

import org.accessdetector.kafka.DeadLetter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
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
    private transient Counter deadLetters;

    public SplitDecoded(String topic) {
        this.topic = topic;
    }

    @Override
    public void open(OpenContext openContext) {
        deadLetters = getRuntimeContext().getMetricGroup().addGroup("accessdetector")
                .addGroup("topic", topic).counter("dead_letters");
    }

    @Override
    public void processElement(Either<T, DeadLetter> record, Context ctx, Collector<T> out) {
        if (record.isLeft()) {
            out.collect(record.left());
        } else {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, record.right());
        }
    }
}
