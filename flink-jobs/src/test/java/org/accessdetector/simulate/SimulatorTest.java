package org.accessdetector.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.accessdetector.agreements.AgreementsYaml;
import org.accessdetector.agreements.AgreementsYamlTest;
import org.accessdetector.schema.AgreementKind;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.ConsentEventType;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.ViolationRule;
import org.junit.jupiter.api.Test;

class SimulatorTest {

    private static final long START = Instant.parse("2018-12-18T08:00:00Z").toEpochMilli();
    private static final Set<ViolationRule> PER_CALL = EnumSet.of(ViolationRule.NO_AGREEMENT,
            ViolationRule.AFTER_REVOCATION, ViolationRule.OUT_OF_SCOPE, ViolationRule.FRIEND_DATA,
            ViolationRule.NO_USER_CONSENT);
    private static final Set<ViolationRule> SCOPE = EnumSet.of(ViolationRule.NO_AGREEMENT,
            ViolationRule.AFTER_REVOCATION, ViolationRule.OUT_OF_SCOPE);

    private static SimulationSettings.Builder base() {
        return SimulationSettings.builder().seed(42).startTime(START);
    }

    private static List<SimEvent> take(Iterator<SimEvent> events, int n) {
        List<SimEvent> out = new ArrayList<>(n);
        while (out.size() < n && events.hasNext()) {
            out.add(events.next());
        }
        return out;
    }

    /** A bounded run, all of it, with its RATE_LIMIT windows. */
    private record Run(Simulator sim, List<SimEvent> events, List<GroundTruth.RateLimitWindow> windows,
            Simulator.Events stream) {}

    private static Run run(SimulationSettings settings) {
        Simulator sim = new Simulator(settings);
        Simulator.Events stream = sim.events();
        List<SimEvent> events = new ArrayList<>();
        List<GroundTruth.RateLimitWindow> windows = new ArrayList<>();
        while (stream.hasNext()) {
            events.add(stream.next());
            windows.addAll(stream.takeRateLimitWindows());
        }
        windows.addAll(stream.takeRateLimitWindows());
        return new Run(sim, events, windows, stream);
    }

    /** Four minutes at the default rate (about 60k events), with bursts frequent enough to see some. */
    private static Run mixRun() {
        return run(base().duration(Duration.ofMinutes(4)).burstsPerHour(120).build());
    }

    // ---------------------------------------------------------------------------------------------------
    // Settings.

    @Test
    void defaultsFollowTheStory() {
        long before = System.currentTimeMillis();
        SimulationSettings s = SimulationSettings.builder().build();
        assertThat(s.partners()).isEqualTo(150);
        assertThat(s.partnersWithoutAgreement()).isEqualTo(2);
        assertThat(s.users()).isEqualTo(2_000_000);
        assertThat(s.callsPerSecond()).isEqualTo(200.0);
        assertThat(s.duration()).isNull();
        assertThat(s.startTime()).isBetween(before, System.currentTimeMillis());
        assertThat(s.breachFraction()).isEqualTo(0.02);
        assertThat(s.redeliveryFraction()).isEqualTo(0.001);
        SimulationSettings changed = s.toBuilder().seed(7).users(10).build();
        assertThat(changed.seed()).isEqualTo(7);
        assertThat(changed.users()).isEqualTo(10);
        assertThat(changed.startTime()).isEqualTo(s.startTime());
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        assertThatThrownBy(() -> base().users(1).build()).hasMessageContaining("users");
        assertThatThrownBy(() -> base().partners(6).partnersWithoutAgreement(2).build())
                .hasMessageContaining("at least 5 partners must have an agreement");
        assertThatThrownBy(() -> base().breachFraction(1.5).build()).hasMessageContaining("breachFraction");
        assertThatThrownBy(() -> base().callsPerSecond(0).build()).hasMessageContaining("callsPerSecond");
        assertThatThrownBy(() -> base().maxJitter(Duration.ZERO).build()).hasMessageContaining("maxJitter");
        assertThatThrownBy(() -> base().userSkew(0.5).build()).hasMessageContaining("userSkew");
        assertThatThrownBy(() -> base().duration(Duration.ofSeconds(-1)).build()).hasMessageContaining("duration");
    }

    // ---------------------------------------------------------------------------------------------------
    // Determinism.

