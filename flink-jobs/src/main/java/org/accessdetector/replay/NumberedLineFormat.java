package org.accessdetector.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * Reads a UTF-8 text file line by line, numbering the lines. Files are not split, so the numbers are the
 * lines' real positions; on restore Flink re-reads and skips the lines already emitted, keeping the count.
 */
public class NumberedLineFormat extends SimpleStreamFormat<NumberedLine> {
    private static final long serialVersionUID = 1L;

    @Override
    public Reader<NumberedLine> createReader(Configuration config, FSDataInputStream stream) {
        BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
        return new Reader<>() {
            private long number;

            @Override
            public NumberedLine read() throws IOException {
                String line = reader.readLine();
                if (line == null) {
                    return null;
                }
                return new NumberedLine(++number, line);
            }

            @Override
            public void close() throws IOException {
                reader.close();
            }
        };
    }

    @Override
    public TypeInformation<NumberedLine> getProducedType() {
        return TypeInformation.of(NumberedLine.class);
    }
}
