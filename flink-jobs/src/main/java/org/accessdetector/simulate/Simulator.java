package org.accessdetector.simulate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.accessdetector.agreements.AgreementsYaml;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AgreementKind;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.ConsentEventType;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;
import org.accessdetector.schema.ViolationRule;

/**
 * Realistic partner API traffic modelled on the 2018 story, with its ground truth.
 *
 * <p><b>The world</b> (fixed by the seed): partners of the three kinds (device integrations, instant
 * personalization, messaging) with a Zipf-like share of traffic by rank, each with an agreement history that
 * started years before the run (some with a scope expansion or a correction; a few already revoked or lapsed,
 * yet still calling; one lapsing during the run), and a couple of partners without any agreement. Ids are
 * generated ({@code device-maker-001}, {@code personalizer-002}, {@code messaging-app-003}, ...), never those of
 * agreements/partners.yaml, so a detector may be loaded with both. Grants follow
 * the kind: device makers may read friends' data, instant personalization needs no per-partner consent,
 * messaging partners read and write private messages. Rate limits sit well above each partner's steady
 * traffic. Users are never materialized: each user's partners (one to three, drawn by the same Zipf shares),
 * friends, device address and tokens are hashes of the user index and the seed.
 *
 * <p><b>The run</b>: steady calls (Poisson, {@link SimulationSettings#callsPerSecond()}), each from a user of
 * one of their partners, for a granted resource and action, by the user or for the user about a friend where
 * the grant allows it; most calls continue a recent session (an app syncing several things), so users repeat.
 * Users authorize their partners before the calls that need it: an authorization from before the stream began
 * is emitted (with its old eventTime) just before the user's first call, a re-authorization after a withdrawal
 * a few seconds before the call. Users in calls planned for later keep their consent state until then, so
 * every call turns out as planned (the run checks itself). Injected, at
 * {@link SimulationSettings#breachFraction()}: unregistered partners (NO_AGREEMENT), revoked or lapsed
 * partners still calling (AFTER_REVOCATION), ungranted resources or actions (OUT_OF_SCOPE), friends' data
 * without permission (FRIEND_DATA), and NO_USER_CONSENT by never-authorized users, users who just deauthorized
 * the partner and users who just switched sharing off (some switching it back on later); calls at exactly the
 * withdrawal instant and one millisecond before probe the boundaries. Also: gateway-DENIED calls, redelivered
 * calls (the same record again, up to {@link SimulationSettings#maxRedeliveryDelay()} later), revocations
 * during the run (mostly published late, {@link SimulationSettings#revocationPublishDelay()} after taking
 * effect, while the partner keeps calling; probes at the revocation instant and just before), and bursts of
 * one user's calls within one minute past a rate limit.
 *
 * <p>Each call's eventTime is 1 ms to {@link SimulationSettings#maxJitter()} before its emission. Ground truth
 * comes from a {@link GroundTruth} fed with everything the simulator knows (a revocation as soon as it is
 * planned, not when published). Memory is constant in the number of calls: the pending-event queue spans a
 * few minutes of traffic, and the oracle keeps one compact entry per user-and-partner with consent events.
 */
public final class Simulator {

    private static final long SECOND = 1_000L;
    private static final long DAY = 86_400_000L;
    private static final long YEAR = 365 * DAY;
    private static final long MINUTE = GroundTruth.MINUTE;

    private static final Resource[] RESOURCES = Arrays.stream(Resource.values())
            .filter(r -> r != Resource.UNKNOWN).toArray(Resource[]::new);
    private static final Action[] ACTIONS = Arrays.stream(Action.values())
            .filter(a -> a != Action.UNKNOWN).toArray(Action[]::new);
    private static final ViolationRule[] RULES = ViolationRule.values();

    /**
     * The first partners' kinds, so that even a small world has all three. Partner ids are generated
     * ({@code device-maker-001}, ...) and never those of agreements/partners.yaml: a detector may be loaded
     * with both, and the same id with two different histories would contradict the ground truth.
     */
    private static final AgreementKind[] FIRST_KINDS = {
        AgreementKind.INTEGRATION, AgreementKind.MESSAGING, AgreementKind.INSTANT_PERSONALIZATION};
    private static final String[] UNREGISTERED_IDS = {"quizapp-research", "shadow-analytics"};

    private final SimulationSettings settings;
    private final long salt;
    private final String callIdPrefix;
    private final SimPartner[] partners;
    /** Partners with an agreement, busiest first. */
    private final int[] byRank;
    /** Cumulative Zipf weights by rank, the last one 1. */
    private final double[] cumulative;
    private final int[] unregistered;
    private final List<PartnerAgreement> initialAgreements;

    public Simulator(SimulationSettings settings) {
        this.settings = settings;
        this.salt = mix(settings.seed() ^ 0x5DEECE66DL);
        this.callIdPrefix = "c" + String.format("%08x", (int) (salt >>> 32)) + "-";
        SplittableRandom rng = new SplittableRandom(mix(salt + 1));
        int withAgreement = settings.partners() - settings.partnersWithoutAgreement();

        partners = new SimPartner[settings.partners()];
        for (int i = 0; i < withAgreement; i++) {
            AgreementKind kind = i < FIRST_KINDS.length ? FIRST_KINDS[i] : drawKind(rng);
            partners[i] = new SimPartner(i, generatedId(kind, i), kind, true);
        }
        unregistered = new int[settings.partnersWithoutAgreement()];
        for (int j = 0; j < unregistered.length; j++) {
            int i = withAgreement + j;
            String id = j < UNREGISTERED_IDS.length ? UNREGISTERED_IDS[j] : String.format("unlisted-app-%03d", j + 1);
            partners[i] = new SimPartner(i, id, AgreementKind.OTHER, false);
            unregistered[j] = i;
        }
        for (SimPartner p : partners) {
            long h = mix(salt ^ (0xA11CEL + p.index));
            p.appToken = "app-" + Long.toHexString(h | (1L << 60)).substring(1, 13);
            p.serverIp = "198.18." + ((p.index >> 8) & 255) + "." + (p.index & 255);
        }

        // Traffic ranks: a seeded shuffle, so the busiest partner differs by seed.
        byRank = new int[withAgreement];
        for (int i = 0; i < withAgreement; i++) {
            byRank[i] = i;
        }
        for (int i = withAgreement - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = byRank[i];
            byRank[i] = byRank[j];
            byRank[j] = tmp;
        }
        cumulative = new double[withAgreement];
        double sum = 0;
        for (int r = 0; r < withAgreement; r++) {
            sum += Math.pow(r + 1, -settings.zipfExponent());
            cumulative[r] = sum;
        }
        for (int r = 0; r < withAgreement; r++) {
            partners[byRank[r]].rank = r;
            partners[byRank[r]].share = (r == 0 ? cumulative[0] : cumulative[r] - cumulative[r - 1]) / sum;
            cumulative[r] /= sum;
        }
        cumulative[withAgreement - 1] = 1.0;

        // Who is already cut off at the start, and who lapses during the run (never among the top three).
        int inactiveCount = Math.max(1, (int) Math.round(0.04 * withAgreement));
        List<Integer> eligible = new ArrayList<>();
        for (int r = 3; r < withAgreement; r++) {
            eligible.add(byRank[r]);
        }
        Collections.shuffle(eligible, new java.util.Random(rng.nextLong()));
        for (int k = 0; k < inactiveCount && k < eligible.size(); k++) {
            partners[eligible.get(k)].inactiveAtStart = k % 2 == 0 ? Cutoff.REVOKED : Cutoff.LAPSED;
        }
        if (eligible.size() > inactiveCount) {
            int lapsing = eligible.get(inactiveCount);
            partners[lapsing].lapseAt = settings.startTime() + 10 * MINUTE + rng.nextLong(20 * MINUTE);
        }

        List<PartnerAgreement> all = new ArrayList<>();
        for (int i = 0; i < withAgreement; i++) {
            buildAgreement(partners[i], rng);
            all.addAll(partners[i].versions);
        }
        initialAgreements = Collections.unmodifiableList(all);
    }

