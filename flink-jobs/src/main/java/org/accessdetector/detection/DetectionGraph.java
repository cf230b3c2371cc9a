package org.accessdetector.detection;

import org.accessdetector.config.DetectorConfig;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The one place that builds the detection graph. Sources come in as timestamped streams and the outputs go
 * back to the caller, who attaches sinks: replay over files, the live Kafka job and the tests all run this.
 *
 * <pre>
 * calls ─ dedupe (callId) ─┐
 * agreements ──────────────┴ scope (partner) ─┬─ violations ─────────────────────────────┐
 *                                             ├─ consent checks ┐                        │
 * consents ─────────────────────────────────────────────────────┴ consent (user) ─ merge (callId) ─┤
 *                                             └─ rate samples ─ rate (partner/resource/action) ───┴ alerts (group)
 * </pre>
 */
public final class DetectionGraph {

    private DetectionGraph() {}

    /** The graph's outputs: every violation, and every alert update. */
    public record Outputs(DataStream<Violation> violations, DataStream<AccessAlert> alerts) {}

    public static Outputs build(
            DataStream<PartnerApiCall> calls,
            DataStream<PartnerAgreement> agreements,
            DataStream<ConsentEvent> consents,
            DetectorConfig config) {

        DataStream<PartnerApiCall> uniqueCalls = calls
                .keyBy(PartnerApiCall::getCallId)
                .process(new CallDeduplicator(config))
                .uid("dedupe-calls")
                .name("Drop redelivered calls");

        SingleOutputStreamOperator<Violation> scopeViolations = uniqueCalls
                .connect(agreements)
                .keyBy(PartnerApiCall::getPartnerId, PartnerAgreement::getPartnerId)
                .process(new ScopeJudge(config))
                .uid("judge-scope")
                .name("Judge agreement scope");

        DataStream<Violation> consentViolations = scopeViolations
                .getSideOutput(ScopeJudge.CONSENT_CHECKS)
                .connect(consents)
                .keyBy(ConsentCheck::checkedUserId, ConsentEvent::getUserId)
                .process(new ConsentJudge(config.controlLateHorizonMillis()))
                .uid("judge-consent")
                .name("Judge user consent")
                .keyBy(finding -> finding.check().callId())
                .process(new ConsentVerdictMerger(config))
                .uid("merge-consent-findings")
                .name("Merge consent findings per call");

        DataStream<Violation> rateViolations = scopeViolations
                .getSideOutput(ScopeJudge.RATE_SAMPLES)
                .keyBy(RateSample::rateKey)
                .process(new RateJudge(config))
                .uid("judge-rate")
                .name("Judge rate limits");

        DataStream<Violation> violations = scopeViolations.union(consentViolations, rateViolations);

        DataStream<AccessAlert> alerts = violations
                .keyBy(AlertAggregator::groupKey)
                .process(new AlertAggregator(config))
                .uid("aggregate-alerts")
                .name("Aggregate violations into alerts");

        return new Outputs(violations, alerts);
    }
}
