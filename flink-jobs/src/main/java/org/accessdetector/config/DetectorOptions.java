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

    private DetectorOptions() {}
}