    /** The settings of this simulator. */
    public SimulationSettings settings() {
        return settings;
    }

    /** The agreement versions in effect before the run starts (copies): what a detector is loaded with. */
    public List<PartnerAgreement> agreements() {
        List<PartnerAgreement> copies = new ArrayList<>(initialAgreements.size());
        for (PartnerAgreement v : initialAgreements) {
            copies.add(PartnerAgreement.newBuilder(v).build());
        }
        return copies;
    }

    /** Partners with an agreement, busiest first. */
    public List<String> partnersByTraffic() {
        List<String> ids = new ArrayList<>(byRank.length);
        for (int p : byRank) {
            ids.add(partners[p].id);
        }
        return ids;
    }

    /** Partners that call without any agreement. */
    public List<String> unregisteredPartners() {
        List<String> ids = new ArrayList<>(unregistered.length);
        for (int p : unregistered) {
            ids.add(partners[p].id);
        }
        return ids;
    }

    /** A new run from the start: every call of this method yields the same events. */
    public Events events() {
        return new Events();
    }

    // ---------------------------------------------------------------------------------------------------
    // The world.

    private enum Cutoff { NONE, REVOKED, LAPSED }

    private static final class SimPartner {
        final int index;
        final String id;
        final AgreementKind kind;
        final boolean hasAgreement;
        int rank = -1;
        double share;
        Cutoff inactiveAtStart = Cutoff.NONE;
        long lapseAt = Long.MAX_VALUE;
        List<PartnerAgreement> versions = List.of();
        /** What the partner uses: the grants in force at the start, or the last ones it had. */
        Grant[] pairGrant = new Grant[0];
        Action[] pairAction = new Action[0];
        String appToken;
        String serverIp;

        SimPartner(int index, String id, AgreementKind kind, boolean hasAgreement) {
            this.index = index;
            this.id = id;
            this.kind = kind;
            this.hasAgreement = hasAgreement;
        }
    }

    private static AgreementKind drawKind(SplittableRandom rng) {
        double x = rng.nextDouble();
        return x < 0.55 ? AgreementKind.INTEGRATION
                : x < 0.75 ? AgreementKind.INSTANT_PERSONALIZATION : AgreementKind.MESSAGING;
    }

    private static String generatedId(AgreementKind kind, int index) {
        String prefix = switch (kind) {
            case INTEGRATION -> "device-maker";
            case INSTANT_PERSONALIZATION -> "personalizer";
            case MESSAGING -> "messaging-app";
            default -> "partner";
        };
        return String.format("%s-%03d", prefix, index + 1);
    }

    /** A grant template: resource, actions, consent, friend data. */
    private record Spec(Resource resource, Action[] actions, boolean consent, boolean friends) {}

    private static List<Spec> template(AgreementKind kind, SplittableRandom rng) {
        List<Spec> specs = new ArrayList<>();
        Action[] read = {Action.READ};
        switch (kind) {
            case INTEGRATION -> {
                specs.add(new Spec(Resource.CONTACTS, read, true, true));
                specs.add(new Spec(Resource.FRIENDS, read, true, true));
                specs.add(new Spec(Resource.PROFILE, read, true, true));
                if (rng.nextDouble() < 0.5) {
                    specs.add(new Spec(Resource.CALENDAR, read, true, false));
                }
                if (rng.nextDouble() < 0.4) {
                    specs.add(new Spec(Resource.PHOTOS, read, true, true));
                }
                if (rng.nextDouble() < 0.3) {
                    specs.add(new Spec(Resource.MESSAGES, new Action[] {Action.READ, Action.WRITE}, true, false));
                }
            }
            case INSTANT_PERSONALIZATION -> {
                specs.add(new Spec(Resource.PROFILE, read, false, true));
                specs.add(new Spec(Resource.FRIENDS, read, false, true));
                if (rng.nextDouble() < 0.6) {
                    specs.add(new Spec(Resource.POSTS, read, true, false));
                }
            }
            default -> {
                specs.add(new Spec(Resource.MESSAGES, rng.nextDouble() < 0.5
                        ? new Action[] {Action.READ, Action.WRITE, Action.DELETE}
                        : new Action[] {Action.READ, Action.WRITE}, true, false));
                specs.add(new Spec(Resource.THREAD_PARTICIPANTS, read, true, false));
                if (rng.nextDouble() < 0.6) {
                    specs.add(new Spec(Resource.FRIENDS, read, true, false));
                }
            }
        }
        return specs;
    }

    /** A resource the kind may add later (a scope expansion), or null. */
    private static Spec expansion(AgreementKind kind, List<Spec> specs) {
        List<Spec> options = switch (kind) {
            case INTEGRATION -> List.of(new Spec(Resource.POSTS, new Action[] {Action.READ}, true, false),
                    new Spec(Resource.THREAD_PARTICIPANTS, new Action[] {Action.READ}, true, false));
            case INSTANT_PERSONALIZATION -> List.of(new Spec(Resource.PHOTOS, new Action[] {Action.READ}, false, false));
            default -> List.of(new Spec(Resource.PROFILE, new Action[] {Action.READ}, true, true));
        };
        for (Spec o : options) {
            if (specs.stream().noneMatch(s -> s.resource() == o.resource())) {
                return o;
            }
        }
        return null;
    }

