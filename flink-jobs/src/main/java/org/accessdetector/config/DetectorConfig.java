package org.accessdetector.config;

import java.io.Serializable;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/** The detection graph's settings, read once from {@link DetectorOptions}; immutable and shipped to operators. */
public final class DetectorConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long alertQuietPeriodMillis;
    private final int alertSampleCalls;
    private final long redeliveryHorizonMillis;
    private final long controlLateHorizonMillis;
    private final EnumSet<Resource> sensitiveResources;
    private final HashMap<String, Severity> severityOverrides;
    private final EnumSet<ViolationRule> shadowRules;
    private final AnomalyConfig anomalies;
    private final long dormantAfterMillis;

    private DetectorConfig(ReadableConfig config) {
        this.alertQuietPeriodMillis = positive(config.get(DetectorOptions.ALERT_QUIET_PERIOD).toMillis(),
                DetectorOptions.ALERT_QUIET_PERIOD.key());
        this.alertSampleCalls = (int) Math.max(0, config.get(DetectorOptions.ALERT_SAMPLE_CALLS));
        this.redeliveryHorizonMillis = positive(config.get(DetectorOptions.REDELIVERY_HORIZON).toMillis(),
                DetectorOptions.REDELIVERY_HORIZON.key());
        this.controlLateHorizonMillis = Math.max(0, config.get(DetectorOptions.CONTROL_LATE_HORIZON).toMillis());
        this.sensitiveResources = EnumSet.noneOf(Resource.class);
        this.sensitiveResources.addAll(config.get(DetectorOptions.SENSITIVE_RESOURCES));
        this.severityOverrides = new HashMap<>();
        for (Map.Entry<String, String> e : config.get(DetectorOptions.SEVERITY_OVERRIDES).entrySet()) {
            severityOverrides.put(validOverrideKey(e.getKey()), severity(e.getValue()));
        }
        this.shadowRules = EnumSet.noneOf(ViolationRule.class);
        config.getOptional(DetectorOptions.SHADOW_RULES).ifPresent(shadowRules::addAll);
        if (shadowRules.contains(ViolationRule.UNKNOWN)) {
            throw new IllegalArgumentException(DetectorOptions.SHADOW_RULES.key() + ": UNKNOWN is not a rule");
        }
        this.anomalies = AnomalyConfig.from(config);
        this.dormantAfterMillis = positive(config.get(DetectorOptions.DORMANT_AFTER).toMillis(),
                DetectorOptions.DORMANT_AFTER.key());
    }

    public static DetectorConfig from(ReadableConfig config) {
        return new DetectorConfig(config);
    }

    public static DetectorConfig defaults() {
        return new DetectorConfig(new Configuration());
    }

    public long alertQuietPeriodMillis() {
        return alertQuietPeriodMillis;
    }

    public int alertSampleCalls() {
        return alertSampleCalls;
    }

    public long redeliveryHorizonMillis() {
        return redeliveryHorizonMillis;
    }

    /**
     * How long (in event time after a call) the detector keeps what it knows of the call: to drop its
     * redeliveries, and to judge it again when a control record arrives late. The longer of the two horizons.
     */
    public long callRetentionMillis() {
        return Math.max(controlLateHorizonMillis, redeliveryHorizonMillis);
    }

    /** How long judged calls are kept for late control records and late calls; 0 keeps none beyond redelivery. */
    public long controlLateHorizonMillis() {
        return controlLateHorizonMillis;
    }

    /** How long a grant goes unused before it counts as dormant. */
    public long dormantAfterMillis() {
        return dormantAfterMillis;
    }

    /** Whether breaches on {@code resource} are sensitive (CRITICAL for scope and consent rules). */
    public boolean isSensitive(Resource resource) {
        return sensitiveResources.contains(resource);
    }

    /** The anomaly rules' settings. */
    public AnomalyConfig anomalies() {
        return anomalies;
    }

    /** Whether {@code rule} runs in shadow mode: its violations are recorded and counted, never alerted on. */
    public boolean isShadow(ViolationRule rule) {
        return shadowRules.contains(rule);
    }

    /** The severity of a breach of {@code rule} on {@code resource}: an override if one is set, else the default. */
    public Severity severityOf(ViolationRule rule, Resource resource) {
        Severity exact = severityOverrides.get(rule.name() + "/" + resource.name());
        if (exact != null) {
            return exact;
        }
        Severity forRule = severityOverrides.get(rule.name());
        if (forRule != null) {
            return forRule;
        }
        switch (rule) {
            case AFTER_REVOCATION:
            case OUT_OF_SCOPE:
            case NO_USER_CONSENT:
                return sensitiveResources.contains(resource) ? Severity.CRITICAL : Severity.HIGH;
            case RATE_LIMIT:
            case VOLUME_SPIKE:
            case FAN_OUT:
            case FIRST_SEEN:
                return Severity.MEDIUM;
            default:
                return Severity.HIGH;
        }
    }

    private static long positive(long millis, String key) {
        if (millis <= 0) {
            throw new IllegalArgumentException(key + " must be positive");
        }
        return millis;
    }

    private static String validOverrideKey(String key) {
        String k = key.trim().toUpperCase(Locale.ROOT);
        String[] parts = k.split("/", -1);
        try {
            ViolationRule.valueOf(parts[0]);
            if (parts.length == 2) {
                Resource.valueOf(parts[1]);
            } else if (parts.length > 2) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    DetectorOptions.SEVERITY_OVERRIDES.key() + ": '" + key + "' is not RULE or RULE/RESOURCE");
        }
        return k;
    }

    private static Severity severity(String value) {
        try {
            Severity s = Severity.valueOf(value.trim().toUpperCase(Locale.ROOT));
            if (s != Severity.UNKNOWN) {
                return s;
            }
        } catch (IllegalArgumentException ignored) {
            // fall through to the clear error below
        }
        throw new IllegalArgumentException(
                DetectorOptions.SEVERITY_OVERRIDES.key() + ": '" + value + "' is not LOW, MEDIUM, HIGH or CRITICAL");
    }
}
