package org.accessdetector.replay;

import java.io.Serializable;
import org.accessdetector.input.InputRejectedException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Parses numbered JSON lines into records. A line that cannot be parsed goes to {@link #REJECTED} with its
 * reason; blank lines are not records and are skipped.
 */
public class LineParser<T> extends ProcessFunction<NumberedLine, T> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<RejectedLine> REJECTED =
            new OutputTag<>("rejected-lines", TypeInformation.of(RejectedLine.class));

    /** Parses one line or says why it cannot. */
    @FunctionalInterface
    public interface Parse<T> extends Serializable {
        T apply(String line) throws InputRejectedException;
    }

    private final String file;
    private final Parse<T> parse;

    public LineParser(String file, Parse<T> parse) {
        this.file = file;
        this.parse = parse;
    }

    @Override
    public void processElement(NumberedLine line, Context ctx, Collector<T> out) {
        if (line.text().isBlank()) {
            return;
        }
        try {
            out.collect(parse.apply(line.text()));
        } catch (InputRejectedException e) {
            ctx.output(REJECTED, RejectedLine.of(file, line, e.getMessage()));
        } catch (RuntimeException e) {
            // A parser bug must not stop the run or lose the line: reject it with what went wrong.
            ctx.output(REJECTED, RejectedLine.of(file, line, "could not be parsed: " + e));
        }
    }
}
