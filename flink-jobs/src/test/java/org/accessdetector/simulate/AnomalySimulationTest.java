package org.accessdetector.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.accessdetector.benchmark.AnomalyScore;
import org.accessdetector.input.JsonInputParser;
import org.accessdetector.output.JsonOutput;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.ViolationRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The anomaly history checked against the rules' semantics, worked out here from the generated calls alone: each
 * story has the shape its label says, and normal traffic (and each story's side effects) stays clear of every
 * rule's floor.
 */
class AnomalySimulationTest {

    private static final long MINUTE = AnomalySimulation.MINUTE;
    private static final long HOUR = AnomalySimulation.HOUR;
    private static final long WINDOW = AnomalySimulation.FAN_OUT_WINDOW;
    private static final long WARM_UP = AnomalySimulation.WARM_UP;

    private static AnomalySimulation sim;
    private static History history;

    /** What the rules would learn from the calls (non-DENIED only), indexed by minute or window of the history. */
    private static final class History {
        long start;
        int minutes;
        long calls;
        /** partner|resource|action: records per minute. */
        final Map<String, long[]> records = new HashMap<>();
        /** partner|token: distinct subjects per 10-minute window. */
        final Map<String, Map<Integer, Set<String>>> subjects = new HashMap<>();
        /** partner|token: its first call. */
        final Map<String, Long> tokenFirstCall = new HashMap<>();
        /** partner|resource|action: its first call. */
        final Map<String, Long> scopeFirstCall = new HashMap<>();
        /** partner|network of server-to-server calls: its first call. */
        final Map<String, Long> networkFirstCall = new HashMap<>();
        final Map<String, Long> partnerFirstCall = new HashMap<>();
        final List<PartnerApiCall> outOfAgreement = new ArrayList<>();

        long[] recordsOf(String key) {
            return records.computeIfAbsent(key, k -> new long[minutes]);
        }

        int minute(long t) {
            return (int) ((t - start) / MINUTE);
        }
    }

    @BeforeAll
    static void generate() {
        sim = new AnomalySimulation(AnomalySimulation.Settings.defaults());
        History h = new History();
        h.start = sim.startTime();
        h.minutes = (int) ((sim.endTime() - sim.startTime()) / MINUTE);
        Map<String, PartnerAgreement> agreements = new HashMap<>();
        sim.agreements().forEach(a -> agreements.put(a.getPartnerId(), a));
        sim.forEachCall(c -> {
            h.calls++;
            if (c.getOutcome() == CallOutcome.DENIED) {
                return;
            }
            String p = c.getPartnerId();
            long t = c.getEventTime();
            String scope = p + "|" + c.getResource() + "|" + c.getAction();
            h.recordsOf(scope)[h.minute(t)] += c.getRecordCount();
            h.scopeFirstCall.merge(scope, t, Math::min);
            h.partnerFirstCall.merge(p, t, Math::min);
            String token = p + "|" + c.getTokenId();
            h.tokenFirstCall.merge(token, t, Math::min);
            h.subjects.computeIfAbsent(token, k -> new HashMap<>())
                    .computeIfAbsent((int) ((t - h.start) / WINDOW), k -> new HashSet<>()).add(c.getSubjectUserId());
            if (c.getActingUserId() == null) {
                h.networkFirstCall.merge(p + "|" + AnomalyScore.networkOf(c.getSourceIp()), t, Math::min);
            }
            if (grant(agreements.get(p), c) == null) {
                h.outOfAgreement.add(c);
            }
        });
        history = h;
    }

    private static Grant grant(PartnerAgreement a, PartnerApiCall c) {
        if (a == null) {
            return null;
        }
        return a.getGrants().stream()
                .filter(g -> g.getResource() == c.getResource() && g.getActions().contains(c.getAction()))
                .findFirst().orElse(null);
    }

    private static List<InjectedAnomaly> stories(ViolationRule rule, boolean network) {
        return sim.anomalies().stream()
                .filter(a -> a.rule() == rule
                        && (rule != ViolationRule.FIRST_SEEN || (a.sourceNetwork() != null) == network))
                .toList();
    }

    private static String scopeKey(InjectedAnomaly a) {
        return a.partnerId() + "|" + a.resource() + "|" + a.action();
    }

    /** The busiest-minute median and MAD of the key over the hours with calls in the week before t. */
    private static double[] baseline(String key, long t) {
        long[] perMinute = history.recordsOf(key);
        List<Double> busiest = new ArrayList<>();
        for (long hour = Math.max(history.start, t - WARM_UP); hour + HOUR <= t; hour += HOUR) {
            long most = 0;
            for (int m = history.minute(hour); m < history.minute(hour + HOUR); m++) {
                most = Math.max(most, perMinute[m]);
            }
            if (most > 0) {
                busiest.add((double) most);
            }
        }
        double median = median(busiest);
        double mad = median(busiest.stream().map(x -> Math.abs(x - median)).toList());
        return new double[] {median, mad, busiest.size()};
    }

    private static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        return n == 0 ? 0 : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Whether minute m of the partner falls within one of its stories. */
    private static boolean inStory(String partnerId, int m) {
        long from = history.start + m * MINUTE;
        return sim.anomalies().stream().anyMatch(a -> a.partnerId().equals(partnerId)
                && a.start() < from + MINUTE && a.end() >= from);
    }

    // ---------------------------------------------------------------------------------------------------

    @Test
    void theSameSeedMakesTheSameHistoryAndAnotherSeedAnother() throws Exception {
        AnomalySimulation.Settings small = AnomalySimulation.Settings.defaults().withDays(8).withPartners(3);
        String once = digest(new AnomalySimulation(small));
        assertThat(digest(new AnomalySimulation(small))).isEqualTo(once);
        assertThat(digest(new AnomalySimulation(small.withSeed(2)))).isNotEqualTo(once);
    }

    private static String digest(AnomalySimulation s) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        s.agreements().forEach(a -> md.update(JsonOutput.toJson(a).getBytes(StandardCharsets.UTF_8)));
        s.anomalies().forEach(a -> md.update(a.toString().getBytes(StandardCharsets.UTF_8)));
        s.forEachCall(c -> md.update(JsonOutput.toJson(c).getBytes(StandardCharsets.UTF_8)));
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void aHistoryOfTenDaysHasEnoughStoriesOfEachKindAcrossPartnersAndStaysSmall() {
        assertThat(history.calls).isBetween(200_000L, 500_000L);
        for (List<InjectedAnomaly> kind : List.of(stories(ViolationRule.VOLUME_SPIKE, false),
                stories(ViolationRule.FAN_OUT, false), stories(ViolationRule.FIRST_SEEN, false),
                stories(ViolationRule.FIRST_SEEN, true))) {
            assertThat(kind).hasSize(6);
            assertThat(kind.stream().map(InjectedAnomaly::partnerId).distinct().count()).isGreaterThanOrEqualTo(4);
        }
        assertThat(history.outOfAgreement).as("calls outside the agreements").isEmpty();
    }

    @Test
    void everyStoryIsAfterTheWarmUpOfItsKeys() {
        for (InjectedAnomaly a : sim.anomalies()) {
            assertThat(a.start()).as(a.toString())
                    .isGreaterThanOrEqualTo(history.partnerFirstCall.get(a.partnerId()) + WARM_UP)
                    .isGreaterThanOrEqualTo(sim.startTime() + WARM_UP);
            assertThat(a.end()).isLessThan(sim.endTime());
            if (a.rule() == ViolationRule.VOLUME_SPIKE) {
                assertThat(a.start()).isGreaterThanOrEqualTo(history.scopeFirstCall.get(scopeKey(a)) + WARM_UP);
            }
            if (a.rule() == ViolationRule.FAN_OUT) {
                assertThat(a.start()).isGreaterThanOrEqualTo(
                        history.tokenFirstCall.get(a.partnerId() + "|" + a.tokenId()) + WARM_UP);
            }
        }
        // One at a time: a story's windows never hold another's calls.
        List<InjectedAnomaly> byStart = sim.anomalies();
        for (int i = 1; i < byStart.size(); i++) {
            assertThat(byStart.get(i).start()).isGreaterThan(byStart.get(i - 1).end() + WINDOW);
        }
    }

    @Test
    void aHarvestReadsFarAboveItsScopesBusiestMinutesWithFewUsers() {
        for (InjectedAnomaly a : stories(ViolationRule.VOLUME_SPIKE, false)) {
            double[] b = baseline(scopeKey(a), a.start());
            assertThat(b[2]).as("hours of baseline").isGreaterThanOrEqualTo(24);
            double threshold = Math.max(1000, Math.max(3 * b[0], b[0] + 6 * 1.4826 * b[1]));
            assertThat(a.end() - a.start() + 1).isBetween(3 * MINUTE, 10 * MINUTE);
            long[] perMinute = history.recordsOf(scopeKey(a));
            for (int m = history.minute(a.start()); m <= history.minute(a.end()); m++) {
                assertThat((double) perMinute[m]).as(a + " minute " + m)
                        .isGreaterThan(threshold).isGreaterThanOrEqualTo(8 * b[0]);
            }
            // Not a fan-out: the app token touches no more users than usual.
            String appToken = history.tokenFirstCall.keySet().stream()
                    .filter(k -> k.startsWith(a.partnerId() + "|app-")).findFirst().orElseThrow();
            int window = (int) ((a.start() - history.start) / WINDOW);
            assertThat(history.subjects.get(appToken).get(window).size()).isLessThanOrEqualTo(100);
        }
    }

    @Test
    void aFanOutTouchesOverAThousandUsersInOneWindowWithoutAVolumeSpike() {
        for (InjectedAnomaly a : stories(ViolationRule.FAN_OUT, false)) {
            assertThat(a.tokenId()).isNotNull();
            Map<Integer, Set<String>> windows = history.subjects.get(a.partnerId() + "|" + a.tokenId());
            int first = (int) ((a.start() - history.start) / WINDOW);
            int last = (int) ((a.end() - history.start) / WINDOW);
            int most = 0;
            Set<String> all = new HashSet<>();
            for (int w = first; w <= last; w++) {
                most = Math.max(most, windows.get(w).size());
                all.addAll(windows.get(w));
            }
            assertThat(most).as(a.toString()).isGreaterThan(1000);
            assertThat(all.size()).isBetween(2000, 5100); // the story's users and the token's usual few
            assertThat(a.end() - a.start()).isBetween(9 * MINUTE, 30 * MINUTE);
            for (Map.Entry<String, long[]> scope : history.records.entrySet()) {
                if (scope.getKey().startsWith(a.partnerId() + "|")) {
                    for (int m = history.minute(a.start()); m <= history.minute(a.end()); m++) {
                        assertThat(scope.getValue()[m]).as(scope.getKey()).isLessThan(1000);
                    }
                }
            }
        }
        assertThat(stories(ViolationRule.FAN_OUT, false).stream().map(InjectedAnomaly::tokenId))
                .as("app tokens and user tokens")
                .anyMatch(t -> t.startsWith("app-")).anyMatch(t -> t.startsWith("tok-"));
    }

    @Test
    void aFirstUseIsTheFirstCallEverOfAGrantedScopeAndSmall() {
        Map<String, PartnerAgreement> agreements = new HashMap<>();
        sim.agreements().forEach(ag -> agreements.put(ag.getPartnerId(), ag));
        for (InjectedAnomaly a : stories(ViolationRule.FIRST_SEEN, false)) {
            assertThat(agreements.get(a.partnerId()).getGrants()).as(a.toString())
                    .anyMatch(g -> g.getResource() == a.resource() && g.getActions().contains(a.action()));
            assertThat(history.scopeFirstCall.get(scopeKey(a))).as(a.toString()).isEqualTo(a.start());
            assertThat(Arrays.stream(history.recordsOf(scopeKey(a))).max().orElseThrow()).isLessThan(1000);
        }
    }

    @Test
    void aNewNetworkIsThePartnersFirstServerCallFromIt() {
        for (InjectedAnomaly a : stories(ViolationRule.FIRST_SEEN, true)) {
            assertThat(a.resource()).isNull();
            String key = a.partnerId() + "|" + AnomalyScore.canonicalNetwork(a.sourceNetwork());
            assertThat(history.networkFirstCall.get(key)).as(a.toString()).isEqualTo(a.start());
        }
        assertThat(stories(ViolationRule.FIRST_SEEN, true)).as("IPv4 and IPv6 networks")
                .anyMatch(a -> a.sourceNetwork().contains(":")).anyMatch(a -> !a.sourceNetwork().contains(":"));
    }

    @Test
    void nothingElseIsSeenFirstAfterTheWarmUp() {
        Set<Long> scopeStarts = new HashSet<>();
        Set<Long> networkStarts = new HashSet<>();
        stories(ViolationRule.FIRST_SEEN, false).forEach(a -> scopeStarts.add(a.start()));
        stories(ViolationRule.FIRST_SEEN, true).forEach(a -> networkStarts.add(a.start()));
        history.scopeFirstCall.forEach((key, t) -> {
            if (t >= history.partnerFirstCall.get(key.substring(0, key.indexOf('|'))) + WARM_UP) {
                assertThat(scopeStarts).as(key).contains(t);
            }
        });
        history.networkFirstCall.forEach((key, t) -> {
            if (t >= history.partnerFirstCall.get(key.substring(0, key.indexOf('|'))) + WARM_UP) {
                assertThat(networkStarts).as(key).contains(t);
            }
        });
    }

    @Test
    void normalTrafficStaysBelowEveryFloor() {
        for (Map.Entry<String, long[]> scope : history.records.entrySet()) {
            String partner = scope.getKey().substring(0, scope.getKey().indexOf('|'));
            long[] perMinute = scope.getValue();
            for (long hour = history.start; hour < sim.endTime(); hour += HOUR) {
                double[] b = hour >= history.start + WARM_UP ? baseline(scope.getKey(), hour) : null;
                for (int m = history.minute(hour); m < history.minute(hour + HOUR); m++) {
                    if (inStory(partner, m)) {
                        continue;
                    }
                    assertThat(perMinute[m]).as(scope.getKey() + " minute " + m).isLessThan(1000);
                    if (b != null && b[2] >= 24) {
                        assertThat((double) perMinute[m]).as(scope.getKey() + " minute " + m)
                                .isLessThan(3 * b[0]);
                    }
                }
            }
        }
        history.subjects.forEach((token, windows) -> windows.forEach((w, users) -> {
            boolean fanOut = stories(ViolationRule.FAN_OUT, false).stream()
                    .anyMatch(a -> token.equals(a.partnerId() + "|" + a.tokenId()));
            if (!fanOut) {
                assertThat(users.size()).as(token + " window " + w).isLessThanOrEqualTo(100);
            }
        }));
    }

    @Test
    void theFilesAreWhatReplayReadsAndEveryCallHasItsConsent(@TempDir Path dir) throws Exception {
        AnomalySimulation small = new AnomalySimulation(
                AnomalySimulation.Settings.defaults().withDays(8).withPartners(2).withStoriesPerKind(1));
        AnomalySimulation.Written files = small.write(dir);
        JsonInputParser parser = new JsonInputParser();

        List<PartnerAgreement> agreements = new ArrayList<>();
        for (String line : Files.readAllLines(files.agreements())) {
            agreements.add(parser.parseAgreement(line));
        }
        assertThat(agreements).isEqualTo(small.agreements());
        Map<String, Long> authorizedAt = new HashMap<>();
        for (String line : Files.readAllLines(files.consents())) {
            ConsentEvent e = parser.parseConsent(line);
            assertThat(e.getType()).isEqualTo(ConsentEventType.AUTHORIZED);
            authorizedAt.merge(e.getUserId() + "|" + e.getPartnerId(), e.getEventTime(), Math::min);
        }
        long calls = 0;
        for (String line : Files.readAllLines(files.calls())) {
            PartnerApiCall c = parser.parseCall(line);
            String consenting = c.getActingUserId() != null ? c.getActingUserId() : c.getSubjectUserId();
            assertThat(authorizedAt.get(consenting + "|" + c.getPartnerId())).isLessThan(c.getEventTime());
            calls++;
        }
        assertThat(calls).isEqualTo(files.callCount());
        assertThat(Files.readAllLines(files.anomalies())).hasSize(small.anomalies().size()).hasSize(4)
                .allMatch(l -> l.contains("\"story\"") && l.contains("\"start\""));
    }

    @Test
    void aHistoryTooShortForStoriesIsRefused() {
        assertThatThrownBy(() -> AnomalySimulation.Settings.defaults().withDays(7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warm-up");
    }
}