    /** Most records one steady call touches. */
    private static int maxRecords(Resource r, Action a) {
        if (a != Action.READ) {
            return 3;
        }
        return switch (r) {
            case CONTACTS -> 500;
            case FRIENDS -> 300;
            case MESSAGES, POSTS -> 50;
            case CALENDAR -> 100;
            case PHOTOS -> 40;
            case THREAD_PARTICIPANTS -> 20;
            default -> 3;
        };
    }

    private void buildAgreement(SimPartner p, SplittableRandom rng) {
        long start = settings.startTime();
        List<Spec> specs = template(p.kind, rng);
        // Limits: far above the partner's steady share, so only bursts break them.
        int pairs = specs.stream().mapToInt(s -> s.actions().length).sum() + 1;
        double perPairPerMinute = 2.0 * settings.callsPerSecond() * 60 * p.share / pairs;
        List<Long> limits = new ArrayList<>();
        for (Spec s : specs) {
            limits.add(rng.nextDouble() < limitChance(s.resource()) ? limit(s, perPairPerMinute) : null);
        }

        String agreementId = String.format("%s-%d-%03d", agreementPrefix(p.kind),
                2008 + (int) (p.index * 7L % 9), p.index + 1);
        List<PartnerAgreement> versions = new ArrayList<>();
        long from = day(start - 3 * YEAR - rng.nextLong(5 * YEAR));
        versions.add(version(p, agreementId, 1, from, grants(specs, limits)));
        if (rng.nextDouble() < 0.35) {
            Spec extra = expansion(p.kind, specs);
            if (extra != null) {
                specs.add(extra);
                limits.add(rng.nextDouble() < limitChance(extra.resource()) ? limit(extra, perPairPerMinute) : null);
                from = day(from + (long) ((start - 30 * DAY - from) * (0.3 + 0.6 * rng.nextDouble())));
                versions.add(version(p, agreementId, 2, from, grants(specs, limits)));
            }
        }
        if (rng.nextDouble() < 0.06 && specs.size() > 2) {
            // A correction: a higher version, in force from the same day, that narrows the scope.
            specs.remove(specs.size() - 1);
            limits.remove(limits.size() - 1);
            versions.add(version(p, agreementId + "-A1", versions.size() + 1, from, grants(specs, limits)));
        }
        PartnerAgreement last = versions.get(versions.size() - 1);
        long cutoff = last.getEffectiveFrom()
                + (long) ((start - DAY - last.getEffectiveFrom()) * (0.5 + 0.45 * rng.nextDouble()));
        if (p.inactiveAtStart == Cutoff.REVOKED) {
            versions.add(AgreementsYaml.revocation(versions, p.id, day(cutoff)));
        } else if (p.inactiveAtStart == Cutoff.LAPSED) {
            last.setEffectiveUntil(day(cutoff));
        } else if (p.lapseAt != Long.MAX_VALUE) {
            last.setEffectiveUntil(p.lapseAt);
        }
        p.versions = List.copyOf(versions);
        List<Grant> used = last.getGrants();
        List<Grant> pairGrants = new ArrayList<>();
        List<Action> pairActions = new ArrayList<>();
        for (Grant g : used) {
            for (Action a : g.getActions()) {
                pairGrants.add(g);
                pairActions.add(a);
            }
        }
        p.pairGrant = pairGrants.toArray(new Grant[0]);
        p.pairAction = pairActions.toArray(new Action[0]);
    }

    private static double limitChance(Resource r) {
        return switch (r) {
            case CONTACTS, FRIENDS, MESSAGES, PHOTOS, POSTS -> 0.6;
            default -> 0.2;
        };
    }

    /** Records per minute that steady traffic essentially never reaches, rounded up to two digits. */
    private static long limit(Spec s, double perPairPerMinute) {
        int most = 0;
        for (Action a : s.actions()) {
            most = Math.max(most, maxRecords(s.resource(), a));
        }
        double calls = perPairPerMinute + 6 * Math.sqrt(perPairPerMinute) + 20;
        long raw = (long) Math.ceil(most * calls);
        long scale = 1;
        while (raw / scale >= 100) {
            scale *= 10;
        }
        return (raw + scale - 1) / scale * scale;
    }

    private static String agreementPrefix(AgreementKind kind) {
        return switch (kind) {
            case INTEGRATION -> "AGR";
            case INSTANT_PERSONALIZATION -> "IP";
            case MESSAGING -> "MSG";
            default -> "OTH";
        };
    }

