package org.accessdetector.detection;

import org.accessdetector.typeinfo.RecordTypes;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.detection.anomaly.FanOutJudge;
import org.accessdetector.detection.anomaly.FirstSeenJudge;
import org.accessdetector.detection.anomaly.VolumeSpikeJudge;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The one place that builds the detection graph. Sources come in as timestamped streams and the outputs go
 * back to the caller, who attaches sinks: replay over files, the live Kafka job and the tests all run this.
 *
 * <pre>
 * calls ─ ALLOWED ─┬─ about another user ─ subject sharing (subject) ─┐
 *                  └─ own ─────────────────────────────────────────────┤
 * consents ───────────── sharing ─────────┘                            │
 * consents ────────────────────────────────────────────────────────────┴ calls (consenting user) ─┬─ violations ────────────────────────────────────────────┐
 * agreements (broadcast) ──────────────────────────────────────────────┘                          │                                                         │
 *                                                                                                 └─ rate samples, summed per minute ─┬─ rate (agreements) ─┤
 *                                                                                                                                     └─ volume spike ──────┤
 *                  ├─ with a token or signed-in user ─ fan-out (credential) ────────────────────────────────────────────────────────────────────────────────┤
 *                  ├─ first seen (partner) ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────┴ shadow ─ alerts (group)
 *                  └─ latest use per hour ─ with agreements (partner) ─ dormant sensitive grants gauge (no records)
 * </pre>
 */
public final class DetectionGraph {

    private DetectionGraph() {}

    /** The graph's outputs: every violation record (the last of an id is its state), and every alert update. */
    public record Outputs(DataStream<Violation> violations, DataStream<AccessAlert> alerts) {}

    public static Outputs build(
            DataStream<PartnerApiCall> calls,
            DataStream<PartnerAgreement> agreements,
            DataStream<ConsentEvent> consents,
            DetectorConfig config) {

        TypeInformation<UserInput> userInput = TypeInformation.of(UserInput.class);
        // The gateway stopped DENIED calls: never a violation, never counted toward a rate.
        DataStream<PartnerApiCall> allowed = calls
                .filter(c -> c.getOutcome() != CallOutcome.DENIED)
                .name("Allowed calls");

        DataStream<UserInput> friendCalls = allowed
                .filter(UserInput::aboutAnotherUser)
                .name("Calls about another user")
                .keyBy(PartnerApiCall::getSubjectUserId, RecordTypes.KEY)
                .connect(consents
                        .filter(e -> CallJudge.isSharingEvent(e.getType()))
                        .name("Sharing events")
                        .keyBy(ConsentEvent::getUserId, RecordTypes.KEY))
                .process(new SubjectSharingJudge(config), userInput)
                .uid("judge-subject-sharing")
                .name("Judge the subject's sharing");

        DataStream<UserInput> userInputs = allowed
                .filter(c -> !UserInput.aboutAnotherUser(c))
                .name("Calls about the user")
                .map(UserInput::call, userInput)
                .name("Own calls")
                .union(friendCalls, consents.map(UserInput::consent, userInput).name("Consents"));

        BroadcastStream<PartnerAgreement> agreementVersions = agreements.broadcast(AgreementBroadcast.VERSIONS);

        SingleOutputStreamOperator<Violation> callViolations = userInputs
                .keyBy(UserInput::userKey, RecordTypes.KEY)
                .connect(agreementVersions)
                .process(new CallJudge(config), RecordTypes.VIOLATION)
                .uid("judge-calls")
                .name("Judge calls");

        // One sample per judged call, summed per minute before the shuffle: both stages read only the sum.
        DataStream<RateSample> rateSamples = callViolations
                .getSideOutput(CallJudge.RATE_SAMPLES)
                .transform("Sum rate samples", CallJudge.RATE_SAMPLES.getTypeInfo(),
                        new LocalCombiner<>(new RateSampleSums()));

        DataStream<Violation> rateViolations = rateSamples
                .keyBy(RateSample::rateKey, RecordTypes.KEY)
                .connect(agreementVersions)
                .process(new RateJudge(config), RecordTypes.VIOLATION)
                .uid("judge-rate")
                .name("Judge rate limits");

        // Behavioural anomalies: judged against each key's own history, on the same calls and watermarks.
        DataStream<Violation> volumeSpikes = rateSamples
                .keyBy(RateSample::rateKey, RecordTypes.KEY)
                .process(new VolumeSpikeJudge(config), RecordTypes.VIOLATION)
                .uid("judge-volume-spike")
                .name("Judge volume spikes");

        DataStream<Violation> fanOuts = allowed
                .filter(FanOutJudge::hasCredential)
                .name("Calls with a credential")
                .keyBy(FanOutJudge::credentialKey, RecordTypes.KEY)
                .process(new FanOutJudge(config), RecordTypes.VIOLATION)
                .uid("judge-fan-out")
                .name("Judge fan-out per credential");

        DataStream<Violation> firstSeen = allowed
                .keyBy(PartnerApiCall::getPartnerId, RecordTypes.KEY)
                .process(new FirstSeenJudge(config), RecordTypes.VIOLATION)
                .uid("judge-first-seen")
                .name("Judge first-seen use");

        // Least-privilege review for the dashboard: a gauge, no records (its output is empty).
        DataStream<Violation> dormantGrants = allowed
                .transform("Latest use per hour", TypeInformation.of(ScopeUse.class),
                        new LocalCombiner<>(new ScopeUse.Latest()))
                .keyBy(ScopeUse::partnerId, RecordTypes.KEY)
                .connect(agreements.keyBy(PartnerAgreement::getPartnerId, RecordTypes.KEY))
                .process(new DormantGrants(config), RecordTypes.VIOLATION)
                .uid("gauge-dormant-grants")
                .name("Count dormant sensitive grants");

        DataStream<Violation> violations = callViolations
                .union(rateViolations, volumeSpikes, fanOuts, firstSeen, dormantGrants)
                .map(new ShadowRules(config), RecordTypes.VIOLATION)
                .name("Mark shadow rules");

        DataStream<AccessAlert> alerts = violations
                .filter(ShadowRules::alerts)
                .name("Violations that alert")
                .keyBy(AlertAggregator::groupKey, RecordTypes.KEY)
                .process(new AlertAggregator(config), RecordTypes.ALERT)
                .uid("aggregate-alerts")
                .name("Aggregate violations into alerts");

        return new Outputs(violations, alerts);
    }
}
