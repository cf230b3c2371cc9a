package org.accessdetector.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.accessdetector.simulate.GroundTruth;

/**
 * Violations as tests compare them: one line each, {@code RULE callId} or {@code RATE_LIMIT
 * partner/resource/action/windowStart}; the state in force from a stream of violation records; and the
 * oracle's answer for the same records.
 */
public final class Verdicts {

    private Verdicts() {}

    public static String brief(Violation v) {
        return v.getRule() + " " + (v.getCallId() != null ? v.getCallId()
                : v.getPartnerId() + "/" + v.getResource() + "/" + v.getAction() + "/" + v.getWindowStart());
    }

    public static Set<String> brief(Iterable<Violation> violations) {
        Set<String> out = new TreeSet<>();
        for (Violation v : violations) {
            out.add(brief(v));
        }
        return out;
    }

    /** The last record of each violation id, in first-seen order: the violations' state. */
    public static Map<String, Violation> latest(Iterable<Violation> records) {
        Map<String, Violation> last = new LinkedHashMap<>();
        for (Violation v : records) {
            last.put(v.getViolationId(), v);
        }
        return last;
    }

    /** The violations in force: the last record of each id, unless RETRACTED. */
    public static List<Violation> inForce(Iterable<Violation> records) {
        List<Violation> out = new ArrayList<>();
        for (Violation v : latest(records).values()) {
            if (Violations.inForce(v)) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * What replay semantics make of these records, worked out by the simulator's oracle rather than the
     * detector: every control record first, then the calls in event-time order (a redelivered call id once),
     * then every rate minute closed.
     */
    public static Set<String> oracle(List<PartnerAgreement> agreements, List<ConsentEvent> consents,
            List<PartnerApiCall> calls) {
        GroundTruth truth = new GroundTruth();
        agreements.forEach(truth::addAgreement);
        consents.forEach(truth::addConsent);
        List<PartnerApiCall> byTime = new ArrayList<>(calls);
        byTime.sort(Comparator.comparingLong(PartnerApiCall::getEventTime));
        Set<String> expected = new TreeSet<>();
        for (PartnerApiCall c : byTime) {
            GroundTruth.Verdict verdict = truth.judge(c);
            if (!verdict.redelivery()) {
                for (ViolationRule rule : verdict.rules()) {
                    expected.add(rule + " " + c.getCallId());
                }
            }
        }
        for (GroundTruth.RateLimitWindow w : truth.finish()) {
            expected.add(ViolationRule.RATE_LIMIT + " " + w.partnerId() + "/" + w.resource() + "/" + w.action() + "/"
                    + w.windowStart());
        }
        return expected;
    }

    /** Violations in force per alert group (partner|rule|resource|action). */
    public static Map<String, Long> perGroup(Iterable<Violation> inForce) {
        Map<String, Long> out = new HashMap<>();
        for (Violation v : inForce) {
            out.merge(v.getPartnerId() + "|" + v.getRule() + "|" + v.getResource() + "|" + v.getAction(), 1L, Long::sum);
        }
        return out;
    }
}
