package org.accessdetector.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.ViolationRule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TruthWriterTest {

    private static PartnerApiCall call(String id) {
        return GroundTruthTest.call(id, "chatbank", "u1", "u2", Resource.MESSAGES, Action.READ, CallOutcome.ALLOWED, 1,
                1_545_124_200_000L);
    }

    @Test
    void writesBreachingCallsAndWindowsOnly() throws Exception {
        StringWriter out = new StringWriter();
        try (TruthWriter w = new TruthWriter(out)) {
            w.write(new SimEvent.Call(1, call("clean"), Set.of(), false));
            w.write(new SimEvent.Call(2, call("c\"1"), Set.of(ViolationRule.NO_USER_CONSENT, ViolationRule.FRIEND_DATA),
                    false));
            w.write(new SimEvent.Call(3, call("c\"1"), Set.of(ViolationRule.NO_USER_CONSENT, ViolationRule.FRIEND_DATA),
                    true));
            w.write(new SimEvent.Consent(4, new ConsentEvent("u1", null, ConsentEventType.SHARING_DISABLED, 4L)));
            w.writeWindow(new GroundTruth.RateLimitWindow("acme-phones", Resource.CONTACTS, Action.READ,
                    1_545_124_200_000L, 110, 100));
            assertThat(w.callLines()).isEqualTo(1);
            assertThat(w.windowLines()).isEqualTo(1);
        }
        assertThat(out.toString()).isEqualTo(
                "{\"callId\":\"c\\\"1\",\"rules\":[\"FRIEND_DATA\",\"NO_USER_CONSENT\"]}\n"
                        + "{\"rule\":\"RATE_LIMIT\",\"partnerId\":\"acme-phones\",\"resource\":\"CONTACTS\","
                        + "\"action\":\"READ\",\"windowStart\":1545124200000}\n");
    }

    @Test
    void aRunsTruthFileHasOneLinePerBreachingCallAndWindow(@TempDir Path dir) throws Exception {
        Simulator sim = new Simulator(SimulationSettings.builder().seed(5)
                .startTime(Instant.parse("2018-12-18T08:00:00Z").toEpochMilli())
                .duration(Duration.ofMinutes(3)).burstsPerHour(120).build());
        Simulator.Events events = sim.events();
        Path file = dir.resolve("truth.jsonl");
        Set<String> breaching = new HashSet<>();
        int windows = 0;
        try (TruthWriter w = TruthWriter.open(file)) {
            while (events.hasNext()) {
                SimEvent e = events.next();
                w.write(e);
                if (e instanceof SimEvent.Call c && !c.clean()) {
                    breaching.add(c.call().getCallId());
                }
                List<GroundTruth.RateLimitWindow> done = events.takeRateLimitWindows();
                w.writeWindows(done);
                windows += done.size();
            }
        }
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(breaching.size() + windows);
        Set<String> written = new HashSet<>();
        Set<ViolationRule> rules = EnumSet.noneOf(ViolationRule.class);
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            if (n.has("callId")) {
                assertThat(written.add(n.get("callId").asText())).isTrue();
                n.get("rules").forEach(r -> rules.add(ViolationRule.valueOf(r.asText())));
            } else {
                assertThat(n.get("rule").asText()).isEqualTo("RATE_LIMIT");
                assertThat(n.get("windowStart").asLong() % 60_000).isZero();
                rules.add(ViolationRule.RATE_LIMIT);
            }
        }
        assertThat(written).isEqualTo(breaching);
        assertThat(rules).contains(ViolationRule.NO_AGREEMENT, ViolationRule.OUT_OF_SCOPE,
                ViolationRule.FRIEND_DATA, ViolationRule.NO_USER_CONSENT, ViolationRule.AFTER_REVOCATION);
    }
}
