package org.accessdetector.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.accessdetector.schema.Action;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.ViolationRule;
import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void idsDependOnlyOnContentAndDistinguishEveryPart() {
        assertThat(Violations.perCallId(ViolationRule.FRIEND_DATA, "c1"))
                .isEqualTo(Violations.perCallId(ViolationRule.FRIEND_DATA, "c1"))
                .isNotEqualTo(Violations.perCallId(ViolationRule.NO_USER_CONSENT, "c1"))
                .isNotEqualTo(Violations.perCallId(ViolationRule.FRIEND_DATA, "c2"))
                .startsWith("v-")
                .hasSize(34);
        assertThat(Violations.rateId("p", Resource.FRIENDS, Action.READ, 0))
                .isNotEqualTo(Violations.rateId("p", Resource.FRIENDS, Action.READ, 60_000));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assertThat(Ids.of("x", "ab", "c")).isNotEqualTo(Ids.of("x", "a", "bc"));
    }
}