    private static List<Grant> grants(List<Spec> specs, List<Long> limits) {
        List<Grant> grants = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            grants.add(new Grant(s.resource(), new ArrayList<>(Arrays.asList(s.actions())), s.consent(), s.friends(),
                    limits.get(i)));
        }
        return grants;
    }

    private static PartnerAgreement version(SimPartner p, String agreementId, int version, long from,
            List<Grant> grants) {
        return new PartnerAgreement(p.id, version, agreementId, p.kind, AgreementStatus.ACTIVE, from, null, grants);
    }

    private static long day(long t) {
        return Math.floorDiv(t, DAY) * DAY;
    }

    // ---------------------------------------------------------------------------------------------------
    // Users: pure functions of the index and the seed.

    private long userHash(int u, long what) {
        return mix(salt ^ (((long) u << 20) + what));
    }

    private static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }

    private int rankFor(double x) {
        int i = Arrays.binarySearch(cumulative, x);
        i = i >= 0 ? i : -i - 1;
        return Math.min(i, cumulative.length - 1);
    }

    private int partnerSetSize(int u) {
        return 1 + (int) Long.remainderUnsigned(userHash(u, 1), 3);
    }

    private int partnerOfUser(int u, int j) {
        return byRank[rankFor(unit(userHash(u, 2 + j)))];
    }

    private boolean usesPartner(int u, int p) {
        int k = partnerSetSize(u);
        for (int j = 0; j < k; j++) {
            if (partnerOfUser(u, j) == p) {
                return true;
            }
        }
        return false;
    }

    private int friendCount(int u) {
        return 5 + (int) Long.remainderUnsigned(userHash(u, 8), 196);
    }

    private int friendOf(int u, int j) {
        int f = (int) Long.remainderUnsigned(userHash(u, 16 + j), settings.users());
        return f == u ? (u + 1) % settings.users() : f;
    }

    private String deviceIp(int u) {
        long h = userHash(u, 9);
        return "100." + (64 + (h & 63)) + "." + ((h >>> 6) & 255) + "." + (1 + ((h >>> 14) & 253));
    }

    private String userToken(int u, SimPartner p) {
        return "tok-" + Long.toHexString(userHash(u, 1_000 + p.index) | (1L << 63)).substring(1);
    }

    private static String userId(int u) {
        return "u" + u;
    }

    static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static final String[][] ENDPOINTS = endpoints();

    private static String[][] endpoints() {
        String[][] e = new String[Resource.values().length][Action.values().length];
        for (Resource r : RESOURCES) {
            for (Action a : ACTIONS) {
                String method = switch (a) {
                    case READ -> "GET";
                    case WRITE -> "POST";
                    default -> "DELETE";
                };
                e[r.ordinal()][a.ordinal()] = method + " /v2.12/{user}/" + r.name().toLowerCase();
            }
        }
        return e;
    }

    // ---------------------------------------------------------------------------------------------------
    // A run.

    private static final int CALL = 0;
    private static final int REDELIVERY = 1;
    private static final int CONSENT = 2;
    private static final int AGREEMENT = 3;
    private static final int CLEAN = -1;
    private static final int SESSIONS = 256;
    /** The chance a steady call continues a recent session: sessions average four calls. */
    private static final double SESSION_CONTINUES = 0.75;
    private static final int UNCHECKED = -2;

    private static final class Pending implements Comparable<Pending> {
        final long emitAt;
        final long seq;
        final int kind;
        final Object payload;
        final int intent;

        Pending(long emitAt, long seq, int kind, Object payload, int intent) {
            this.emitAt = emitAt;
            this.seq = seq;
            this.kind = kind;
            this.payload = payload;
            this.intent = intent;
        }

        @Override
        public int compareTo(Pending o) {
            return emitAt != o.emitAt ? Long.compare(emitAt, o.emitAt) : Long.compare(seq, o.seq);
        }
    }

    private record Roles(int subject, int acting) {}

    /**
     * The events of one run, in emission order. Unbounded runs never end. Not thread-safe.
     */
    public final class Events implements Iterator<SimEvent> {
        private final SplittableRandom rng = new SplittableRandom(mix(salt + 2));
        private final GroundTruth truth;
        private final List<GroundTruth.RateLimitWindow> finalWindows = new ArrayList<>();
        private final PriorityQueue<Pending> queue = new PriorityQueue<>();
        private final long maxJitter = settings.maxJitter().toMillis();
        private final long end;
        private final double meanGapMillis = 1000.0 / settings.callsPerSecond();
        private double clock = settings.startTime();
        private boolean ended;
        private boolean finished;
        private long seq;
        private long callSeq;
        private long watermark = Long.MIN_VALUE;
        private double nextRevocationAt;
        private double nextBurstAt;
        private boolean lapsesPlanned;

        private final long[] organicUntil = new long[partners.length];
        private final long[] revokedAt = new long[partners.length];
        private final long[] burstUntil = new long[partners.length];
        /** Partners whose version in force no longer grants access (for AFTER_REVOCATION calls). */
        private final List<Integer> cutOff = new ArrayList<>();
        /** Partners joining {@link #cutOff} once every new call is after their cut-off: {partner, since}. */
        private final List<long[]> cuttingOff = new ArrayList<>();

        /** Recent sessions (a user in a partner's app): a steady call mostly continues one of them. */
        private final int[] sessionUser = new int[SESSIONS];
        private final int[] sessionPartner = new int[SESSIONS];
        private int sessions;

        /**
         * Users in calls planned for later, until then: other plans leave their consent state alone, so those
         * calls turn out as planned (a re-authorization would spoil a planned NO_USER_CONSENT call, a
         * withdrawal a planned clean one). Sized by the calls in flight.
         */
        private final Map<Integer, Long> reservedUntil = new HashMap<>();
        private long steps;

        private final List<String> mismatchSamples = new ArrayList<>();
        private long checkedClean;
        private long cleanMismatches;
        private long checkedBreaches;
        private long breachMismatches;

        private Events() {
            long horizon = settings.maxRedeliveryDelay().toMillis() + maxJitter + 10 * SECOND;
            truth = new GroundTruth(horizon);
            initialAgreements.forEach(truth::addAgreement);
            end = settings.duration() == null ? Long.MAX_VALUE
                    : Math.addExact(settings.startTime(), settings.duration().toMillis());
            Arrays.fill(revokedAt, Long.MAX_VALUE);
            Arrays.fill(burstUntil, Long.MIN_VALUE);
            for (SimPartner p : partners) {
                boolean active = p.hasAgreement && p.inactiveAtStart == Cutoff.NONE;
                organicUntil[p.index] = active ? Long.MAX_VALUE : Long.MIN_VALUE;
                if (p.hasAgreement && !active) {
                    cutOff.add(p.index);
                }
            }
            nextRevocationAt = clock + exponential(settings.revocationsPerHour());
            nextBurstAt = clock + exponential(settings.burstsPerHour());
        }

        @Override
        public boolean hasNext() {
            fill();
            return !queue.isEmpty();
        }

        @Override
        public SimEvent next() {
            fill();
            Pending p = queue.poll();
            if (p == null) {
                throw new NoSuchElementException("the run has ended");
            }
            long w = p.emitAt - maxJitter - 1;
            if (w > watermark) {
                watermark = w;
                truth.advanceTo(w);
            }
            SimEvent event = switch (p.kind) {
                case CONSENT -> {
                    truth.addConsent((ConsentEvent) p.payload);
                    yield new SimEvent.Consent(p.emitAt, (ConsentEvent) p.payload);
                }
                case AGREEMENT -> new SimEvent.Agreement(p.emitAt, (PartnerAgreement) p.payload);
                case REDELIVERY -> {
                    GroundTruth.Verdict v = truth.judge((PartnerApiCall) p.payload);
                    if (!v.redelivery()) {
                        throw new IllegalStateException("a redelivery was not recognised: " + p.payload);
                    }
                    yield new SimEvent.Call(p.emitAt, (PartnerApiCall) p.payload, v.rules(), true);
                }
                default -> {
                    PartnerApiCall call = (PartnerApiCall) p.payload;
                    GroundTruth.Verdict v = truth.judge(call);
                    check(p.intent, call, v);
                    if (settings.redeliveryFraction() > 0 && rng.nextDouble() < settings.redeliveryFraction()) {
                        long delay = 100 + rng.nextLong(Math.max(1, settings.maxRedeliveryDelay().toMillis() - 100));
                        push(p.emitAt + delay, REDELIVERY, PartnerApiCall.newBuilder(call).build(), UNCHECKED);
                    }
                    yield new SimEvent.Call(p.emitAt, call, v.rules(), false);
                }
            };
            if (queue.isEmpty() && ended) {
                fill();
            }
            return event;
        }

        /**
         * RATE_LIMIT windows completed since the last call: a minute is complete once events have been taken
         * past its end plus the jitter; after the last event, every window.
         */
        public List<GroundTruth.RateLimitWindow> takeRateLimitWindows() {
            List<GroundTruth.RateLimitWindow> out = new ArrayList<>(finalWindows);
            finalWindows.clear();
            out.addAll(truth.drainCompletedWindows());
            return out;
        }

        /** Calls planned clean and found clean, and the opposite (a run's self-check). */
        long checkedClean() {
            return checkedClean;
        }

        long cleanMismatches() {
            return cleanMismatches;
        }

        long checkedBreaches() {
            return checkedBreaches;
        }

        long breachMismatches() {
            return breachMismatches;
        }

        GroundTruth truth() {
            return truth;
        }

        /** Up to ten calls that did not turn out as planned, with the plan. */
        List<String> mismatchSamples() {
            return mismatchSamples;
        }

        private void check(int intent, PartnerApiCall call, GroundTruth.Verdict v) {
            boolean mismatch = false;
            if (intent == CLEAN) {
                checkedClean++;
                if (!v.clean()) {
                    cleanMismatches++;
                    mismatch = true;
                }
            } else if (intent >= 0) {
                checkedBreaches++;
                if (!v.rules().contains(RULES[intent])) {
                    breachMismatches++;
                    mismatch = true;
                }
            }
            if (mismatch && mismatchSamples.size() < 10) {
                mismatchSamples.add("planned " + (intent == CLEAN ? "clean" : RULES[intent]) + ", found "
                        + v.rules() + ": " + call);
            }
        }

        private void fill() {
            while (!ended && (queue.isEmpty() || queue.peek().emitAt > (long) clock)) {
                step();
            }
            if (ended && queue.isEmpty() && !finished) {
                finished = true;
                // finish() hands back (drains) the last minutes' windows: kept for the next take.
                finalWindows.addAll(truth.finish());
            }
        }

        // -----------------------------------------------------------------------------------------------
        // One step of steady traffic, with whatever is due.

        private void step() {
            long now = (long) clock;
            if (now >= end) {
                ended = true;
                return;
            }
            if (!lapsesPlanned) {
                lapsesPlanned = true;
                for (SimPartner p : partners) {
                    if (p.lapseAt != Long.MAX_VALUE && p.lapseAt + MINUTE < end) {
                        planCutOff(now, p, p.lapseAt, false);
                    }
                }
            }
            for (int i = cuttingOff.size() - 1; i >= 0; i--) {
                if (cuttingOff.get(i)[1] <= now) {
                    cutOff.add((int) cuttingOff.remove(i)[0]);
                }
            }
            while (nextRevocationAt <= now) {
                planRevocation(now);
                nextRevocationAt += exponential(settings.revocationsPerHour());
            }
            while (nextBurstAt <= now) {
                planBurst(now);
                nextBurstAt += exponential(settings.burstsPerHour());
            }
            if ((++steps & 0xFFFF) == 0) {
                reservedUntil.values().removeIf(until -> until < now);
            }
            double x = rng.nextDouble();
            boolean done = false;
            if (x < settings.breachFraction()) {
                done = breach(now);
            } else if (x < settings.breachFraction() + settings.deniedFraction()) {
                done = denied(now);
            }
            if (!done) {
                steady(now);
            }
            clock += -Math.log(1 - rng.nextDouble()) * meanGapMillis;
        }

        private double exponential(double perHour) {
            return perHour <= 0 ? Double.POSITIVE_INFINITY : -Math.log(1 - rng.nextDouble()) * 3_600_000.0 / perHour;
        }

        private long jitter() {
            double u = rng.nextDouble();
            return 1 + (long) ((maxJitter - 1) * u * u * u);
        }

        private int pickUser() {
            double u = rng.nextDouble();
            long i = (long) (settings.users() * Math.pow(u, settings.userSkew()));
            return (int) Math.min(i, settings.users() - 1);
        }

        private int zipfPartner() {
            return byRank[rankFor(rng.nextDouble())];
        }

        private int friend(int u) {
            return friendOf(u, rng.nextInt(friendCount(u)));
        }

        /** One of the user's partners still calling at {@code now}, or -1. */
        private boolean reserved(int u, long now) {
            Long until = reservedUntil.get(u);
            return until != null && until >= now;
        }

        private void reserve(Roles roles, long until) {
            reservedUntil.merge(roles.subject(), until, Math::max);
            if (roles.acting() >= 0) {
                reservedUntil.merge(roles.acting(), until, Math::max);
            }
        }

        private int partnerFor(int u, long now) {
            int k = partnerSetSize(u);
            int first = rng.nextInt(k);
            for (int i = 0; i < k; i++) {
                int p = partnerOfUser(u, (first + i) % k);
                if (organicUntil[p] > now) {
                    return p;
                }
            }
            return -1;
        }

        private int pair(SimPartner p) {
            return rng.nextInt(p.pairGrant.length);
        }

        /** A random pair of the partner's matching the test, or -1. */
        private int pairWhere(SimPartner p, java.util.function.Predicate<Grant> test) {
            int chosen = -1;
            int seen = 0;
            for (int i = 0; i < p.pairGrant.length; i++) {
                if (test.test(p.pairGrant[i]) && rng.nextInt(++seen) == 0) {
                    chosen = i;
                }
            }
            return chosen;
        }

        private Roles roles(int u, boolean friendsAllowed) {
            double x = rng.nextDouble();
            if (friendsAllowed) {
                return x < 0.55 ? new Roles(friend(u), u) : x < 0.8 ? new Roles(u, u) : new Roles(u, -1);
            }
            return x < 0.6 ? new Roles(u, u) : new Roles(u, -1);
        }

        private boolean sharingOff(int user, long t) {
            String id = userId(user);
            return truth.sharingDisabledAt(id, t) || truth.sharingDisabledAt(id, Long.MAX_VALUE);
        }

        private boolean sharingOff(Roles roles, long t) {
            return sharingOff(roles.subject(), t) || (roles.acting() >= 0 && sharingOff(roles.acting(), t));
        }

        private int records(Resource r, Action a) {
            int most = maxRecords(r, a);
            double u = rng.nextDouble();
            return 1 + (int) ((most - 1) * u * u * u);
        }

        // -----------------------------------------------------------------------------------------------
        // Steady traffic.

        private void steady(long now) {
            for (int attempt = 0; attempt < 10_000; attempt++) {
                int u;
                int pi;
                if (sessions > 0 && rng.nextDouble() < SESSION_CONTINUES) {
                    int i = rng.nextInt(sessions);
                    u = sessionUser[i];
                    pi = sessionPartner[i];
                    if (organicUntil[pi] <= now || reserved(u, now)) {
                        continue;
                    }
                } else {
                    u = pickUser();
                    pi = partnerFor(u, now);
                    if (pi < 0 || reserved(u, now)) {
                        continue;
                    }
                    int slot = sessions < SESSIONS ? sessions++ : rng.nextInt(SESSIONS);
                    sessionUser[slot] = u;
                    sessionPartner[slot] = pi;
                }
                SimPartner p = partners[pi];
                int k = pair(p);
                Grant g = p.pairGrant[k];
                Roles roles = roles(u, g.getAllowFriendData());
                long t = now - jitter();
                // Users with sharing off are avoided; in a tiny population where everyone switched it off, the
                // call is made anyway (and breaks NO_USER_CONSENT, so it is not checked as clean).
                boolean lastResort = attempt >= 1_000;
                if (!lastResort && sharingOff(roles, t)) {
                    continue;
                }
                // A partner cut off but still calling (before it stops) breaks AFTER_REVOCATION.
                int intent = truth.grantsAccess(p.id, t) ? CLEAN : ViolationRule.AFTER_REVOCATION.ordinal();
                planCall(now, t, now, u, p, g, p.pairAction[k], roles, records(g.getResource(), p.pairAction[k]),
                        lastResort ? UNCHECKED : intent, intent == CLEAN);
                return;
            }
            throw new IllegalStateException("no partner with steady traffic is left");
        }

        /**
         * Plans a call at eventTime {@code t}, emitted at {@code emitAt}. With {@code authorize}, first makes the
         * consenting user u authorized for the partner at t if the grant needs it: an authorization from before
         * the stream (old eventTime) if the user never had one, else a re-authorization now, the call moving a
         * few seconds later if it was not already after now.
         */
        private void planCall(long now, long t, long emitAt, int u, SimPartner p, Grant g, Action a, Roles roles,
                int records, int intent, boolean authorize) {
            if (authorize && g.getRequiresUserConsent() && authorize(now, u, p, t)) {
                if (t <= now) {
                    emitAt = now + maxJitter + 1 + rng.nextLong(3 * SECOND);
                    t = emitAt - jitter();
                }
            }
            if (emitAt > now && intent != UNCHECKED) {
                reserve(roles, emitAt);
            }
            push(emitAt, CALL, call(p, g.getResource(), a, roles, CallOutcome.ALLOWED, records, t), intent);
        }

        /** Makes u authorized for p at t; true if that took an authorization at {@code now} (so t must be later). */
        private boolean authorize(long now, int u, SimPartner p, long t) {
            String uid = userId(u);
            if (truth.authorizedAt(uid, p.id, t)) {
                return false;
            }
            if (!truth.hasAuthorizationHistory(uid, p.id)) {
                long then = now - DAY - rng.nextLong(3 * YEAR);
                push(now, CONSENT, new ConsentEvent(uid, p.id, ConsentEventType.AUTHORIZED, then), UNCHECKED);
                return false;
            }
            push(now, CONSENT, new ConsentEvent(uid, p.id, ConsentEventType.AUTHORIZED, now), UNCHECKED);
            return true;
        }

        private PartnerApiCall call(SimPartner p, Resource r, Action a, Roles roles, CallOutcome outcome, int records,
                long t) {
            int acting = roles.acting();
            return new PartnerApiCall(callIdPrefix + (callSeq++), p.id, userId(roles.subject()),
                    acting >= 0 ? userId(acting) : null, r, a, outcome, records, t,
                    acting >= 0 ? userToken(acting, p) : p.appToken, ENDPOINTS[r.ordinal()][a.ordinal()],
                    acting >= 0 ? deviceIp(acting) : p.serverIp, null); // appendedAt: the detector sets it on read
        }

        private void push(long emitAt, int kind, Object payload, int intent) {
            queue.add(new Pending(emitAt, seq++, kind, payload, intent));
        }

        // -----------------------------------------------------------------------------------------------
        // Injected breaches. Each returns false if the world offers no way to make it now.

        private boolean breach(long now) {
            double x = rng.nextDouble();
            if (x < 0.12) {
                return noAgreement(now);
            } else if (x < 0.32) {
                return afterRevocation(now);
            } else if (x < 0.52) {
                return outOfScope(now);
            } else if (x < 0.72) {
                return friendData(now);
            }
            double y = rng.nextDouble();
            return y < 0.4 ? neverAuthorized(now) : y < 0.75 ? deauthorized(now) : sharingDisabled(now);
        }

        private Resource anyResource() {
            return RESOURCES[rng.nextInt(RESOURCES.length)];
        }

        private Action anyAction() {
            double x = rng.nextDouble();
            return x < 0.7 ? Action.READ : x < 0.9 ? Action.WRITE : Action.DELETE;
        }

        private boolean noAgreement(long now) {
            if (unregistered.length == 0) {
                return false;
            }
            SimPartner p = partners[unregistered[rng.nextInt(unregistered.length)]];
            Resource r = anyResource();
            Action a = anyAction();
            long t = now - jitter();
            push(now, CALL, call(p, r, a, roles(pickUser(), true), CallOutcome.ALLOWED, records(r, a), t),
                    ViolationRule.NO_AGREEMENT.ordinal());
            return true;
        }

        private boolean afterRevocation(long now) {
            if (cutOff.isEmpty()) {
                return false;
            }
            SimPartner p = partners[cutOff.get(rng.nextInt(cutOff.size()))];
            long t = now - jitter();
            if (truth.grantsAccess(p.id, t)) {
                return false;
            }
            int k = pair(p);
            Grant g = p.pairGrant[k];
            push(now, CALL, call(p, g.getResource(), p.pairAction[k], roles(pickUser(), g.getAllowFriendData()),
                    CallOutcome.ALLOWED, records(g.getResource(), p.pairAction[k]), t),
                    ViolationRule.AFTER_REVOCATION.ordinal());
            return true;
        }

        private boolean outOfScope(long now) {
            for (int attempt = 0; attempt < 30; attempt++) {
                SimPartner p = partners[zipfPartner()];
                long t = now - jitter();
                if (organicUntil[p.index] <= now || !truth.grantsAccess(p.id, t)) {
                    continue;
                }
                Resource r = anyResource();
                Action a = anyAction();
                if (GroundTruth.grantFor(truth.versionInForce(p.id, t), r, a) != null) {
                    continue;
                }
                push(now, CALL, call(p, r, a, roles(pickUser(), false), CallOutcome.ALLOWED, records(r, a), t),
                        ViolationRule.OUT_OF_SCOPE.ordinal());
                return true;
            }
            return false;
        }

        private boolean friendData(long now) {
            for (int attempt = 0; attempt < 30; attempt++) {
                int u = pickUser();
                int pi = partnerFor(u, now);
                if (pi < 0 || reserved(u, now)) {
                    continue;
                }
                SimPartner p = partners[pi];
                long t = now - jitter();
                int k = pairWhere(p, g -> !g.getAllowFriendData());
                if (k < 0 || !truth.grantsAccess(p.id, t)) {
                    continue;
                }
                Roles roles = new Roles(friend(u), u);
                if (sharingOff(roles, t)) {
                    continue;
                }
                Grant g = p.pairGrant[k];
                planCall(now, t, now, u, p, g, p.pairAction[k], roles, records(g.getResource(), p.pairAction[k]),
                        ViolationRule.FRIEND_DATA.ordinal(), true);
                return true;
            }
            return false;
        }

        /** A user calls through a partner they never use (so never authorized, now or later). */
        private boolean neverAuthorized(long now) {
            for (int attempt = 0; attempt < 30; attempt++) {
                int u = pickUser();
                SimPartner p = partners[zipfPartner()];
                long t = now - jitter();
                if (usesPartner(u, p.index) || organicUntil[p.index] <= now || !truth.grantsAccess(p.id, t)
                        || truth.hasAuthorizationHistory(userId(u), p.id)) {
                    continue;
                }
                int k = pairWhere(p, Grant::getRequiresUserConsent);
                if (k < 0) {
                    continue;
                }
                Grant g = p.pairGrant[k];
                push(now, CALL, call(p, g.getResource(), p.pairAction[k], roles(u, g.getAllowFriendData()),
                        CallOutcome.ALLOWED, records(g.getResource(), p.pairAction[k]), t),
                        ViolationRule.NO_USER_CONSENT.ordinal());
                return true;
            }
            return false;
        }

        /** The breach call's eventTime after a withdrawal at {@code now}: sometimes exactly then. */
        private long afterWithdrawal(long now) {
            return rng.nextDouble() < 0.2 ? now : now + maxJitter + 1 + rng.nextLong(20 * SECOND);
        }

        /** A user deauthorizes a partner, which keeps calling for them. */
        private boolean deauthorized(long now) {
            for (int attempt = 0; attempt < 30; attempt++) {
                int u = pickUser();
                int pi = partnerFor(u, now);
                if (pi < 0 || reserved(u, now)) {
                    continue;
                }
                SimPartner p = partners[pi];
                int k = pairWhere(p, Grant::getRequiresUserConsent);
                long t = afterWithdrawal(now);
                if (k < 0 || !truth.grantsAccess(p.id, t) || !truth.grantsAccess(p.id, now - 1)) {
                    continue;
                }
                Grant g = p.pairGrant[k];
                Action a = p.pairAction[k];
                Roles roles = rng.nextBoolean() ? new Roles(u, u) : new Roles(u, -1);
                String uid = userId(u);
                boolean history = truth.hasAuthorizationHistory(uid, p.id);
                if (history && !truth.authorizedAt(uid, p.id, Long.MAX_VALUE)) {
                    long t0 = now - jitter();
                    if (truth.authorizedAt(uid, p.id, t0)) {
                        continue;
                    }
                    push(now, CALL, call(p, g.getResource(), a, roles, CallOutcome.ALLOWED, records(g.getResource(), a),
                            t0), ViolationRule.NO_USER_CONSENT.ordinal());
                    return true;
                }
                boolean probe = rng.nextDouble() < 0.2 && !sharingOff(roles, now - 1)
                        && (!history || truth.authorizedAt(uid, p.id, now - 1));
                if (!history) {
                    push(now, CONSENT, new ConsentEvent(uid, p.id, ConsentEventType.AUTHORIZED,
                            now - DAY - rng.nextLong(3 * YEAR)), UNCHECKED);
                }
                push(now, CONSENT, new ConsentEvent(uid, p.id, ConsentEventType.DEAUTHORIZED, now), UNCHECKED);
                reserve(roles, t + maxJitter);
                if (probe) {
                    // One millisecond before the withdrawal the call was still fine.
                    push(now - 1 + jitter(), CALL, call(p, g.getResource(), a, roles, CallOutcome.ALLOWED,
                            records(g.getResource(), a), now - 1), CLEAN);
                }
                push(t + jitter(), CALL, call(p, g.getResource(), a, roles, CallOutcome.ALLOWED,
                        records(g.getResource(), a), t), ViolationRule.NO_USER_CONSENT.ordinal());
                return true;
            }
            return false;
        }

        /** A user switches sharing off; a partner reads their data anyway (as a friend's, or their own). */
        private boolean sharingDisabled(long now) {
            for (int attempt = 0; attempt < 30; attempt++) {
                int u = pickUser();
                int pi = partnerFor(u, now);
                if (pi < 0 || reserved(u, now)) {
                    continue;
                }
                SimPartner p = partners[pi];
                int k = pair(p);
                Grant g = p.pairGrant[k];
                Action a = p.pairAction[k];
                long t = afterWithdrawal(now);
                if (!truth.grantsAccess(p.id, t)) {
                    continue;
                }
                Roles roles = g.getAllowFriendData() && rng.nextDouble() < 0.6 ? new Roles(friend(u), u)
                        : rng.nextBoolean() ? new Roles(u, u) : new Roles(u, -1);
                int victim = roles.acting() >= 0 && rng.nextDouble() < 0.2 ? roles.acting() : roles.subject();
                if (sharingOff(victim, now) || reserved(victim, now)) {
                    continue; // already off (perhaps with a SHARING_ENABLED pending), or in a planned call
                }
                if (g.getRequiresUserConsent()) {
                    authorize(now, u, p, t);
                }
                String vid = userId(victim);
                push(now, CONSENT, new ConsentEvent(vid, null, ConsentEventType.SHARING_DISABLED, now), UNCHECKED);
                long emitAt = t + jitter();
                reserve(roles, emitAt);
                push(emitAt, CALL, call(p, g.getResource(), a, roles, CallOutcome.ALLOWED, records(g.getResource(), a),
                        t), ViolationRule.NO_USER_CONSENT.ordinal());
                long back = emitAt + MINUTE + rng.nextLong(9 * MINUTE);
                if (rng.nextBoolean() && back < end) {
                    push(back, CONSENT, new ConsentEvent(vid, null, ConsentEventType.SHARING_ENABLED, back), UNCHECKED);
                }
                return true;
            }
            return false;
        }

        /** A call the gateway denied: anything at all, never a violation. */
        private boolean denied(long now) {
            SimPartner p = partners[rng.nextInt(partners.length)];
            Resource r = anyResource();
            Action a = anyAction();
            push(now, CALL, call(p, r, a, roles(pickUser(), true), CallOutcome.DENIED, records(r, a), now - jitter()),
                    CLEAN);
            return true;
        }

        // -----------------------------------------------------------------------------------------------
        // Revocations, lapses and bursts.

        private boolean steadyAndUncommitted(SimPartner p, long now) {
            return p.hasAgreement && organicUntil[p.index] == Long.MAX_VALUE && revokedAt[p.index] == Long.MAX_VALUE
                    && p.lapseAt == Long.MAX_VALUE && burstUntil[p.index] < now;
        }

        private void planRevocation(long now) {
            if (cutOff.size() + cuttingOff.size() >= byRank.length / 3) {
                return;
            }
            List<Integer> candidates = new ArrayList<>();
            for (int r = 3; r < Math.min(byRank.length, 30); r++) {
                if (steadyAndUncommitted(partners[byRank[r]], now)) {
                    candidates.add(byRank[r]);
                }
            }
            for (int r = 30; r < byRank.length && candidates.isEmpty(); r++) {
                if (steadyAndUncommitted(partners[byRank[r]], now)) {
                    candidates.add(byRank[r]);
                }
            }
            if (candidates.isEmpty()) {
                return;
            }
            SimPartner p = partners[candidates.get(rng.nextInt(candidates.size()))];
            long at = now + 30 * SECOND + rng.nextLong(90 * SECOND);
            if (at + settings.revocationPublishDelay().toMillis() + MINUTE >= end) {
                return; // a bounded run does not end with a revocation still unpublished
            }
            planCutOff(now, p, at, true);
        }

        /**
         * Cuts a partner off at {@code at}: a revocation (published late, mostly) or a lapse known from the start.
         * The partner keeps calling for a while, and two probe calls straddle the instant.
         */
        private void planCutOff(long now, SimPartner p, long at, boolean revoke) {
            long stopsAt;
            if (revoke) {
                PartnerAgreement revocation = AgreementsYaml.revocation(p.versions, p.id, at);
                truth.addAgreement(revocation);
                revokedAt[p.index] = at;
                boolean late = rng.nextDouble() < 0.75;
                long publishAt = late ? at + settings.revocationPublishDelay().toMillis() : now;
                push(publishAt, AGREEMENT, revocation, UNCHECKED);
                stopsAt = late ? publishAt + rng.nextLong(30 * SECOND) : at + rng.nextLong(5 * SECOND);
            } else {
                stopsAt = at + rng.nextLong(MINUTE);
            }
            organicUntil[p.index] = stopsAt;
            cuttingOff.add(new long[] {p.index, at + maxJitter});
            int u = userOf(p);
            if (u < 0) {
                return;
            }
            int k = pair(p);
            Grant g = p.pairGrant[k];
            Action a = p.pairAction[k];
            Roles roles = roles(u, g.getAllowFriendData());
            if (sharingOff(roles, at)) {
                return;
            }
            planCall(now, at - 1, at - 1 + jitter(), u, p, g, a, roles, records(g.getResource(), a), CLEAN, true);
            long emitAt = at + jitter();
            reserve(roles, emitAt);
            push(emitAt, CALL, call(p, g.getResource(), a, roles, CallOutcome.ALLOWED,
                    records(g.getResource(), a), at), ViolationRule.AFTER_REVOCATION.ordinal());
        }

        /** A user who uses the partner and has sharing on, or -1. */
        private int userOf(SimPartner p) {
            for (int attempt = 0; attempt < 20_000; attempt++) {
                int u = pickUser();
                if (usesPartner(u, p.index) && !sharingOff(u, Long.MAX_VALUE) && !reserved(u, (long) clock)) {
                    return u;
                }
            }
            return -1;
        }

        /** One user's calls within one minute, past a grant's rate limit. */
        private void planBurst(long now) {
            for (int attempt = 0; attempt < 20; attempt++) {
                SimPartner p = partners[zipfPartner()];
                if (!steadyAndUncommitted(p, now)) {
                    continue;
                }
                int k = pairWhere(p, g -> g.getMaxRecordsPerMinute() != null);
                if (k < 0) {
                    continue;
                }
                int u = userOf(p);
                if (u < 0) {
                    continue;
                }
                Grant g = p.pairGrant[k];
                Action a = p.pairAction[k];
                long limit = g.getMaxRecordsPerMinute();
                long minute = Math.floorDiv(now + maxJitter + 5 * SECOND, MINUTE) * MINUTE + MINUTE;
                if (minute + MINUTE > end) {
                    return;
                }
                long total = (long) Math.ceil(limit * (1.25 + 0.75 * rng.nextDouble())) + 1;
                int calls = 20 + rng.nextInt(31);
                long each = Math.min(Integer.MAX_VALUE, Math.max(1, (total + calls - 1) / calls));
                calls = (int) Math.min(10_000, (total + each - 1) / each);
                burstUntil[p.index] = minute + MINUTE + maxJitter;
                if (g.getRequiresUserConsent()) {
                    authorize(now, u, p, minute);
                }
                for (int i = 0; i < calls; i++) {
                    long t = minute + SECOND + rng.nextLong(49 * SECOND);
                    Roles roles = g.getAllowFriendData() ? new Roles(friend(u), u)
                            : rng.nextBoolean() ? new Roles(u, u) : new Roles(u, -1);
                    if (sharingOff(roles, t)) {
                        roles = new Roles(u, u);
                    }
                    long emitAt = t + jitter();
                    reserve(roles, emitAt);
                    push(emitAt, CALL, call(p, g.getResource(), a, roles, CallOutcome.ALLOWED, (int) each, t), CLEAN);
                }
                return;
            }
        }
    }
}
