package org.accessdetector.simulate;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.accessdetector.output.JsonOutput;
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
 * A seeded multi-day history of normal partner behaviour with injected behavioural anomalies, and its ground
 * truth: the oracle for the VOLUME_SPIKE, FAN_OUT and FIRST_SEEN rules. The same settings always yield the same
 * records.
 *
 * <p><b>Normal behaviour.</b> Each partner has one agreement granting several resources and actions (friend data
 * allowed, no rate limits), of which it uses only some, every one of them from the first hour on; the others are
 * never called. Per used scope, zero to two calls a minute with a daily rhythm (the partner's users' time zone)
 * and noise, each touching at most 2.2 times the scope's base level of records, so a minute never holds more
 * than 880 records (the busiest-minute median of an hour is about twice the base, so no minute reaches three
 * times it either). A share of the calls is server-to-server, with the partner's app token from its one or two
 * fixed networks (a /24, or an IPv6 /48); the rest carry a user token, signed in as a user (heavy users call
 * daily) touching their own data or a friend's, from the user's device. No token's normal calls touch more than
 * 80 distinct users in ten minutes. A few calls are DENIED by the gateway (any scope, foreign addresses): rules
 * must ignore them. Every consenting user authorized the partner long before, so no per-call rule fires.
 *
 * <p><b>Stories</b>, after every key's 7-day warm-up, one per 90-minute slot so they never overlap, each shaped
 * to trigger its own rule only (the checks are the defaults of the anomaly rules):
 * <ul>
 *   <li>bulk harvest (VOLUME_SPIKE): the app token reads a partner's busiest scope at 8 to 20 times (at least
 *       1.25 times the threshold) its busiest-minute median of the week before, for 3 to 10 minutes, in two to
 *       four calls a minute about two users (not a fan-out);
 *   <li>token fan-out (FAN_OUT): the app token or a heavy user's token touches 2,000 to 5,000 users for 10 to 30
 *       minutes, one record each, on the partner's quietest read scope, so one aligned 10-minute window holds
 *       more than 1,200 of them and no minute 1,000 records;
 *   <li>first use of a scope (FIRST_SEEN): 5 to 30 small calls on a granted scope the partner never used;
 *   <li>new server network (FIRST_SEEN): 15 to 40 server-to-server calls of normal size from a /24 (or /48)
 *       the partner never called from.
 * </ul>
 */
public final class AnomalySimulation {

    public static final long MINUTE = 60_000L;
    public static final long HOUR = 60 * MINUTE;
    public static final long DAY = 24 * HOUR;
    /** Anomaly rules learn each key for this long from its first call before they trust its baseline. */
    public static final long WARM_UP = 7 * DAY;
    public static final long FAN_OUT_WINDOW = 10 * MINUTE;
    public static final long DEFAULT_START = Instant.parse("2026-03-02T00:00:00Z").toEpochMilli();

    /** VOLUME_SPIKE's default floor, which no normal minute and no other story may reach. */
    static final long VOLUME_FLOOR = 1_000;

    private static final long SLOT = 90 * MINUTE;
    /** Every partner's first used scope is its busiest read scope, the second its quietest. */
    private static final int BUSIEST = 0;
    private static final int QUIETEST = 1;
    private static final long USERS = 1_000_003L; // prime, so every stride walks distinct users
    private static final int HEAVY_USERS = 20;
    private static final double DENIED_PER_PARTNER_MINUTE = 0.004;
    private static final Resource[] RESOURCES = Arrays.stream(Resource.values())
            .filter(r -> r != Resource.UNKNOWN).toArray(Resource[]::new);
    private static final Action[] ACTIONS = Arrays.stream(Action.values())
            .filter(a -> a != Action.UNKNOWN).toArray(Action[]::new);

    /**
     * @param seed the random seed
     * @param days length of the history; stories need at least one day after the 7-day warm-up
     * @param startTime the first minute, epoch milliseconds on a whole hour
     * @param partners how many partners
     * @param storiesPerKind stories of each of the four kinds (fewer when the days after warm-up are too few)
     */
    public record Settings(long seed, int days, long startTime, int partners, int storiesPerKind) {
        public Settings {
            if (days < 8 || days > 60) {
                throw new IllegalArgumentException("days must be from 8 (a 7-day warm-up and a day of stories) to 60");
            }
            if (Math.floorMod(startTime, HOUR) != 0) {
                throw new IllegalArgumentException("startTime must be on a whole hour");
            }
            if (partners < 1 || partners > 200) {
                throw new IllegalArgumentException("partners must be from 1 to 200");
            }
            if (storiesPerKind < 0) {
                throw new IllegalArgumentException("storiesPerKind must not be negative");
            }
        }

