package org.accessdetector.detection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by call id: waits for every consent finding of a call (one per user checked) and raises at most
 * one NO_USER_CONSENT violation for the call, whose reason names every missing consent.
 */
public class ConsentVerdictMerger extends KeyedProcessFunction<String, ConsentFinding, Violation> {
    private static final long serialVersionUID = 1L;

    private static final Comparator<ConsentFinding> BY_ROLE = Comparator.comparing(f -> f.check().role());

    private final DetectorConfig config;
    private transient ListState<ConsentFinding> findings;

    public ConsentVerdictMerger(DetectorConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        findings = getRuntimeContext().getListState(
                new ListStateDescriptor<>("consent-findings", TypeInformation.of(ConsentFinding.class)));
    }

    @Override
    public void processElement(ConsentFinding finding, Context ctx, Collector<Violation> out) throws Exception {
        if (finding.revision()) {
            // A late withdrawal of consent: the call's checks were decided long ago, report it on its own.
            out.collect(violation(finding.check(), List.of(finding.failure())));
            return;
        }
        List<ConsentFinding> all = new ArrayList<>();
        for (ConsentFinding f : findings.get()) {
            all.add(f);
        }
        all.add(finding);
        if (all.size() < finding.check().checksExpected()) {
            findings.add(finding);
            return;
        }
        findings.clear();
        all.sort(BY_ROLE);
        List<String> failures = new ArrayList<>(2);
        for (ConsentFinding f : all) {
            if (f.failure() != null) {
                failures.add(f.failure());
            }
        }
        if (failures.isEmpty()) {
            return;
        }
        out.collect(violation(finding.check(), failures));
    }

    private Violation violation(ConsentCheck c, List<String> failures) {
        String reason = "No user consent for partner " + c.partnerId() + ": " + String.join("; ", failures) + ".";
        return Violations.perCall(config, ViolationRule.NO_USER_CONSENT, c.callId(), c.partnerId(), c.resource(),
                c.action(), c.subjectUserId(), c.actingUserId(), c.eventTime(), c.appendedAt(), c.agreementVersion(),
                reason);
    }
}
