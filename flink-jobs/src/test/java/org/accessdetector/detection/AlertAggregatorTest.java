package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.Instants.ONE_MINUTE;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.BOB;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.rules.Violations;
import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AlertStatus;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.Severity;
import org.accessdetector.schema.Violation;
import org.accessdetector.schema.ViolationRule;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class AlertAggregatorTest {

    private static final long QUIET = 15 * ONE_MINUTE; // the default quiet period
    private static final long T0 = BEFORE_REVOCATION;

    private static Violation violation(String callId, String subject, long at, Severity severity) {
        Violation v = Violations.perCall(DetectorConfig.defaults(), ViolationRule.OUT_OF_SCOPE, callId, PARTNER,
                Resource.MESSAGES, Action.READ, subject, null, at, null, 1, "out of scope");
        return Violation.newBuilder(v).setSeverity(severity).build();
    }

    private static Violation violation(String callId, long at) {
        return violation(callId, ALICE, at, Severity.CRITICAL);
    }

    /** Runs the violations through a fresh aggregator to the end of time and returns every alert update. */
    private static List<AccessAlert> aggregate(List<Violation> violations) throws Exception {
        return aggregate(violations, h -> {});
    }

    private static List<AccessAlert> aggregate(
            List<Violation> violations,
            Consumer<KeyedOneInputStreamOperatorTestHarness<String, Violation, AccessAlert>> beforeEnd)
            throws Exception {
        try (KeyedOneInputStreamOperatorTestHarness<String, Violation, AccessAlert> harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new AlertAggregator(DetectorConfig.defaults()), AlertAggregator::groupKey, Types.STRING)) {
            for (Violation v : violations) {
                harness.processElement(v, v.getEventTime());
            }
            beforeEnd.accept(harness);
            harness.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(harness.numKeyedStateEntries()).as("every alert resolved and cleared").isZero();
            assertThat(harness.numEventTimeTimers()).as("no timer left").isZero();
            return harness.extractOutputValues();
        }
    }

    @Test
    void firstViolationOpensAnAlertAndLaterOnesUpdateIt() throws Exception {
        List<AccessAlert> updates = aggregate(List.of(
                violation("c1", ALICE, T0, Severity.HIGH),
                violation("c2", BOB, T0 + ONE_MINUTE, Severity.CRITICAL),
                violation("c3", ALICE, T0 + 2 * ONE_MINUTE, Severity.HIGH)));

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount,
                        AccessAlert::getDistinctSubjectUsers, AccessAlert::getSeverity, AccessAlert::getUpdatedAt)
                .containsExactly(
                        tuple(AlertStatus.FIRING, 1L, 1L, Severity.HIGH, T0),
                        tuple(AlertStatus.FIRING, 2L, 2L, Severity.CRITICAL, T0 + ONE_MINUTE),
                        tuple(AlertStatus.FIRING, 3L, 2L, Severity.CRITICAL, T0 + 2 * ONE_MINUTE),
                        tuple(AlertStatus.RESOLVED, 3L, 2L, Severity.CRITICAL, T0 + 2 * ONE_MINUTE + QUIET));
        assertThat(updates).extracting(AccessAlert::getAlertId).containsOnly(updates.get(0).getAlertId());
        AccessAlert last = updates.get(3);
        assertThat(last.getFirstSeen()).isEqualTo(T0);
        assertThat(last.getLastSeen()).isEqualTo(T0 + 2 * ONE_MINUTE);
        assertThat(last.getResolvedAt()).isEqualTo(T0 + 2 * ONE_MINUTE + QUIET);
        assertThat(last.getSampleCallIds()).containsExactly("c1", "c2", "c3");
        assertThat(last.getSummary()).contains("3 violations", "OUT_OF_SCOPE", PARTNER, "MESSAGES/READ",
                "2 users affected");
    }

    @Test
    void violationAfterTheQuietPeriodOpensANewAlert() throws Exception {
        List<AccessAlert> updates = aggregate(List.of(
                violation("c1", T0),
                violation("c2", T0 + QUIET - 1), // still inside: extends the alert
                violation("c3", T0 + QUIET - 1 + QUIET))); // exactly a quiet period later: a new alert

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount)
                .containsExactly(
                        tuple(AlertStatus.FIRING, 1L),
                        tuple(AlertStatus.FIRING, 2L),
                        tuple(AlertStatus.RESOLVED, 2L),
                        tuple(AlertStatus.FIRING, 1L),
                        tuple(AlertStatus.RESOLVED, 1L));
        assertThat(updates.get(0).getAlertId()).isNotEqualTo(updates.get(3).getAlertId());
    }

    @Test
    void theAlertsAreTheSameWhateverOrderTheViolationsArriveIn() throws Exception {
        List<Violation> violations = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // gaps of 0..19 minutes: some exceed the quiet period and split the alerts
            violations.add(violation("c" + i, i % 3 == 0 ? ALICE : BOB, T0 + (long) i * i % 20 * ONE_MINUTE * i,
                    i % 2 == 0 ? Severity.HIGH : Severity.CRITICAL));
        }
        List<AccessAlert> inOrder = withoutDetectedAt(aggregate(violations));
        List<Violation> shuffled = new ArrayList<>(violations);
        Collections.shuffle(shuffled, new Random(7));

        assertThat(withoutDetectedAt(aggregate(shuffled))).isEqualTo(inOrder);
        long counted = inOrder.stream().filter(a -> a.getStatus() == AlertStatus.RESOLVED)
                .mapToLong(AccessAlert::getViolationCount).sum();
        assertThat(counted).as("every violation is in exactly one alert").isEqualTo(violations.size());
    }

    @Test
    void samplesAreCappedAtTenCallIds() throws Exception {
        List<Violation> violations = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            violations.add(violation(String.format("c%02d", i), T0 + i));
        }
        List<AccessAlert> updates = aggregate(violations);

        AccessAlert last = updates.get(updates.size() - 1);
        assertThat(last.getViolationCount()).isEqualTo(12);
        assertThat(last.getSampleCallIds()).hasSize(10).startsWith("c00", "c01");
    }

    @Test
    void violationsOfDifferentGroupsGoToDifferentAlerts() throws Exception {
        Violation write = Violations.perCall(DetectorConfig.defaults(), ViolationRule.OUT_OF_SCOPE, "w1", PARTNER,
                Resource.MESSAGES, Action.WRITE, ALICE, null, T0, null, 1, "out of scope");
        List<AccessAlert> updates = aggregate(List.of(violation("r1", T0), write));

        assertThat(updates).filteredOn(a -> a.getStatus() == AlertStatus.FIRING)
                .extracting(AccessAlert::getAction).containsExactlyInAnyOrder(Action.READ, Action.WRITE);
    }

    @Test
    void rateViolationsAreAlertedAtTheEndOfTheirMinute() throws Exception {
        Violation rate = Violations.rateLimit(DetectorConfig.defaults(), PARTNER, Resource.FRIENDS, Action.READ, T0,
                150, 100, 1);
        try (KeyedOneInputStreamOperatorTestHarness<String, Violation, AccessAlert> harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new AlertAggregator(DetectorConfig.defaults()), AlertAggregator::groupKey, Types.STRING)) {
            harness.processElement(rate, T0 + ONE_MINUTE - 1);
            harness.processWatermark(new Watermark(T0 + ONE_MINUTE - 1));

            assertThat(harness.extractOutputValues()).singleElement().satisfies(a -> {
                assertThat(a.getRule()).isEqualTo(ViolationRule.RATE_LIMIT);
                assertThat(a.getFirstSeen()).isEqualTo(T0 + ONE_MINUTE - 1);
                assertThat(a.getDistinctSubjectUsers()).isZero();
                assertThat(a.getSampleCallIds()).isEmpty();
            });
        }
    }

    private static Violation retracted(Violation v) {
        return Violations.retracted(v, "Retracted: a consent event arrived after the call was judged.");
    }

    @Test
    void aViolationDeliveredTwiceIsCountedOnce() throws Exception {
        Violation v = violation("c1", T0);
        List<AccessAlert> updates = aggregate(List.of(v, violation("c2", BOB, T0 + ONE_MINUTE, Severity.CRITICAL)),
                h -> {
                    try {
                        h.processWatermark(new Watermark(T0 + 2 * ONE_MINUTE));
                        h.processElement(v, T0); // redelivered after it was counted
                        h.processElement(Violation.newBuilder(v).setDetectedAt(1L).build(), T0); // written again
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount,
                        AccessAlert::getDistinctSubjectUsers)
                .containsExactly(
                        tuple(AlertStatus.FIRING, 1L, 1L),
                        tuple(AlertStatus.FIRING, 2L, 2L),
                        tuple(AlertStatus.RESOLVED, 2L, 2L));
    }

    @Test
    void theSameIdTwiceAtOnceIsCountedOnce() throws Exception {
        Violation v = violation("c1", T0);
        List<AccessAlert> updates = aggregate(List.of(v, v));

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount)
                .containsExactly(tuple(AlertStatus.FIRING, 1L), tuple(AlertStatus.RESOLVED, 1L));
    }

    @Test
    void aRetractionTakesTheViolationOutOfItsAlert() throws Exception {
        Violation first = violation("c1", ALICE, T0, Severity.CRITICAL);
        Violation second = violation("c2", BOB, T0 + ONE_MINUTE, Severity.CRITICAL);
        List<AccessAlert> updates = aggregate(List.of(first, second), h -> {
            try {
                h.processWatermark(new Watermark(T0 + 2 * ONE_MINUTE));
                h.processElement(retracted(first), T0 + 2 * ONE_MINUTE); // overturned late
                h.processElement(retracted(first), T0 + 2 * ONE_MINUTE); // and the retraction redelivered
                h.processWatermark(new Watermark(T0 + 3 * ONE_MINUTE));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount,
                        AccessAlert::getRetractedViolations, AccessAlert::getDistinctSubjectUsers)
                .containsExactly(
                        tuple(AlertStatus.FIRING, 1L, 0L, 1L),
                        tuple(AlertStatus.FIRING, 2L, 0L, 2L),
                        tuple(AlertStatus.FIRING, 1L, 1L, 1L),
                        tuple(AlertStatus.RESOLVED, 1L, 1L, 1L));
        AccessAlert last = updates.get(3);
        assertThat(last.getSampleCallIds()).containsExactly("c2");
        assertThat(last.getSummary()).contains("1 violation", "1 more retracted");
    }

    @Test
    void aRetractionAfterARestoreFromASnapshotTakesTheCallOutOfTheSamples() throws Exception {
        // Restored from a snapshot, an alert's sample list is Avro's own array, which cannot remove.
        Violation first = violation("c1", ALICE, T0, Severity.CRITICAL);
        Violation second = violation("c2", BOB, T0 + ONE_MINUTE, Severity.CRITICAL);
        org.apache.flink.runtime.checkpoint.OperatorSubtaskState snapshot;
        try (KeyedOneInputStreamOperatorTestHarness<String, Violation, AccessAlert> before = harness()) {
            before.processElement(first, T0);
            before.processElement(second, T0 + ONE_MINUTE);
            before.processWatermark(new Watermark(T0 + 2 * ONE_MINUTE));
            snapshot = before.snapshot(1, T0 + 2 * ONE_MINUTE);
        }
        try (KeyedOneInputStreamOperatorTestHarness<String, Violation, AccessAlert> after =
                new KeyedOneInputStreamOperatorTestHarness<>(new org.apache.flink.streaming.api.operators.KeyedProcessOperator<>(
                        new AlertAggregator(DetectorConfig.defaults())), AlertAggregator::groupKey, Types.STRING)) {
            after.setup();
            after.initializeState(snapshot);
            after.open();
            after.processElement(retracted(first), T0 + 2 * ONE_MINUTE);
            after.processWatermark(new Watermark(T0 + 3 * ONE_MINUTE));

            assertThat(after.extractOutputValues()).singleElement().satisfies(a -> {
                assertThat(a.getViolationCount()).isEqualTo(1L);
                assertThat(a.getRetractedViolations()).isEqualTo(1L);
                assertThat(a.getSampleCallIds()).containsExactly("c2");
            });
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Violation, AccessAlert> harness() throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new AlertAggregator(DetectorConfig.defaults()), AlertAggregator::groupKey, Types.STRING);
    }

    @Test
    void anAlertWhoseViolationsAreAllRetractedIsResolvedAtOnceSayingSo() throws Exception {
        Violation only = violation("c1", T0);
        List<AccessAlert> updates = aggregate(List.of(only), h -> {
            try {
                h.processWatermark(new Watermark(T0 + ONE_MINUTE));
                h.processElement(retracted(only), T0 + ONE_MINUTE);
                h.processWatermark(new Watermark(T0 + 2 * ONE_MINUTE)); // long before the quiet period ends
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount,
                        AccessAlert::getRetractedViolations)
                .containsExactly(
                        tuple(AlertStatus.FIRING, 1L, 0L),
                        tuple(AlertStatus.RESOLVED, 0L, 1L));
        AccessAlert resolved = updates.get(1);
        assertThat(resolved.getResolvedAt()).as("at once, not after the quiet period").isLessThan(T0 + QUIET);
        assertThat(resolved.getSummary()).contains("All 1 violation", "retracted", "Nothing to act on");
        assertThat(resolved.getDistinctSubjectUsers()).isZero();
        assertThat(resolved.getSampleCallIds()).isEmpty();
    }

    @Test
    void aViolationRetractedAndRaisedAgainAtOnceLeavesItsAlertAsItWasWithoutAnUpdate() throws Exception {
        Violation only = violation("c1", T0);
        List<AccessAlert> updates = aggregate(List.of(only), h -> {
            try {
                h.processWatermark(new Watermark(T0 + ONE_MINUTE));
                // The call judged again twice before event time moves on: retracted, then raised again.
                h.processElement(retracted(only), T0 + ONE_MINUTE);
                h.processElement(Violation.newBuilder(only).setDetectedAt(only.getDetectedAt() + 5).build(),
                        T0 + ONE_MINUTE);
                h.processWatermark(new Watermark(T0 + 2 * ONE_MINUTE));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount,
                        AccessAlert::getRetractedViolations)
                .as("the first update, then the resolution after the quiet period: nothing in between")
                .containsExactly(tuple(AlertStatus.FIRING, 1L, 0L), tuple(AlertStatus.RESOLVED, 1L, 0L));
        assertThat(updates).extracting(AccessAlert::getAlertId).containsOnly(updates.get(0).getAlertId());
    }

    @Test
    void aRetractionOfAViolationNeverCountedChangesNothing() throws Exception {
        Violation v = violation("c1", T0);
        List<AccessAlert> updates = aggregate(List.of(retracted(violation("c0", T0)), v));

        assertThat(updates).extracting(AccessAlert::getStatus, AccessAlert::getViolationCount,
                        AccessAlert::getRetractedViolations)
                .containsExactly(tuple(AlertStatus.FIRING, 1L, 0L), tuple(AlertStatus.RESOLVED, 1L, 0L));
    }

    @Test
    void aRateMinuteRewrittenWithNewFiguresIsCountedOnce() throws Exception {
        DetectorConfig config = DetectorConfig.defaults();
        Violation raised = Violations.rateLimit(config, PARTNER, Resource.FRIENDS, Action.READ, T0, 150, 100, 1);
        Violation rewritten = Violations.rateLimit(config, PARTNER, Resource.FRIENDS, Action.READ, T0, 180, 100, 1);
        assertThat(rewritten.getViolationId()).isEqualTo(raised.getViolationId());
        long end = T0 + ONE_MINUTE - 1;
        try (KeyedOneInputStreamOperatorTestHarness<String, Violation, AccessAlert> harness =
                ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                        new AlertAggregator(config), AlertAggregator::groupKey, Types.STRING)) {
            harness.processElement(raised, end);
            harness.processWatermark(new Watermark(end));
            harness.processElement(rewritten, end + ONE_MINUTE); // a late sample changed the minute
            harness.processWatermark(new Watermark(end + ONE_MINUTE));
            harness.processWatermark(new Watermark(Long.MAX_VALUE));

            assertThat(harness.extractOutputValues())
                    .extracting(AccessAlert::getStatus, AccessAlert::getViolationCount, AccessAlert::getFirstSeen)
                    .containsExactly(tuple(AlertStatus.FIRING, 1L, end), tuple(AlertStatus.RESOLVED, 1L, end));
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    private static List<AccessAlert> withoutDetectedAt(List<AccessAlert> alerts) {
        return alerts.stream().map(a -> AccessAlert.newBuilder(a).setDetectedAt(null).build()).toList();
    }
}
