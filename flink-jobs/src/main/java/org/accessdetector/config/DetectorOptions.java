package org.accessdetector.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Every setting of the detection graph, with its default and meaning. Read once into {@link DetectorConfig}. */
public final class DetectorOptions {

    public static final ConfigOption<Duration> ALERT_QUIET_PERIOD =
            ConfigOptions.key("detector.alert.quiet-period")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "Event time without a new violation in a group (partner, rule, resource, action) "
                                    + "after which its alert is RESOLVED; a later violation opens a new alert.");

    public static final ConfigOption<Integer> ALERT_SAMPLE_CALLS =
            ConfigOptions.key("detector.alert.sample-call-ids")
                    .intType()
                    .defaultValue(10)
                    .withDescription("How many call ids an alert carries as samples for responders.");

    public static final ConfigOption<Duration> REDELIVERY_HORIZON =
            ConfigOptions.key("detector.calls.redelivery-horizon")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "How long (in event time after a call) its callId is remembered, so that a "
                                    + "redelivered call counts once. Each call held costs memory (see the README's "
                                    + "state bounds); use the RocksDB state backend for hours.");

    public static final ConfigOption<Duration> CONTROL_LATE_HORIZON =
            ConfigOptions.key("detector.control.late-horizon")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "How late (in event time) a record may arrive and still change verdicts exactly: a "
                                    + "late call counts in its own minute, and a late agreement or consent record "
                                    + "judges the calls it covers again, raising, rewriting or retracting violations "
                                    + "so that the result is what replay of the same records finds.");

    public static final ConfigOption<List<Resource>> SENSITIVE_RESOURCES =
            ConfigOptions.key("detector.severity.sensitive-resources")
                    .enumType(Resource.class)
                    .asList()
                    .defaultValues(
                            Resource.MESSAGES,
                            Resource.THREAD_PARTICIPANTS,
                            Resource.CONTACTS,
                            Resource.CALENDAR)
                    .withDescription(
                            "Resources whose AFTER_REVOCATION, OUT_OF_SCOPE and NO_USER_CONSENT violations "
                                    + "are CRITICAL rather than HIGH.");

    public static final ConfigOption<Map<String, String>> SEVERITY_OVERRIDES =
            ConfigOptions.key("detector.severity.overrides")
                    .mapType()
                    .defaultValue(Map.of())
                    .withDescription(
                            "Severity overrides, RULE or RULE/RESOURCE to severity, for example "
                                    + "'RATE_LIMIT:HIGH,FRIEND_DATA/FRIENDS:MEDIUM'. RULE/RESOURCE wins over RULE.");

    public static final ConfigOption<List<ViolationRule>> SHADOW_RULES =
            ConfigOptions.key("detector.rules.shadow")
                    .enumType(ViolationRule.class)
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Rules run in shadow mode, for example 'RATE_LIMIT;FRIEND_DATA': their violations are "
                                    + "written with shadow=true and counted (violations_shadow), and never turned "
                                    + "into alerts. For trying a rule or a setting without paging anyone.");

    public static final ConfigOption<Duration> DORMANT_AFTER =
            ConfigOptions.key("detector.grants.dormant-after")
                    .durationType()
                    .defaultValue(Duration.ofDays(90))
                    .withDescription(
                            "A granted resource and action the partner has not used for this long counts as "
                                    + "dormant in the dormant_sensitive_grants gauge (as in `grants report "
                                    + "--since 90d`).");

    // Behavioural anomalies: judged against each key's own history, not an agreement line.

    public static final ConfigOption<Duration> ANOMALY_WARM_UP =
            ConfigOptions.key("detector.anomaly.warm-up")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How long after a key's first call (a partner for FIRST_SEEN, a partner/resource/action "
                                    + "for VOLUME_SPIKE, a credential for FAN_OUT) its baseline is still being "
                                    + "learned: FIRST_SEEN raises nothing, and VOLUME_SPIKE or FAN_OUT verdicts that "
                                    + "rest on the baseline are written in shadow mode (never alerted).");

    public static final ConfigOption<Duration> ANOMALY_BASELINE_WINDOW =
            ConfigOptions.key("detector.anomaly.baseline-window")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDescription(
                            "How much history the VOLUME_SPIKE and FAN_OUT baselines are learned from: one figure "
                                    + "per active hour (its busiest minute or window) for this long.");

    public static final ConfigOption<Integer> ANOMALY_MIN_HISTORY_HOURS =
            ConfigOptions.key("detector.anomaly.min-history-hours")
                    .intType()
                    .defaultValue(24)
                    .withDescription(
                            "Active hours of history a key needs before VOLUME_SPIKE judges it against a baseline, "
                                    + "or FAN_OUT uses a baseline below its ceiling.");

    public static final ConfigOption<Long> VOLUME_SPIKE_FLOOR =
            ConfigOptions.key("detector.anomaly.volume-spike.floor")
                    .longType()
                    .defaultValue(1000L)
                    .withDescription("VOLUME_SPIKE: records in a minute below which no minute is a spike.");

    public static final ConfigOption<Double> VOLUME_SPIKE_FACTOR =
            ConfigOptions.key("detector.anomaly.volume-spike.factor")
                    .doubleType()
                    .defaultValue(3.0)
                    .withDescription(
                            "VOLUME_SPIKE: a spike is above this multiple of the key's median busiest minute.");

    public static final ConfigOption<Double> VOLUME_SPIKE_DEVIATIONS =
            ConfigOptions.key("detector.anomaly.volume-spike.deviations")
                    .doubleType()
                    .defaultValue(6.0)
                    .withDescription(
                            "VOLUME_SPIKE: a spike is also more than this many robust standard deviations "
                                    + "(1.4826 x MAD) above that median.");

    public static final ConfigOption<Duration> FAN_OUT_WINDOW =
            ConfigOptions.key("detector.anomaly.fan-out.window")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription("FAN_OUT: the epoch-aligned window distinct users are counted in.");

    public static final ConfigOption<Integer> FAN_OUT_CEILING =
            ConfigOptions.key("detector.anomaly.fan-out.ceiling")
                    .intType()
                    .defaultValue(1000)
                    .withDescription(
                            "FAN_OUT: distinct users per window above which a credential always fans out, "
                                    + "whatever its history; users are counted up to just above it.");

    public static final ConfigOption<Integer> FAN_OUT_FLOOR =
            ConfigOptions.key("detector.anomaly.fan-out.floor")
                    .intType()
                    .defaultValue(100)
                    .withDescription("FAN_OUT: distinct users per window at or below which no window fans out.");

    public static final ConfigOption<Double> FAN_OUT_FACTOR =
            ConfigOptions.key("detector.anomaly.fan-out.factor")
                    .doubleType()
                    .defaultValue(5.0)
                    .withDescription(
                            "FAN_OUT: with enough history, a window fans out above this multiple of the "
                                    + "credential's median busiest window (between the floor and the ceiling).");

    public static final ConfigOption<Duration> FIRST_SEEN_LOOKBACK =
            ConfigOptions.key("detector.anomaly.first-seen.lookback")
                    .durationType()
                    .defaultValue(Duration.ofDays(30))
                    .withDescription(
                            "FIRST_SEEN: a resource and action, or a server source network, unused by the "
                                    + "partner for this long is new again.");

    public static final ConfigOption<Integer> FIRST_SEEN_MAX_NETWORKS =
            ConfigOptions.key("detector.anomaly.first-seen.max-networks")
                    .intType()
                    .defaultValue(1024)
                    .withDescription(
                            "FIRST_SEEN: source networks remembered per partner; beyond it new networks are "
                                    + "counted (first_seen_networks_over_cap) and not judged.");

    private DetectorOptions() {}
}
