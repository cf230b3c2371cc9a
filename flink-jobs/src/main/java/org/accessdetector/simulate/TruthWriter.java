package org.accessdetector.simulate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import org.accessdetector.schema.ViolationRule;

/**
 * Writes ground truth as JSON Lines, one line per breaching call and one per RATE_LIMIT window:
 *
 * <pre>
 * {"callId":"c1a2b3c4-17","rules":["FRIEND_DATA","NO_USER_CONSENT"]}
 * {"rule":"RATE_LIMIT","partnerId":"acme-phones","resource":"CONTACTS","action":"READ","windowStart":1545124200000}
 * </pre>
 *
 * Rules are listed in the order of the {@link ViolationRule} enum. Clean calls and redeliveries (already
 * written with their first delivery) write nothing. Not thread-safe.
 */
public final class TruthWriter implements Closeable, Flushable {

    private static final JsonFactory JSON = new JsonFactory();

    private final Writer out;
    private final JsonGenerator json;
    private long callLines;
    private long windowLines;

    public TruthWriter(Writer out) throws IOException {
        this.out = Objects.requireNonNull(out, "out");
        this.json = JSON.createGenerator(out);
        this.json.setRootValueSeparator(null); // endLine() ends each line
        this.json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        this.json.disable(JsonGenerator.Feature.FLUSH_PASSED_TO_STREAM);
    }

    /** A writer to a new or truncated UTF-8 file. */
    public static TruthWriter open(Path file) throws IOException {
        BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        try {
            return new TruthWriter(w);
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /** Writes the truth of a call event (nothing for other events, clean calls and redeliveries). */
    public void write(SimEvent event) throws IOException {
        if (event instanceof SimEvent.Call call && !call.redelivery()) {
            writeCall(call.call().getCallId(), call.rules());
        }
    }

    /** Writes a call's per-call rules; nothing if there are none. */
    public void writeCall(String callId, Set<ViolationRule> rules) throws IOException {
        Objects.requireNonNull(callId, "callId");
        if (rules.isEmpty()) {
            return;
        }
        json.writeStartObject();
        json.writeStringField("callId", callId);
        json.writeArrayFieldStart("rules");
        for (ViolationRule r : ViolationRule.values()) {
            if (rules.contains(r)) {
                json.writeString(r.name());
            }
        }
        json.writeEndArray();
        json.writeEndObject();
        endLine();
        callLines++;
    }

    public void writeWindow(GroundTruth.RateLimitWindow w) throws IOException {
        json.writeStartObject();
        json.writeStringField("rule", ViolationRule.RATE_LIMIT.name());
        json.writeStringField("partnerId", w.partnerId());
        json.writeStringField("resource", w.resource().name());
        json.writeStringField("action", w.action().name());
        json.writeNumberField("windowStart", w.windowStart());
        json.writeEndObject();
        endLine();
        windowLines++;
    }

    public void writeWindows(Collection<GroundTruth.RateLimitWindow> windows) throws IOException {
        for (GroundTruth.RateLimitWindow w : windows) {
            writeWindow(w);
        }
    }

    /** Lines written for breaching calls. */
    public long callLines() {
        return callLines;
    }

    /** Lines written for RATE_LIMIT windows. */
    public long windowLines() {
        return windowLines;
    }

    private void endLine() throws IOException {
        json.flush();
        out.write('\n');
    }

    @Override
    public void flush() throws IOException {
        json.flush();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            json.close();
        } finally {
            out.close();
        }
    }
}