    @Test
    void theSameSeedGivesTheSameEvents() {
        SimulationSettings settings = base().build();
        Simulator sim = new Simulator(settings);
        List<SimEvent> first = take(sim.events(), 20_000);
        assertThat(first).hasSize(20_000);
        assertThat(take(sim.events(), 20_000)).isEqualTo(first);
        assertThat(take(new Simulator(settings).events(), 20_000)).isEqualTo(first);
        assertThat(new Simulator(settings).agreements()).isEqualTo(sim.agreements());
    }

    @Test
    void anotherSeedGivesOtherEvents() {
        List<SimEvent> a = take(new Simulator(base().build()).events(), 1_000);
        List<SimEvent> b = take(new Simulator(base().seed(43).build()).events(), 1_000);
        assertThat(b).isNotEqualTo(a);
        Set<String> idsA = new HashSet<>();
        a.stream().filter(e -> e instanceof SimEvent.Call).forEach(e -> idsA.add(((SimEvent.Call) e).call().getCallId()));
        b.stream().filter(e -> e instanceof SimEvent.Call)
                .forEach(e -> assertThat(idsA).doesNotContain(((SimEvent.Call) e).call().getCallId()));
        assertThat(new Simulator(base().seed(43).build()).partnersByTraffic())
                .isNotEqualTo(new Simulator(base().build()).partnersByTraffic());
    }

    // ---------------------------------------------------------------------------------------------------
    // The world.

    @Test
    void agreementsAreValidBeforeTheStartAndCoverTheKinds() {
        Simulator sim = new Simulator(base().build());
        List<PartnerAgreement> agreements = sim.agreements();
        GroundTruth truth = new GroundTruth();
        agreements.forEach(truth::addAgreement); // validates every version

        assertThat(agreements).allSatisfy(v -> assertThat(v.getEffectiveFrom()).isLessThan(START));
        Set<String> partners = new HashSet<>();
        Map<AgreementKind, Integer> kinds = new EnumMap<>(AgreementKind.class);
        agreements.forEach(v -> {
            if (partners.add(v.getPartnerId())) {
                kinds.merge(v.getKind(), 1, Integer::sum);
            }
        });
        assertThat(partners).hasSize(148).containsExactlyInAnyOrderElementsOf(sim.partnersByTraffic());
        assertThat(sim.unregisteredPartners()).hasSize(2).doesNotContainAnyElementsOf(partners);
        assertThat(kinds.keySet()).containsExactlyInAnyOrder(AgreementKind.INTEGRATION,
                AgreementKind.INSTANT_PERSONALIZATION, AgreementKind.MESSAGING);
        assertThat(kinds.get(AgreementKind.INTEGRATION)).isGreaterThan(kinds.get(AgreementKind.MESSAGING));

        // A few are already cut off at the start (revoked or lapsed), the rest grant access.
        long cutOff = partners.stream().filter(p -> !truth.grantsAccess(p, START)).count();
        assertThat(cutOff).isBetween(2L, 10L);
        assertThat(agreements).anyMatch(v -> v.getStatus() == AgreementStatus.REVOKED);
        assertThat(agreements).anyMatch(v -> v.getEffectiveUntil() != null && v.getEffectiveUntil() < START);
        // Some grants have rate limits; some allow friends' data; instant personalization needs no consent.
        List<Grant> grants = agreements.stream().flatMap(v -> v.getGrants().stream()).toList();
        assertThat(grants).anyMatch(g -> g.getMaxRecordsPerMinute() != null);
        assertThat(grants).anyMatch(Grant::getAllowFriendData);
        assertThat(agreements).filteredOn(v -> v.getKind() == AgreementKind.INSTANT_PERSONALIZATION)
                .flatMap(PartnerAgreement::getGrants).anyMatch(g -> !g.getRequiresUserConsent());

        // Copies: changing one does not change the simulator.
        agreements.get(0).setPartnerId("changed");
        assertThat(sim.agreements().get(0).getPartnerId()).isNotEqualTo("changed");
    }

