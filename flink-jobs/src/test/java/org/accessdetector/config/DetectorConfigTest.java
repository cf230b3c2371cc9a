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

    @Test
    void anomalyRulesDefaultToMediumAndTheirSettingsToThoseTheReadmeStates() {
        DetectorConfig c = DetectorConfig.defaults();
        for (ViolationRule rule : new ViolationRule[] {
            ViolationRule.VOLUME_SPIKE, ViolationRule.FAN_OUT, ViolationRule.FIRST_SEEN}) {
            assertThat(c.severityOf(rule, Resource.MESSAGES)).as(rule.name()).isEqualTo(Severity.MEDIUM);
        }
        AnomalyConfig a = c.anomalies();
        assertThat(a.warmUpMillis()).isEqualTo(7 * 86_400_000L);
        assertThat(a.baselineWindowMillis()).isEqualTo(7 * 86_400_000L);
        assertThat(a.minHistoryHours()).isEqualTo(24);
        assertThat(a.volumeFloor()).isEqualTo(1000L);
        assertThat(a.volumeFactor()).isEqualTo(3.0);
        assertThat(a.volumeDeviations()).isEqualTo(6.0);
        assertThat(a.fanOutWindowMillis()).isEqualTo(10 * 60_000L);
        assertThat(a.fanOutCeiling()).isEqualTo(1000);
        assertThat(a.fanOutFloor()).isEqualTo(100);
        assertThat(a.fanOutFactor()).isEqualTo(5.0);
        assertThat(a.lookbackMillis()).isEqualTo(30 * 86_400_000L);
        assertThat(a.maxNetworks()).isEqualTo(1024);
        DetectorConfig set = DetectorConfig.from(Configuration.fromMap(Map.of(
                "detector.anomaly.fan-out.window", "15 min", "detector.anomaly.first-seen.lookback", "90 d")));
        assertThat(set.anomalies().fanOutWindowMillis()).isEqualTo(15 * 60_000L);
        assertThat(set.anomalies().lookbackMillis()).isEqualTo(90 * 86_400_000L);
    }

    @Test
    void badAnomalySettingsAreRejectedWithTheKeyNamed() {
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.anomaly.fan-out.window", "7 min"))))
                .hasMessageContaining("detector.anomaly.fan-out.window").hasMessageContaining("divide an hour");
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.anomaly.fan-out.floor", "2000"))))
                .hasMessageContaining("detector.anomaly.fan-out.floor");
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.anomaly.volume-spike.factor", "0.5"))))
                .hasMessageContaining("detector.anomaly.volume-spike.factor");
        assertThatThrownBy(() -> DetectorConfig.from(Configuration.fromMap(
                Map.of("detector.anomaly.first-seen.lookback", "10 min"))))
                .hasMessageContaining("detector.anomaly.first-seen.lookback").hasMessageContaining("at least 1 h");
    }
}
