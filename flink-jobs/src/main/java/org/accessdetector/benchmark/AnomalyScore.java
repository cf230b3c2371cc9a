package org.accessdetector.benchmark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.schema.ViolationStatus;
import org.accessdetector.simulate.InjectedAnomaly;

/**
 * Scores the behavioural-anomaly rules against injected ground truth, from the violation records alone (never the
 * detector's code, so it can judge it).
 *
 * <p>Scored: the violations in force (the last record of each violationId, unless RETRACTED) of VOLUME_SPIKE,
 * FAN_OUT and FIRST_SEEN with shadow=false; shadow ones (a key still warming up) are counted but not alerts, so not
 * scored. A violation matches an injected anomaly of the same rule and partner when: VOLUME_SPIKE, the same
 * resource and action and its minute starts within [start, end]; FAN_OUT, the same token and its window overlaps
 * [start, end]; FIRST_SEEN, the same new source network (compared as addresses, so {@code 2001:db8:1::/48} equals
 * {@code 2001:db8:1:0:0:0:0:0/48}), or with no network the same resource and action, and its call's eventTime in
 * [start, end]. Per rule: precision = matching violations / violations; recall = anomalies with a match / anomalies;
 * detection delay of an anomaly = its earliest match's time (windowStart, or eventTime for FIRST_SEEN) minus its
 * start, at least zero (a fan-out's window may open before the fan-out does).
 */
public final class AnomalyScore {

    public static final List<ViolationRule> RULES =
            List.of(ViolationRule.VOLUME_SPIKE, ViolationRule.FAN_OUT, ViolationRule.FIRST_SEEN);

