package org.accessdetector.responder;

import static org.accessdetector.testing.Instants.AFTER_REVOCATION;
import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class HuntDiffTest {

    private static final DetectorConfig CONFIG = DetectorConfig.from(new Configuration());

    private static Violation violation(ViolationRule rule, String callId, long at, String reason) {
        return Violations.perCall(CONFIG, rule, callId, "acme-phones", Resource.CONTACTS, Action.READ, "alice", null,
                at, null, 1, reason);
    }

    @Test
    void violationsAreNewGoneChangedOrTheSameByTheirId() {
        Violation kept = violation(ViolationRule.OUT_OF_SCOPE, "c1", BEFORE_REVOCATION, "not granted");
        Violation goneOne = violation(ViolationRule.NO_USER_CONSENT, "c2", BEFORE_REVOCATION, "no consent");
        Violation live = violation(ViolationRule.AFTER_REVOCATION, "c3", AFTER_REVOCATION, "after v2");
        Violation rejudged = violation(ViolationRule.AFTER_REVOCATION, "c3", AFTER_REVOCATION, "after v3");
        Violation added = violation(ViolationRule.OUT_OF_SCOPE, "c4", BEFORE_REVOCATION, "not granted");

        Hunt.Diff diff = Hunt.diff(Hunt.inRange(List.of(kept, goneOne, live), 0, Long.MAX_VALUE),
                Hunt.inRange(List.of(kept, rejudged, added), 0, Long.MAX_VALUE));
        assertThat(diff.added()).containsExactly(added);
        assertThat(diff.gone()).containsExactly(goneOne);
        assertThat(diff.changed()).singleElement().satisfies(c -> {
            assertThat(c.live()).isEqualTo(live);
            assertThat(c.hunted()).isEqualTo(rejudged);
        });
        assertThat(diff.same()).isEqualTo(1);
    }

    @Test
    void theRangeKeepsTheLastRecordOfEachIdInForceThatHappenedWithinIt() {
        Violation early = violation(ViolationRule.OUT_OF_SCOPE, "c1", BEFORE_REVOCATION - ONE_MINUTE, "early");
        Violation inside = violation(ViolationRule.OUT_OF_SCOPE, "c2", BEFORE_REVOCATION, "inside");
        Violation retracted = violation(ViolationRule.OUT_OF_SCOPE, "c3", BEFORE_REVOCATION, "retracted");
        Map<String, Violation> in = Hunt.inRange(List.of(early, inside, retracted,
                Violations.retracted(retracted, "a late consent")), BEFORE_REVOCATION, AFTER_REVOCATION);
        assertThat(in.values()).containsExactly(inside);
    }

    @Test
    void aViolationReadBackFromItsJsonIsTheSameRecord() throws Exception {
        Violation v = violation(ViolationRule.FRIEND_DATA, "c5", BEFORE_REVOCATION, "friend's data");
        assertThat(JsonOutput.fromJson(JsonOutput.toJson(v), Violation.class)).isEqualTo(v);
    }
}