        /** Ten days from 2026-03-02T00:00Z, eight partners, six stories of each kind, seed 1. */
        public static Settings defaults() {
            return new Settings(1, 10, DEFAULT_START, 8, 6);
        }

        public Settings withSeed(long seed) {
            return new Settings(seed, days, startTime, partners, storiesPerKind);
        }

        public Settings withDays(int days) {
            return new Settings(seed, days, startTime, partners, storiesPerKind);
        }

        public Settings withPartners(int partners) {
            return new Settings(seed, days, startTime, partners, storiesPerKind);
        }

        public Settings withStoriesPerKind(int storiesPerKind) {
            return new Settings(seed, days, startTime, partners, storiesPerKind);
        }
    }

    /** The files {@link #write} made, and how many records each holds. */
    public record Written(Path agreements, Path consents, Path calls, Path anomalies, long agreementCount,
            long consentCount, long callCount, long anomalyCount) {}

    private final Settings settings;
    private final long salt;
    private final String callIdPrefix;
    private final long start;
    private final long end;
    private final int minutes;
    private final Partner[] partners;
    /** Records per partner, used scope and minute: normal traffic and the stories planned so far. */
    private final int[][][] minuteRecords;
    private final List<Draft> storyCalls = new ArrayList<>();
    private final List<InjectedAnomaly> anomalies = new ArrayList<>();

    public AnomalySimulation(Settings settings) {
        this.settings = settings;
        this.salt = Simulator.mix(settings.seed() ^ 0xA11_0A1EL);
        this.callIdPrefix = "a" + String.format("%08x", (int) (salt >>> 32)) + "-";
        this.start = settings.startTime();
        this.end = start + settings.days() * DAY;
        this.minutes = (int) ((end - start) / MINUTE);
        SplittableRandom world = new SplittableRandom(Simulator.mix(salt + 1));
        partners = new Partner[settings.partners()];
        for (int i = 0; i < partners.length; i++) {
            partners[i] = partner(i, world);
        }
        minuteRecords = new int[partners.length][][];
        Map<String, Long> heavyTokenFirstCall = learnNormalTraffic();
        planStories(new SplittableRandom(Simulator.mix(salt + 2)), heavyTokenFirstCall);
        storyCalls.sort(Comparator.comparingLong(Draft::eventTime));
    }

    public Settings settings() {
        return settings;
    }

    public long startTime() {
        return start;
    }

    /** The end of the history (exclusive). */
    public long endTime() {
        return end;
    }

    /** One ACTIVE version per partner, in force since long before the history. */
    public List<PartnerAgreement> agreements() {
        List<PartnerAgreement> out = new ArrayList<>(partners.length);
        for (Partner p : partners) {
            out.add(PartnerAgreement.newBuilder(p.agreement).build());
        }
        return out;
    }

    /** The injected stories, in time order. */
    public List<InjectedAnomaly> anomalies() {
        return List.copyOf(anomalies);
    }

    /** Every call of the history, normal and injected, in event-time order. */
    public void forEachCall(Consumer<PartnerApiCall> sink) {
        List<Draft> minute = new ArrayList<>();
        int nextStory = 0;
        long seq = 0;
        for (int m = 0; m < minutes; m++) {
            long minuteEnd = start + (m + 1) * MINUTE;
            minute.clear();
            for (Partner p : partners) {
                for (int s = 0; s < p.used.size(); s++) {
                    normalMinute(p, s, m, minute);
                }
                deniedMinute(p, m, minute);
            }
            while (nextStory < storyCalls.size() && storyCalls.get(nextStory).eventTime() < minuteEnd) {
                minute.add(storyCalls.get(nextStory++));
            }
            minute.sort(Comparator.comparingLong(Draft::eventTime)); // stable: ties keep their order
            for (Draft d : minute) {
                sink.accept(d.toCall(callIdPrefix + seq++));
            }
        }
    }