    /** One rule's figures. {@code delaysMillis} has one entry per detected anomaly. */
    public record RuleScore(ViolationRule rule, int injected, int detected, int violations, int matchingViolations,
            List<Long> delaysMillis) {

        /** NaN when the rule raised nothing. */
        public double precision() {
            return violations == 0 ? Double.NaN : matchingViolations / (double) violations;
        }

        /** NaN when nothing of the rule was injected. */
        public double recall() {
            return injected == 0 ? Double.NaN : detected / (double) injected;
        }

        /** The median delay (the mean of the middle two for an even count), or null when nothing was detected. */
        public Long medianDelayMillis() {
            if (delaysMillis.isEmpty()) {
                return null;
            }
            List<Long> sorted = delaysMillis.stream().sorted().toList();
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        public Long maxDelayMillis() {
            return delaysMillis.stream().max(Long::compare).orElse(null);
        }
    }

    /**
     * The score, and what it left out: unmatched violations (false positives), anomalies without a match, violations
     * in force of other rules (a clean history has none), and the anomaly rules' shadow and retracted violations.
     */
    public record Result(List<RuleScore> rules, List<Violation> falsePositives, List<InjectedAnomaly> missed,
            Map<ViolationRule, Long> otherRules, long shadow, long retracted) {

        public RuleScore of(ViolationRule rule) {
            return rules.stream().filter(r -> r.rule() == rule).findFirst().orElseThrow();
        }
    }

    private AnomalyScore() {}

    /**
     * @param injected the ground truth
     * @param records violation records in the order written (several per id allowed: the last is its state)
     */
    public static Result score(List<InjectedAnomaly> injected, Iterable<Violation> records) {
        Map<String, Violation> latest = new LinkedHashMap<>();
        for (Violation v : records) {
            latest.put(v.getViolationId(), v);
        }
        Map<ViolationRule, List<Violation>> scored = new EnumMap<>(ViolationRule.class);
        Map<ViolationRule, Long> otherRules = new EnumMap<>(ViolationRule.class);
        long shadow = 0;
        long retracted = 0;
        for (Violation v : latest.values()) {
            boolean anomalyRule = RULES.contains(v.getRule());
            if (v.getStatus() == ViolationStatus.RETRACTED) {
                retracted += anomalyRule ? 1 : 0;
            } else if (!anomalyRule) {
                otherRules.merge(v.getRule(), 1L, Long::sum);
            } else if (Boolean.TRUE.equals(v.getShadow())) {
                shadow++;
            } else {
                scored.computeIfAbsent(v.getRule(), r -> new ArrayList<>()).add(v);
            }
        }

        List<RuleScore> rules = new ArrayList<>();
        List<Violation> falsePositives = new ArrayList<>();
        List<InjectedAnomaly> missed = new ArrayList<>();
        for (ViolationRule rule : RULES) {
            List<Violation> violations = scored.getOrDefault(rule, List.of());
            List<InjectedAnomaly> anomalies = injected.stream().filter(a -> a.rule() == rule).toList();
            int matching = 0;
            for (Violation v : violations) {
                if (anomalies.stream().anyMatch(a -> matches(a, v))) {
                    matching++;
                } else {
                    falsePositives.add(v);
                }
            }
            List<Long> delays = new ArrayList<>();
            for (InjectedAnomaly a : anomalies) {
                Long earliest = violations.stream().filter(v -> matches(a, v)).map(AnomalyScore::decidableAt)
                        .min(Long::compare).orElse(null);
                if (earliest == null) {
                    missed.add(a);
                } else {
                    delays.add(Math.max(0, earliest - a.start()));
                }
            }
            rules.add(new RuleScore(rule, anomalies.size(), delays.size(), violations.size(), matching,
                    List.copyOf(delays)));
        }
        return new Result(List.copyOf(rules), List.copyOf(falsePositives), List.copyOf(missed), otherRules, shadow,
                retracted);
    }

    /** Whether {@code v} finds {@code a} (see the class comment); shadow and status are not looked at here. */
    public static boolean matches(InjectedAnomaly a, Violation v) {
        if (v.getRule() != a.rule() || !a.partnerId().equals(v.getPartnerId())) {
            return false;
        }
        Long at = violationTime(v);
        if (at == null) {
            return false;
        }
        switch (a.rule()) {
            case VOLUME_SPIKE:
                return sameScope(a, v) && at >= a.start() && at <= a.end();
            case FAN_OUT:
                long windowEnd = v.getWindowEnd() != null ? v.getWindowEnd() : at + 1;
                return a.tokenId() != null && a.tokenId().equals(v.getTokenId()) && at <= a.end()
                        && windowEnd > a.start();
            case FIRST_SEEN:
                boolean same = a.sourceNetwork() != null
                        ? v.getSourceNetwork() != null
                                && canonicalNetwork(a.sourceNetwork()).equals(canonicalNetwork(v.getSourceNetwork()))
                        : v.getSourceNetwork() == null && sameScope(a, v);
                return same && at >= a.start() && at <= a.end();
            default:
                return false;
        }
    }

    private static boolean sameScope(InjectedAnomaly a, Violation v) {
        return a.resource() == v.getResource() && a.action() == v.getAction();
    }

    /** When the violation happened, for matching: its call's time (FIRST_SEEN), else its window's start. */
    public static Long violationTime(Violation v) {
        return v.getRule() == ViolationRule.FIRST_SEEN ? v.getEventTime() : v.getWindowStart();
    }

    /**
     * The earliest event time the violation can be raised at, for delays: its call's (FIRST_SEEN), else the end
     * of its window, which has to be over before it is judged.
     */
    public static Long decidableAt(Violation v) {
        return v.getRule() == ViolationRule.FIRST_SEEN ? v.getEventTime() : v.getWindowEnd();
    }

    /** The violation records in a replay's violations.jsonl, in file order. */
    public static List<Violation> read(Path violationsFile) throws IOException {
        List<Violation> out = new ArrayList<>();
        for (String line : Files.readAllLines(violationsFile, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(JsonOutput.fromJson(line, Violation.class));
            }
        }
        return out;
    }

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9a-fA-F:.]+");

    /**
     * A network in one spelling: its address masked to the prefix, as {@link InetAddress#getHostAddress()} writes it,
     * then the prefix. Anything that is not an IP literal with a prefix is returned as it is.
     */
    public static String canonicalNetwork(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return cidr;
        }
        String address = cidr.substring(0, slash).trim();
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            return cidr;
        }
        if (!IP_LITERAL.matcher(address).matches()) {
            return cidr; // never a host name: InetAddress would look it up
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            if (prefix < 0 || prefix > bytes.length * 8) {
                return cidr;
            }
            for (int bit = prefix; bit < bytes.length * 8; bit++) {
                bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            return InetAddress.getByAddress(bytes).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            return cidr;
        }
    }

    /** The network the anomaly rules judge a source address by: its /24 (IPv4) or /48 (IPv6). */
    public static String networkOf(String ip) {
        return canonicalNetwork(ip + (ip.contains(":") ? "/48" : "/24"));
    }
}
