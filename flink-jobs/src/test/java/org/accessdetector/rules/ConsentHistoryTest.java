package org.accessdetector.rules;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.TestData.ALICE;
import static org.accessdetector.testing.TestData.PARTNER;
import static org.accessdetector.testing.TestData.authorized;
import static org.accessdetector.testing.TestData.consent;
import static org.accessdetector.testing.TestData.deauthorized;
import static org.accessdetector.testing.TestData.sharingDisabled;
import static org.accessdetector.testing.TestData.sharingEnabled;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.junit.jupiter.api.Test;

class ConsentHistoryTest {

    private static final long T = BEFORE_REVOCATION;

    @Test
    void compactionKeepsTheEventInForceAtItsStartAndEveryLaterOne() {
        ConsentEvent first = authorized(ALICE, T - 300);
        ConsentEvent withdrawn = deauthorized(ALICE, T - 200);
        ConsentEvent again = authorized(ALICE, T - 100);
        ConsentEvent later = deauthorized(ALICE, T + 100);
        List<ConsentEvent> events = List.of(later, first, again, withdrawn); // in no particular order

        // The order kept is the order given.
        assertThat(ConsentHistory.compactedBefore(events, T)).containsExactly(later, again);
        assertThat(ConsentHistory.compactedBefore(events, T - 100)).containsExactly(later, again);
        assertThat(ConsentHistory.compactedBefore(events, T - 101)).containsExactly(later, again, withdrawn);
        assertThat(ConsentHistory.compactedBefore(events, T - 301)).as("nothing to drop").isSameAs(events);
        assertThat(ConsentHistory.compactedBefore(List.of(later), T)).as("none in force yet").containsExactly(later);
        assertThat(ConsentHistory.compactedBefore(List.of(), T)).isEmpty();
    }

    @Test
    void aWithdrawalAtTheSameMillisecondStillWinsAfterCompaction() {
        ConsentEvent given = authorized(ALICE, T - 50);
        ConsentEvent withdrawn = deauthorized(ALICE, T - 50);
        for (List<ConsentEvent> events : List.of(List.of(given, withdrawn), List.of(withdrawn, given))) {
            List<ConsentEvent> kept = ConsentHistory.compactedBefore(events, T);

            assertThat(kept).containsExactly(withdrawn);
            assertThat(ConsentHistory.authorizedAt(kept, T)).isFalse();
            assertThat(ConsentHistory.authorizedAt(ConsentHistory.compactedBefore(events, T - 50), T - 50)).isFalse();
        }
        ConsentEvent off = sharingDisabled(ALICE, T);
        ConsentEvent on = sharingEnabled(ALICE, T);
        assertThat(ConsentHistory.compactedBefore(List.of(off, on), T)).containsExactly(off);
        assertThat(ConsentHistory.compactedBefore(List.of(on, off), T)).containsExactly(off);
        // A same-millisecond authorization arriving after compaction still loses to the kept withdrawal.
        List<ConsentEvent> afterwards = new ArrayList<>(ConsentHistory.compactedBefore(List.of(withdrawn), T));
        afterwards.add(given);
        assertThat(ConsentHistory.authorizedAt(afterwards, T)).isFalse();
    }

    /** Random histories (many ties, both kinds), a fixed seed: every answer from the start on is unchanged. */
    @Test
    void answersFromTheStartOnAreUnchangedByCompaction() {
        Random random = new Random(20181218L);
        ConsentEventType[] partnerTypes = {ConsentEventType.AUTHORIZED, ConsentEventType.DEAUTHORIZED};
        ConsentEventType[] sharingTypes = {ConsentEventType.SHARING_ENABLED, ConsentEventType.SHARING_DISABLED};
        for (int run = 0; run < 2_000; run++) {
            boolean sharing = random.nextBoolean();
            ConsentEventType[] types = sharing ? sharingTypes : partnerTypes;
            List<ConsentEvent> events = new ArrayList<>();
            int n = random.nextInt(8);
            for (int i = 0; i < n; i++) {
                events.add(consent(ALICE, sharing ? null : PARTNER, types[random.nextInt(2)], T + random.nextInt(20)));
            }
            long from = T - 2 + random.nextInt(24);
            List<ConsentEvent> kept = ConsentHistory.compactedBefore(events, from);
            ConsentEvent late = consent(ALICE, sharing ? null : PARTNER, types[random.nextInt(2)],
                    T - 2 + random.nextInt(24)); // arriving after the compaction
            List<ConsentEvent> all = new ArrayList<>(events);
            all.add(late);
            List<ConsentEvent> keptThenLate = new ArrayList<>(kept);
            keptThenLate.add(late);
            String story = "run " + run + ": from " + (from - T) + " of " + events;

            ConsentEvent inForce = ConsentHistory.latestAt(events, from);
            assertThat(kept).as(story).allSatisfy(e ->
                    assertThat(e == inForce || e.getEventTime() > from).isTrue());
            assertThat(kept).as(story).containsAll(events.stream().filter(e -> e.getEventTime() > from).toList());
            assertThat(kept.size()).as(story)
                    .isEqualTo(events.stream().filter(e -> e.getEventTime() > from).count() + (inForce == null ? 0 : 1));
            for (long t = from; t <= T + 22; t++) {
                assertThat(answer(kept, t, sharing)).as(story + " at " + (t - T)).isEqualTo(answer(events, t, sharing));
                assertThat(type(ConsentHistory.latestAt(kept, t))).as(story).isEqualTo(type(ConsentHistory.latestAt(events, t)));
                assertThat(answer(keptThenLate, t, sharing)).as(story + " then " + late + " at " + (t - T))
                        .isEqualTo(answer(all, t, sharing));
            }
        }
    }

    private static boolean answer(List<ConsentEvent> events, long t, boolean sharing) {
        return sharing ? ConsentHistory.sharingDisabledAt(events, t) : ConsentHistory.authorizedAt(events, t);
    }

    private static String type(ConsentEvent e) {
        return e == null ? null : e.getType() + "@" + e.getEventTime();
    }
}