    /**
     * A detector may be loaded with agreements/partners.yaml and a simulator's agreements together (the demo
     * does): the same partner id with two histories would contradict the ground truth.
     */
    @Test
    void partnerIdsNeverClashWithTheBundledAgreementsFile() throws Exception {
        Set<String> bundled = new HashSet<>();
        AgreementsYaml.read(AgreementsYamlTest.bundledFile()).forEach(v -> bundled.add(v.getPartnerId()));
        assertThat(bundled).isNotEmpty();
        for (long seed = 0; seed < 5; seed++) {
            Simulator sim = new Simulator(base().seed(seed).partners(1_000).partnersWithoutAgreement(30).build());
            assertThat(sim.partnersByTraffic()).doesNotContainAnyElementsOf(bundled);
            assertThat(sim.unregisteredPartners()).doesNotContainAnyElementsOf(bundled);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // The mix.

    @Test
    void theMixHasEveryBreachRedeliveriesAndMostlyCleanCalls() {
        Run run = mixRun();
        SimulationSettings s = run.sim().settings();
        assertThat(run.events()).hasSizeGreaterThan(50_000);

        Set<ViolationRule> rulesSeen = EnumSet.noneOf(ViolationRule.class);
        Map<String, SimEvent.Call> byId = new HashMap<>();
        Map<String, Integer> callsByPartner = new HashMap<>();
        Set<ConsentEventType> consentTypes = EnumSet.noneOf(ConsentEventType.class);
        long calls = 0;
        long clean = 0;
        long redeliveries = 0;
        long denied = 0;
        long lastEmit = Long.MIN_VALUE;
        for (SimEvent e : run.events()) {
            assertThat(e.emitAtMillis()).isGreaterThanOrEqualTo(lastEmit);
            lastEmit = e.emitAtMillis();
            if (e instanceof SimEvent.Consent c) {
                consentTypes.add(c.event().getType());
            }
            if (!(e instanceof SimEvent.Call c)) {
                continue;
            }
            PartnerApiCall call = c.call();
            assertThat(c.rules()).isSubsetOf(PER_CALL);
            if (c.redelivery()) {
                redeliveries++;
                SimEvent.Call original = byId.get(call.getCallId());
                assertThat(original).as("redelivered %s", call.getCallId()).isNotNull();
                assertThat(call).isEqualTo(original.call());
                assertThat(c.rules()).isEqualTo(original.rules());
                continue;
            }
            assertThat(byId.put(call.getCallId(), c)).as("callId %s is new", call.getCallId()).isNull();
            assertThat(e.emitAtMillis() - call.getEventTime()).isBetween(1L, s.maxJitter().toMillis());
            assertThat(call.getSubjectUserId()).matches("u\\d+");
            calls++;
            rulesSeen.addAll(c.rules());
            if (c.clean()) {
                clean++;
            }
            if (call.getOutcome() == CallOutcome.DENIED) {
                denied++;
                assertThat(c.rules()).isEmpty();
            }
            callsByPartner.merge(call.getPartnerId(), 1, Integer::sum);
        }

        assertThat(rulesSeen).containsAll(PER_CALL);
        assertThat(redeliveries).isPositive();
        assertThat(denied).isPositive();
        assertThat((double) clean / calls).isGreaterThan(0.95);
        assertThat(consentTypes).contains(ConsentEventType.AUTHORIZED, ConsentEventType.DEAUTHORIZED,
                ConsentEventType.SHARING_DISABLED, ConsentEventType.SHARING_ENABLED);

        // Zipf-like: the busiest partner gets far more than the median partner.
        List<Integer> counts = run.sim().partnersByTraffic().stream()
                .map(p -> callsByPartner.getOrDefault(p, 0)).sorted().toList();
        int median = counts.get(counts.size() / 2);
        int busiest = counts.get(counts.size() - 1);
        assertThat(busiest).isGreaterThan(10 * Math.max(1, median));
        assertThat(callsByPartner.get(run.sim().partnersByTraffic().get(0))).isEqualTo(busiest);

        // The run checked itself: calls planned clean were clean, breaches broke the rule planned.
        assertThat(run.stream().cleanMismatches()).as("%s", run.stream().mismatchSamples()).isZero();
        assertThat(run.stream().breachMismatches()).as("%s", run.stream().mismatchSamples()).isZero();
        assertThat(run.stream().checkedBreaches()).isGreaterThan(500);
    }

    @Test
    void burstsBreakRateLimitsAndTheWindowsAddUp() {
        Run run = mixRun();
        assertThat(run.windows()).isNotEmpty();
        Map<String, PartnerAgreement> lastVersion = new HashMap<>();
        run.sim().agreements().forEach(v -> lastVersion.merge(v.getPartnerId(), v,
                (a, b) -> a.getVersion() > b.getVersion() ? a : b));
        for (GroundTruth.RateLimitWindow w : run.windows()) {
            assertThat(w.windowStart() % 60_000).isZero();
            long sum = 0;
            for (SimEvent e : run.events()) {
                if (e instanceof SimEvent.Call c && !c.redelivery() && c.call().getOutcome() == CallOutcome.ALLOWED
                        && c.call().getPartnerId().equals(w.partnerId()) && c.call().getResource() == w.resource()
                        && c.call().getAction() == w.action()
                        && Math.floorDiv(c.call().getEventTime(), 60_000) * 60_000 == w.windowStart()
                        && c.rules().stream().noneMatch(SCOPE::contains)) {
                    sum += c.call().getRecordCount();
                }
            }
            assertThat(sum).isEqualTo(w.records()).isGreaterThan(w.limit());
            Grant g = lastVersion.get(w.partnerId()).getGrants().stream()
                    .filter(x -> x.getResource() == w.resource()).findFirst().orElseThrow();
            assertThat(g.getMaxRecordsPerMinute()).isEqualTo(w.limit());
        }
    }

    /**
     * The emitted events alone reproduce the ground truth: a fresh oracle that knows the agreement versions
     * (the initial ones and those published during the run, late or not) and receives the consent events and
     * calls in emission order gives every call the same verdict and finds the same windows. So every consent a
     * call depends on was emitted before it, and a correct detector can find exactly this truth.
     */
    @Test
    void theEmittedEventsAloneReproduceTheTruth() {
        Run run = mixRun();
        assertThat(freshOracleWindows(run)).isEqualTo(run.windows());
    }

    /**
     * Windows taken only once, after the last event (as a backlog writer does), are all there: those closed
     * while the run went on and those of the last minutes, closed when it ended.
     */
    @Test
    void windowsTakenOnlyAtTheEndAreAllThere() {
        SimulationSettings settings = base().duration(Duration.ofMinutes(3)).burstsPerHour(1200).build();
        Simulator.Events stream = new Simulator(settings).events();
        List<SimEvent> events = new ArrayList<>();
        while (stream.hasNext()) {
            events.add(stream.next());
        }
        List<GroundTruth.RateLimitWindow> takenAtTheEnd = stream.takeRateLimitWindows();
        Run takenAsTheyClose = run(settings);
        assertThat(takenAsTheyClose.windows()).hasSizeGreaterThan(10);
        assertThat(takenAtTheEnd).containsExactlyInAnyOrderElementsOf(takenAsTheyClose.windows());
        assertThat(freshOracleWindows(takenAsTheyClose)).isEqualTo(takenAsTheyClose.windows());
    }

    /**
     * A fresh oracle fed the run's emitted events, in emission order; checks each call's verdict and returns the
     * RATE_LIMIT windows it finds.
     */
    private static List<GroundTruth.RateLimitWindow> freshOracleWindows(Run run) {
        GroundTruth fresh = new GroundTruth();
        run.sim().agreements().forEach(fresh::addAgreement);
        run.events().stream().filter(e -> e instanceof SimEvent.Agreement)
                .forEach(e -> fresh.addAgreement(((SimEvent.Agreement) e).agreement()));
        for (SimEvent e : run.events()) {
            if (e instanceof SimEvent.Consent c) {
                fresh.addConsent(c.event());
            } else if (e instanceof SimEvent.Call c) {
                GroundTruth.Verdict v = fresh.judge(c.call());
                assertThat(v.rules()).as("call %s", c.call()).isEqualTo(c.rules());
                assertThat(v.redelivery()).isEqualTo(c.redelivery());
            }
        }
        return fresh.finish();
    }

    @Test
    void revocationsArePublishedLateAfterCallsTheyCover() {
        SimulationSettings settings = base().duration(Duration.ofMinutes(10)).revocationsPerHour(60)
                .revocationPublishDelay(Duration.ofMinutes(1)).build();
        Run run = run(settings);
        Map<String, Integer> highestVersion = new HashMap<>();
        run.sim().agreements().forEach(v -> highestVersion.merge(v.getPartnerId(), v.getVersion(), Math::max));

        Map<String, List<SimEvent.Call>> callsByPartner = new HashMap<>();
        int late = 0;
        int probed = 0;
        for (SimEvent e : run.events()) {
            if (e instanceof SimEvent.Call c && !c.redelivery()) {
                callsByPartner.computeIfAbsent(c.call().getPartnerId(), p -> new ArrayList<>()).add(c);
            }
            if (!(e instanceof SimEvent.Agreement a)) {
                continue;
            }
            PartnerAgreement v = a.agreement();
            long r = v.getEffectiveFrom();
            assertThat(v.getStatus()).isEqualTo(AgreementStatus.REVOKED);
            assertThat(v.getGrants()).isEmpty();
            assertThat(v.getVersion()).isEqualTo(highestVersion.get(v.getPartnerId()) + 1);
            assertThat(r).isGreaterThan(START);
            List<SimEvent.Call> before = callsByPartner.getOrDefault(v.getPartnerId(), List.of());
            if (a.emitAtMillis() > r) {
                late++;
                // Calls at or after the revocation were emitted before it was published: all AFTER_REVOCATION.
                assertThat(before).filteredOn(c -> c.call().getEventTime() >= r && c.call().getOutcome()
                        == CallOutcome.ALLOWED).isNotEmpty().allSatisfy(c -> assertThat(c.rules())
                                .containsExactly(ViolationRule.AFTER_REVOCATION));
                boolean justBefore = before.stream().anyMatch(c -> c.call().getEventTime() == r - 1 && c.clean());
                boolean exactly = before.stream().anyMatch(c -> c.call().getEventTime() == r
                        && c.rules().equals(Set.of(ViolationRule.AFTER_REVOCATION)));
                if (justBefore && exactly) {
                    probed++;
                }
            }
        }
        assertThat(late).isGreaterThanOrEqualTo(2);
        assertThat(probed).isPositive();
    }

    @Test
    void aBoundedRunEnds() {
        SimulationSettings settings = base().duration(Duration.ofMinutes(1)).build();
        Run run = run(settings);
        long end = START + 60_000;
        assertThat(run.events()).isNotEmpty();
        assertThat(run.events().get(run.events().size() - 1).emitAtMillis()).isLessThan(end + 60_000);
        assertThat(run.stream().hasNext()).isFalse();
        assertThatThrownBy(() -> run.stream().next()).isInstanceOf(NoSuchElementException.class);
        assertThat(run.events()).filteredOn(e -> e instanceof SimEvent.Call c && !c.redelivery())
                .allSatisfy(e -> assertThat(((SimEvent.Call) e).call().getEventTime()).isLessThan(end + 30_000));
        // About the configured rate.
        long calls = run.events().stream().filter(e -> e instanceof SimEvent.Call).count();
        assertThat(calls).isBetween(10_000L, 16_000L);
    }

    @Test
    void aSmallWorldWorks() {
        SimulationSettings settings = base().partners(7).partnersWithoutAgreement(2).users(50)
                .duration(Duration.ofMinutes(2)).callsPerSecond(50).breachFraction(0.2).build();
        Run run = run(settings);
        assertThat(run.events()).isNotEmpty();
        assertThat(run.stream().cleanMismatches()).as("%s", run.stream().mismatchSamples()).isZero();
        assertThat(run.stream().breachMismatches()).as("%s", run.stream().mismatchSamples()).isZero();
    }

    /**
     * Generation is cheap: this prints the rate (well above 50k events/s on one core) but asserts no timing.
     */
    @Test
    void generatesManyEventsCheaply() {
        Simulator.Events events = new Simulator(base().seed(9).build()).events();
        int n = 300_000;
        long t0 = System.nanoTime();
        long calls = 0;
        for (int i = 0; i < n; i++) {
            if (events.next() instanceof SimEvent.Call) {
                calls++;
            }
            events.takeRateLimitWindows();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("Simulator: %d events (%d calls) in %.2f s = %.0f events/s%n", n, calls, seconds,
                n / seconds);
        assertThat(calls).isGreaterThan(n / 2);
    }
}