    /**
     * Writes agreements.jsonl, consents.jsonl and calls.jsonl in the formats replay reads, and anomalies.jsonl
     * (the ground truth, one story a line), into {@code dir}.
     */
    public Written write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path agreementsFile = dir.resolve("agreements.jsonl");
        Path consentsFile = dir.resolve("consents.jsonl");
        Path callsFile = dir.resolve("calls.jsonl");
        Path anomaliesFile = dir.resolve("anomalies.jsonl");
        List<PartnerAgreement> versions = agreements();
        try (BufferedWriter out = Files.newBufferedWriter(agreementsFile, StandardCharsets.UTF_8)) {
            for (PartnerAgreement a : versions) {
                line(out, JsonOutput.toJson(a));
            }
        }
        // Whoever consents for a call (the acting user, else the subject) authorized its partner long before.
        Map<String, Set<String>> consenting = new HashMap<>();
        long[] calls = {0};
        try (BufferedWriter out = Files.newBufferedWriter(callsFile, StandardCharsets.UTF_8)) {
            forEachCall(c -> {
                line(out, JsonOutput.toJson(c));
                calls[0]++;
                String user = c.getActingUserId() != null ? c.getActingUserId() : c.getSubjectUserId();
                consenting.computeIfAbsent(c.getPartnerId(), k -> new HashSet<>()).add(user);
            });
        }
        long consents = 0;
        try (BufferedWriter out = Files.newBufferedWriter(consentsFile, StandardCharsets.UTF_8)) {
            for (Partner p : partners) {
                List<String> users = new ArrayList<>(consenting.getOrDefault(p.id, Set.of()));
                Collections.sort(users);
                for (String u : users) {
                    long daysBefore = 1 + Long.remainderUnsigned(Simulator.mix(salt ^ u.hashCode() ^ p.index), 700);
                    line(out, JsonOutput.toJson(new ConsentEvent(u, p.id, ConsentEventType.AUTHORIZED,
                            start - daysBefore * DAY)));
                    consents++;
                }
            }
        }
        try (BufferedWriter out = Files.newBufferedWriter(anomaliesFile, StandardCharsets.UTF_8)) {
            for (InjectedAnomaly a : anomalies) {
                line(out, JsonOutput.toJson(toNode(a)));
            }
        }
        return new Written(agreementsFile, consentsFile, callsFile, anomaliesFile, versions.size(), consents,
                calls[0], anomalies.size());
    }

    /** A ground-truth line: times as epoch milliseconds, absent fields left out, like the other outputs. */
    static ObjectNode toNode(InjectedAnomaly a) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("story", a.story());
        n.put("rule", a.rule().name());
        n.put("partnerId", a.partnerId());
        if (a.resource() != null) {
            n.put("resource", a.resource().name());
            n.put("action", a.action().name());
        }
        if (a.tokenId() != null) {
            n.put("tokenId", a.tokenId());
        }
        if (a.sourceNetwork() != null) {
            n.put("sourceNetwork", a.sourceNetwork());
        }
        n.put("start", a.start());
        n.put("end", a.end());
        return n;
    }

    private static void line(BufferedWriter out, String json) {
        try {
            out.write(json);
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // The world.

    /** A scope a partner uses: its base level of records per call, and the share of server-to-server calls. */
    private record Scope(Resource resource, Action action, double base, double serverShare) {}

    /** A granted resource and action. */
    private record Granted(Resource resource, Action action) {}

    /** A source network: its CIDR and the prefix a host is appended to. */
    private record Network(String cidr, String hostPrefix, boolean ipv6) {
        String host(SplittableRandom rng) {
            return ipv6 ? hostPrefix + Integer.toHexString(rng.nextInt(1 << 16)) + "::"
                    + Integer.toHexString(1 + rng.nextInt((1 << 16) - 2))
                    : hostPrefix + (1 + rng.nextInt(254));
        }

        static Network v4(int a, int b, int c) {
            return new Network(a + "." + b + "." + c + ".0/24", a + "." + b + "." + c + ".", false);
        }

        /** 2001:db8:{third}::/48; hosts 2001:db8:{third}:{subnet}::{host}. */
        static Network v6(int third) {
            String hextet = Integer.toHexString(third);
            return new Network("2001:db8:" + hextet + "::/48", "2001:db8:" + hextet + ":", true);
        }
    }

    private static final class Partner {
        final int index;
        final String id;
        final AgreementKind kind;
        PartnerAgreement agreement;
        final List<Scope> used = new ArrayList<>();
        /** Granted scopes never called (first-use stories take them). */
        final List<Granted> unused = new ArrayList<>();
        Network[] networks;
        String appToken;
        /** The hour of day (UTC) the partner's users are least active. */
        double quietHour;
        int poolSize;
        long poolOffset;
        long poolStride;

        Partner(int index, String id, AgreementKind kind) {
            this.index = index;
            this.id = id;
            this.kind = kind;
        }
    }

    private Partner partner(int i, SplittableRandom rng) {
        AgreementKind kind = switch (i % 3) {
            case 0 -> AgreementKind.INTEGRATION;
            case 1 -> AgreementKind.INSTANT_PERSONALIZATION;
            default -> AgreementKind.MESSAGING;
        };
        String prefix = switch (kind) {
            case INTEGRATION -> "device-maker";
            case INSTANT_PERSONALIZATION -> "personalizer";
            default -> "messaging-app";
        };
        Partner p = new Partner(i, String.format("%s-%02d", prefix, i + 1), kind);
        Map<Resource, Action[]> granted = switch (kind) {
            case INTEGRATION -> grantsOf(Resource.CONTACTS, Resource.FRIENDS, Resource.PROFILE, Resource.CALENDAR,
                    Resource.PHOTOS, Resource.MESSAGES);
            case INSTANT_PERSONALIZATION -> grantsOf(Resource.PROFILE, Resource.FRIENDS, Resource.POSTS,
                    Resource.PHOTOS, Resource.CALENDAR);
            default -> grantsOf(Resource.MESSAGES, Resource.THREAD_PARTICIPANTS, Resource.FRIENDS, Resource.PROFILE,
                    Resource.CONTACTS);
        };
        List<Grant> grants = new ArrayList<>();
        List<Resource> reads = new ArrayList<>();
        List<Resource> others = new ArrayList<>();
        List<Action> otherActions = new ArrayList<>();
        granted.forEach((r, actions) -> {
            grants.add(new Grant(r, new ArrayList<>(Arrays.asList(actions)),
                    kind != AgreementKind.INSTANT_PERSONALIZATION, true, null));
            for (Action a : actions) {
                if (a == Action.READ) {
                    reads.add(r);
                } else {
                    others.add(r);
                    otherActions.add(a);
                }
            }
        });
        Collections.shuffle(reads, new java.util.Random(rng.nextLong()));
        // The busiest read scope (harvest stories) and a quiet one (fan-out and network stories), then one or two more.
        p.used.add(new Scope(reads.get(0), Action.READ, 120 + rng.nextInt(81), 0.4 + 0.3 * rng.nextDouble()));
        p.used.add(new Scope(reads.get(1), Action.READ, 40 + rng.nextInt(51), 0.4 + 0.3 * rng.nextDouble()));
        int extra = 1 + rng.nextInt(2);
        int nextRead = 2;
        for (int k = 0; k < extra; k++) {
            if (!others.isEmpty() && rng.nextBoolean()) {
                int j = rng.nextInt(others.size());
                p.used.add(new Scope(others.remove(j), otherActions.remove(j), 2 + rng.nextInt(9), 0.1));
            } else if (nextRead < reads.size() - 1) { // always leave a granted read unused
                p.used.add(new Scope(reads.get(nextRead++), Action.READ, 40 + rng.nextInt(121),
                        0.3 + 0.4 * rng.nextDouble()));
            }
        }
        for (int r = nextRead; r < reads.size(); r++) {
            p.unused.add(new Granted(reads.get(r), Action.READ));
        }
        for (int j = 0; j < others.size(); j++) {
            p.unused.add(new Granted(others.get(j), otherActions.get(j)));
        }
        p.agreement = new PartnerAgreement(p.id, 1, String.format("AGR-2024-%03d", i + 1), kind,
                AgreementStatus.ACTIVE, Math.floorDiv(start - 400 * DAY, DAY) * DAY, null, grants);
        p.networks = i % 2 == 0
                ? new Network[] {Network.v4(198, 18, i), Network.v4(198, 19, i)}
                : new Network[] {Network.v4(198, 18, i), Network.v6(0x100 + i)};
        if (i % 4 == 2) {
            p.networks = new Network[] {Network.v4(198, 18, i)}; // a single data centre
        }
        p.appToken = "app-" + Long.toHexString(Simulator.mix(salt ^ (0xA990L + i)) | (1L << 60)).substring(1, 13);
        p.quietHour = rng.nextDouble() * 24;
        p.poolSize = 2_000 + rng.nextInt(4_001);
        p.poolOffset = rng.nextLong(USERS);
        p.poolStride = 1 + rng.nextLong(USERS - 1);
        return p;
    }

    private static Map<Resource, Action[]> grantsOf(Resource... resources) {
        Map<Resource, Action[]> grants = new java.util.LinkedHashMap<>();
        for (Resource r : resources) {
            grants.put(r, r == Resource.MESSAGES ? new Action[] {Action.READ, Action.WRITE, Action.DELETE}
                    : new Action[] {Action.READ});
        }
        return grants;
    }

    // ---------------------------------------------------------------------------------------------------
    // Users: pure functions of the partner, the index in its pool and the seed.

    private static String userId(long n) {
        return "u" + n;
    }

    private long poolUserNumber(Partner p, int i) {
        return Math.floorMod(p.poolOffset + i * p.poolStride, USERS);
    }

    /** A pool index skewed to the front: the first users call every day. */
    private static int heavyIndex(Partner p, SplittableRandom rng) {
        double x = rng.nextDouble();
        return Math.min(p.poolSize - 1, (int) (p.poolSize * x * x * x));
    }

    /** One of the user's three to five friends, all in the pool near them. */
    private String friendOf(Partner p, int i, SplittableRandom rng) {
        int friends = 3 + (int) Long.remainderUnsigned(Simulator.mix(salt ^ poolUserNumber(p, i)), 3);
        int j = rng.nextInt(friends);
        long h = Simulator.mix(salt ^ (poolUserNumber(p, i) * 31 + j));
        return userId(poolUserNumber(p, (int) ((i + 1 + Long.remainderUnsigned(h, 50)) % p.poolSize)));
    }

    private String userToken(Partner p, int i) {
        long h = Simulator.mix(salt ^ ((long) p.index << 40) ^ (poolUserNumber(p, i) + 0x70CL));
        return "tok-" + Long.toHexString(h | (1L << 63)).substring(1);
    }

    /** The user's device address: anywhere (user-token calls are never judged by network). */
    private String deviceIp(long userNumber) {
        long h = Simulator.mix(salt ^ (userNumber + 0xD3L));
        return (11 + (h & 127)) + "." + ((h >>> 8) & 255) + "." + ((h >>> 16) & 255) + "." + (1 + ((h >>> 24) & 253));
    }

    // ---------------------------------------------------------------------------------------------------
    // Normal traffic: every minute of every used scope, generated again identically whenever asked for.

    /** A call before it gets its id. */
    private record Draft(long eventTime, Partner partner, Resource resource, Action action, String subject,
            String acting, String token, String ip, int records, CallOutcome outcome) {
        PartnerApiCall toCall(String callId) {
            return PartnerApiCall.newBuilder()
                    .setCallId(callId)
                    .setPartnerId(partner.id)
                    .setSubjectUserId(subject)
                    .setActingUserId(acting)
                    .setResource(resource)
                    .setAction(action)
                    .setOutcome(outcome)
                    .setRecordCount(records)
                    .setEventTime(eventTime)
                    .setTokenId(token)
                    .setSourceIp(ip)
                    .build();
        }
    }

    /** Activity from 0.35 (the quiet hour) to 1 (twelve hours later), times a per-day factor of 0.9 to 1.1. */
    private double activity(Partner p, int scope, long t) {
        double hour = Math.floorMod(t, DAY) / (double) HOUR;
        double day = 0.9 + 0.2 * unit(Simulator.mix(salt ^ ((long) p.index << 48) ^ ((long) scope << 40)
                ^ Math.floorDiv(t, DAY)));
        return Math.min(1.0, (0.35 + 0.65 * 0.5 * (1 - Math.cos(2 * Math.PI * (hour - p.quietHour) / 24))) * day);
    }

    private static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }

    private void normalMinute(Partner p, int s, int m, List<Draft> out) {
        Scope scope = p.used.get(s);
        SplittableRandom rng = new SplittableRandom(
                Simulator.mix(salt ^ Simulator.mix(((long) p.index << 44) ^ ((long) s << 36) ^ m)));
        long t0 = start + m * MINUTE;
        double d = activity(p, s, t0);
        double none = 0.2 + 0.3 * (1 - d);
        double two = 0.1 + 0.2 * d;
        double u = rng.nextDouble();
        int calls = u < none ? 0 : u < 1 - two ? 1 : 2;
        long most = Math.round(2.2 * scope.base());
        for (int c = 0; c < calls; c++) {
            int records = (int) Math.max(1, Math.min(most,
                    Math.round(scope.base() * d * Math.exp(0.25 * rng.nextGaussian()))));
            long t = t0 + rng.nextLong(MINUTE);
            if (rng.nextDouble() < scope.serverShare()) {
                String subject = userId(poolUserNumber(p, rng.nextInt(p.poolSize)));
                Network net = p.networks[rng.nextInt(p.networks.length)];
                out.add(new Draft(t, p, scope.resource(), scope.action(), subject, null, p.appToken, net.host(rng),
                        records, CallOutcome.ALLOWED));
            } else {
                int i = heavyIndex(p, rng);
                String acting = userId(poolUserNumber(p, i));
                String subject = rng.nextDouble() < 0.7 ? acting : friendOf(p, i, rng);
                out.add(new Draft(t, p, scope.resource(), scope.action(), subject, acting, userToken(p, i),
                        deviceIp(poolUserNumber(p, i)), records, CallOutcome.ALLOWED));
            }
        }
    }

    /** Now and then a call the gateway denied: any scope, from anywhere. Rules must not count it. */
    private void deniedMinute(Partner p, int m, List<Draft> out) {
        SplittableRandom rng = new SplittableRandom(Simulator.mix(salt ^ 0xDE41EDL ^ ((long) p.index << 40) ^ m));
        if (rng.nextDouble() >= DENIED_PER_PARTNER_MINUTE) {
            return;
        }
        // Never from the partners' networks (198.18-19.x) nor the stories' (203.x).
        String ip = (150 + rng.nextInt(48)) + "." + rng.nextInt(256) + "." + rng.nextInt(256) + "."
                + (1 + rng.nextInt(254));
        out.add(new Draft(start + m * MINUTE + rng.nextLong(MINUTE), p, RESOURCES[rng.nextInt(RESOURCES.length)],
                ACTIONS[rng.nextInt(ACTIONS.length)], userId(rng.nextLong(USERS)), null,
                rng.nextBoolean() ? p.appToken : null, ip, 1 + rng.nextInt(5_000), CallOutcome.DENIED));
    }

    /** Sums normal records per minute, and notes when each heavy user's token first calls. */
    private Map<String, Long> learnNormalTraffic() {
        Map<String, Long> heavyFirst = new HashMap<>();
        Set<String> heavyTokens = new HashSet<>();
        for (Partner p : partners) {
            minuteRecords[p.index] = new int[p.used.size()][minutes];
            for (int i = 0; i < HEAVY_USERS; i++) {
                heavyTokens.add(userToken(p, i));
            }
        }
        List<Draft> drafts = new ArrayList<>();
        for (Partner p : partners) {
            for (int s = 0; s < p.used.size(); s++) {
                for (int m = 0; m < minutes; m++) {
                    drafts.clear();
                    normalMinute(p, s, m, drafts);
                    for (Draft d : drafts) {
                        minuteRecords[p.index][s][m] += d.records();
                        if (heavyTokens.contains(d.token())) {
                            heavyFirst.merge(d.token(), d.eventTime(), Math::min);
                        }
                    }
                }
            }
        }
        return heavyFirst;
    }

    // ---------------------------------------------------------------------------------------------------
    // Stories.

    private enum Kind { HARVEST, FAN_OUT, FIRST_USE, NEW_NETWORK }

    private void planStories(SplittableRandom rng, Map<String, Long> heavyTokenFirstCall) {
        long from = start + WARM_UP + HOUR;
        int slots = (int) ((end - HOUR - from) / SLOT);
        int perKind = Math.min(settings.storiesPerKind(), slots / Kind.values().length);
        List<Integer> slotOrder = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
            slotOrder.add(i);
        }
        Collections.shuffle(slotOrder, new java.util.Random(rng.nextLong()));
        List<Integer> chosen = new ArrayList<>(slotOrder.subList(0, perKind * Kind.values().length));
        Collections.sort(chosen); // planned in time order, so a harvest's baseline holds the stories before it
        List<Kind> kinds = new ArrayList<>();
        for (int i = 0; i < perKind; i++) {
            kinds.addAll(List.of(Kind.values()));
        }
        Collections.shuffle(kinds, new java.util.Random(rng.nextLong()));
        Map<Kind, List<Partner>> turns = new HashMap<>();
        Map<Kind, Integer> told = new HashMap<>();
        for (Kind k : Kind.values()) {
            List<Partner> order = new ArrayList<>(Arrays.asList(partners));
            Collections.shuffle(order, new java.util.Random(rng.nextLong()));
            turns.put(k, order);
        }
        int networks = 0;
        for (int j = 0; j < chosen.size(); j++) {
            Kind kind = kinds.get(j);
            long slotStart = from + chosen.get(j) * SLOT;
            int n = told.merge(kind, 1, Integer::sum) - 1;
            List<Partner> order = turns.get(kind);
            Partner p = order.get(n % order.size());
            // Every story runs within minutes 15 to 75 of its slot: at least 30 minutes from the next one.
            switch (kind) {
                case HARVEST -> harvest(p, slotStart + 15 * MINUTE + rng.nextLong(20 * MINUTE), rng);
                case FAN_OUT -> fanOut(p, slotStart + 20 * MINUTE + rng.nextLong(20 * MINUTE), n % 2 == 1,
                        heavyTokenFirstCall, rng);
                case FIRST_USE -> {
                    for (int k = 0; k < order.size(); k++) { // the next partner with a granted scope left unused
                        Partner q = order.get((n + k) % order.size());
                        if (!q.unused.isEmpty()) {
                            firstUse(q, slotStart + 15 * MINUTE + rng.nextLong(15 * MINUTE), rng);
                            break;
                        }
                    }
                }
                case NEW_NETWORK -> newNetwork(p, slotStart + 15 * MINUTE + rng.nextLong(10 * MINUTE), networks++,
                        rng);
            }
        }
        anomalies.sort(Comparator.comparingLong(InjectedAnomaly::start));
    }

    private int minuteIndex(long t) {
        return (int) ((t - start) / MINUTE);
    }

    private void addStoryCall(Draft d, int scope) {
        storyCalls.add(d);
        if (scope >= 0) {
            minuteRecords[d.partner().index][scope][minuteIndex(d.eventTime())] += d.records();
        }
    }

    /** The busiest-minute median and MAD over the hours with records in the week before {@code t}. */
    private double[] busiestMinuteBaseline(Partner p, int scope, long t) {
        List<Integer> busiest = new ArrayList<>();
        long firstHour = Math.max(start, Math.floorDiv(t - WARM_UP, HOUR) * HOUR);
        for (long h = firstHour; h + HOUR <= t; h += HOUR) {
            int most = 0;
            for (int m = minuteIndex(h); m < minuteIndex(h + HOUR); m++) {
                most = Math.max(most, minuteRecords[p.index][scope][m]);
            }
            if (most > 0) {
                busiest.add(most);
            }
        }
        double median = median(busiest.stream().mapToDouble(Integer::doubleValue).toArray());
        double mad = median(busiest.stream().mapToDouble(x -> Math.abs(x - median)).toArray());
        return new double[] {median, mad};
    }

    static double median(double[] xs) {
        if (xs.length == 0) {
            return 0;
        }
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private void harvest(Partner p, long at, SplittableRandom rng) {
        Scope scope = p.used.get(BUSIEST);
        long first = Math.floorDiv(at, MINUTE) * MINUTE;
        double[] baseline = busiestMinuteBaseline(p, BUSIEST, first);
        double threshold = Math.max(VOLUME_FLOOR, Math.max(3 * baseline[0], baseline[0] + 6 * 1.4826 * baseline[1]));
        double factor = 8 + 12 * rng.nextDouble();
        long target = (long) Math.ceil(Math.max(factor * baseline[0], 1.25 * threshold));
        int length = 3 + rng.nextInt(8);
        String[] subjects = {userId(poolUserNumber(p, rng.nextInt(p.poolSize))),
            userId(poolUserNumber(p, rng.nextInt(p.poolSize)))};
        for (int k = 0; k < length; k++) {
            long minute = first + k * MINUTE;
            int calls = 2 + rng.nextInt(3);
            long missing = target - minuteRecords[p.index][BUSIEST][minuteIndex(minute)];
            int each = (int) Math.ceil(missing / (double) calls);
            for (int c = 0; c < calls; c++) {
                long t = k == 0 && c == 0 ? minute : minute + rng.nextLong(MINUTE);
                addStoryCall(new Draft(t, p, scope.resource(), scope.action(), subjects[c % 2], null, p.appToken,
                        p.networks[0].host(rng), each, CallOutcome.ALLOWED), BUSIEST);
            }
        }
        anomalies.add(new InjectedAnomaly(ViolationRule.VOLUME_SPIKE, p.id, scope.resource(), scope.action(), null,
                null, first, first + length * MINUTE - 1));
    }

    private void fanOut(Partner p, long at, boolean userToken, Map<String, Long> heavyTokenFirstCall,
            SplittableRandom rng) {
        Scope scope = p.used.get(QUIETEST);
        // Starting within a minute of a window's start, a 10-minute-plus story fills that window with 9+ minutes.
        long first = Math.floorDiv(at, FAN_OUT_WINDOW) * FAN_OUT_WINDOW + rng.nextLong(MINUTE);
        int heavy = -1;
        if (userToken) {
            for (int i = 0; i < HEAVY_USERS && heavy < 0; i++) {
                Long firstCall = heavyTokenFirstCall.get(userToken(p, i));
                if (firstCall != null && firstCall + WARM_UP + HOUR <= first) {
                    heavy = i;
                }
            }
        }
        String token = heavy >= 0 ? userToken(p, heavy) : p.appToken;
        int length = 10 + rng.nextInt(21);
        int lowest = Math.max(2_000, 135 * length); // at least 135 users a minute: 1,215 in the first window
        int users = lowest + rng.nextInt(5_001 - lowest);
        long victimOffset = rng.nextLong(USERS);
        long victimStride = 1 + rng.nextLong(USERS - 1);
        long spacing = length * MINUTE / users;
        long last = first;
        for (int j = 0; j < users; j++) {
            long t = first + j * spacing + (j == 0 ? 0 : rng.nextLong(Math.max(1, spacing)));
            String victim = userId(Math.floorMod(victimOffset + j * victimStride, USERS));
            Draft d = heavy >= 0
                    ? new Draft(t, p, scope.resource(), scope.action(), victim, userId(poolUserNumber(p, heavy)),
                            token, deviceIp(poolUserNumber(p, heavy)), 1, CallOutcome.ALLOWED)
                    : new Draft(t, p, scope.resource(), scope.action(), victim, null, token, p.networks[0].host(rng),
                            1, CallOutcome.ALLOWED);
            addStoryCall(d, QUIETEST);
            last = Math.max(last, t);
        }
        for (int m = minuteIndex(first); m <= minuteIndex(last); m++) {
            if (minuteRecords[p.index][QUIETEST][m] >= 0.95 * VOLUME_FLOOR) {
                throw new IllegalStateException("a fan-out of " + p.id + " would also be a volume spike");
            }
        }
        anomalies.add(new InjectedAnomaly(ViolationRule.FAN_OUT, p.id, scope.resource(), scope.action(), token, null,
                first, last));
    }

    private void firstUse(Partner p, long at, SplittableRandom rng) {
        Granted scope = p.unused.remove(0);
        Resource resource = scope.resource();
        Action action = scope.action();
        int calls = 5 + rng.nextInt(26);
        long span = (10 + rng.nextInt(31)) * MINUTE;
        long[] times = new long[calls];
        times[0] = at;
        for (int c = 1; c < calls; c++) {
            times[c] = at + 1 + rng.nextLong(span);
        }
        Arrays.sort(times);
        for (long t : times) {
            int records = 1 + rng.nextInt(20);
            if (rng.nextBoolean()) {
                addStoryCall(new Draft(t, p, resource, action, userId(poolUserNumber(p, rng.nextInt(p.poolSize))),
                        null, p.appToken, p.networks[0].host(rng), records, CallOutcome.ALLOWED), -1);
            } else {
                int i = rng.nextInt(HEAVY_USERS);
                String acting = userId(poolUserNumber(p, i));
                addStoryCall(new Draft(t, p, resource, action, acting, acting, userToken(p, i),
                        deviceIp(poolUserNumber(p, i)), records, CallOutcome.ALLOWED), -1);
            }
        }
        anomalies.add(new InjectedAnomaly(ViolationRule.FIRST_SEEN, p.id, resource, action, null, null, times[0],
                times[calls - 1]));
    }

    private void newNetwork(Partner p, long at, int k, SplittableRandom rng) {
        boolean ipv6 = Arrays.stream(p.networks).anyMatch(Network::ipv6) && rng.nextBoolean();
        Network net = ipv6 ? Network.v6(0xf000 + k) : Network.v4(203, k / 150, 100 + k % 150);
        Scope scope = p.used.get(QUIETEST);
        int calls = 15 + rng.nextInt(26);
        long span = Math.max(calls, 20 + rng.nextInt(31)) * MINUTE;
        long last = at;
        for (int c = 0; c < calls; c++) {
            long t = at + c * (span / calls) + (c == 0 ? 0 : rng.nextLong(span / calls));
            int records = (int) Math.max(1, Math.min(scope.base(),
                    Math.round(scope.base() * activity(p, QUIETEST, t) * Math.exp(0.25 * rng.nextGaussian()))));
            addStoryCall(new Draft(t, p, scope.resource(), scope.action(),
                    userId(poolUserNumber(p, rng.nextInt(p.poolSize))), null, p.appToken, net.host(rng), records,
                    CallOutcome.ALLOWED), QUIETEST);
            last = Math.max(last, t);
        }
        anomalies.add(new InjectedAnomaly(ViolationRule.FIRST_SEEN, p.id, null, null, null, net.cidr(), at, last));
    }
}
