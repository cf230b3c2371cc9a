package org.accessdetector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class DetectorConfigTest {

    @Test
    void defaultSeveritiesFollowTheRuleAndTheResource() {
        DetectorConfig c = DetectorConfig.defaults();
        for (ViolationRule rule : new ViolationRule[] {
            ViolationRule.AFTER_REVOCATION, ViolationRule.OUT_OF_SCOPE, ViolationRule.NO_USER_CONSENT}) {
            for (Resource sensitive : new Resource[] {
                Resource.MESSAGES, Resource.THREAD_PARTICIPANTS, Resource.CONTACTS, Resource.CALENDAR}) {
                assertThat(c.severityOf(rule, sensitive)).as(rule + " on " + sensitive).isEqualTo(Severity.CRITICAL);
            }
            for (Resource other : new Resource[] {Resource.FRIENDS, Resource.PROFILE, Resource.PHOTOS, Resource.POSTS}) {
                assertThat(c.severityOf(rule, other)).as(rule + " on " + other).isEqualTo(Severity.HIGH);
            }
        }
        assertThat(c.severityOf(ViolationRule.FRIEND_DATA, Resource.MESSAGES)).isEqualTo(Severity.HIGH);
        assertThat(c.severityOf(ViolationRule.NO_AGREEMENT, Resource.MESSAGES)).isEqualTo(Severity.HIGH);
        assertThat(c.severityOf(ViolationRule.RATE_LIMIT, Resource.MESSAGES)).isEqualTo(Severity.MEDIUM);
        assertThat(c.alertQuietPeriodMillis()).isEqualTo(15 * 60_000L);
        assertThat(c.alertSampleCalls()).isEqualTo(10);
    }

    @Test
    void overridesByRuleAndByRuleAndResource() {
        DetectorConfig c = DetectorConfig.from(Configuration.fromMap(Map.of(
                "detector.severity.overrides", "RATE_LIMIT:HIGH,friend_data/friends:medium",
                "detector.severity.sensitive-resources", "PHOTOS")));

        assertThat(c.severityOf(ViolationRule.RATE_LIMIT, Resource.PROFILE)).isEqualTo(Severity.HIGH);
        assertThat(c.severityOf(ViolationRule.FRIEND_DATA, Resource.FRIENDS)).isEqualTo(Severity.MEDIUM);
        assertThat(c.severityOf(ViolationRule.FRIEND_DATA, Resource.CONTACTS)).isEqualTo(Severity.HIGH);
        assertThat(c.severityOf(ViolationRule.OUT_OF_SCOPE, Resource.PHOTOS)).isEqualTo(Severity.CRITICAL);
        assertThat(c.severityOf(ViolationRule.OUT_OF_SCOPE, Resource.MESSAGES)).isEqualTo(Severity.HIGH);
    }

    @Test
    void badSettingsAreRejectedWithTheKeyNamed() {
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.severity.overrides", "NOT_A_RULE:HIGH"))))
                .hasMessageContaining("detector.severity.overrides").hasMessageContaining("NOT_A_RULE");
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.severity.overrides", "RATE_LIMIT:URGENT"))))
                .hasMessageContaining("URGENT");
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.alert.quiet-period", "0 s"))))
                .hasMessageContaining("detector.alert.quiet-period");
    }

    @Test
    void shadowRulesAreNoneByDefaultAndThoseListedWhenSet() {
        DetectorConfig none = DetectorConfig.defaults();
        for (ViolationRule rule : ViolationRule.values()) {
            assertThat(none.isShadow(rule)).as(rule.name()).isFalse();
        }
        DetectorConfig some = DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.rules.shadow", "RATE_LIMIT;FRIEND_DATA")));
        assertThat(some.isShadow(ViolationRule.RATE_LIMIT)).isTrue();
        assertThat(some.isShadow(ViolationRule.FRIEND_DATA)).isTrue();
        assertThat(some.isShadow(ViolationRule.OUT_OF_SCOPE)).isFalse();
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.rules.shadow", "RATE_LIMIT;NOT_A_RULE"))))
                .hasMessageContaining("NOT_A_RULE");
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.rules.shadow", "UNKNOWN"))))
                .hasMessageContaining("detector.rules.shadow");
    }
}
