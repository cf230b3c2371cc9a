package org.accessdetector.simulate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
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
 * The oracle: what the detector must find, worked out independently of the detector's code from the rules.
 *
 * <p>For an ALLOWED call of partner p at time t (DENIED calls never violate and do not count toward rates):
 * the version in force is, among p's versions with effectiveFrom &lt;= t, the highest version. NO_AGREEMENT:
 * none; AFTER_REVOCATION: it is not ACTIVE, or it has effectiveUntil and t &gt;= effectiveUntil; OUT_OF_SCOPE:
 * no grant for the resource lists the action. These three are exclusive, in that order. Otherwise, with G the
 * grant, A the acting user (optional), S the subject and C = A if present else S: FRIEND_DATA if A is present,
 * A != S and G does not allow friend data; NO_USER_CONSENT if G requires consent and C's latest
 * AUTHORIZED/DEAUTHORIZED for p at or before t is missing or DEAUTHORIZED, or if S or A has sharing disabled
 * at t (the latest SHARING_* at or before t is SHARING_DISABLED). Two consent events of one key at the same
 * millisecond resolve to the withdrawing one. RATE_LIMIT: per partner, resource, action and epoch-aligned
 * minute [m, m+60s), the records of ALLOWED calls that broke none of the first three rules, if the version in
 * force at m is ACTIVE, not lapsed at m, and its grant for the resource and action has maxRecordsPerMinute =
 * L and the sum exceeds L. A repeated callId is a redelivery: the same verdict, counted once.
 *
 * <p>Feed it agreement versions and the consent events at or before a call's time before judging the call
 * (a version or consent arriving later does not revise verdicts already given). Declare with
 * {@link #advanceTo(long)} that no new call will have an earlier eventTime; minute windows completed by then
 * are reported. State: the partners' versions, one compact entry per user-and-partner (or user-and-sharing)
 * with consent events, the open minute windows, and the callIds seen within the redelivery horizon.
 *
 * <p>Not thread-safe.
 */
public final class GroundTruth {

    /** The ground truth of one call. */
    public record Verdict(Set<ViolationRule> rules, boolean redelivery) {
        public boolean clean() {
            return rules.isEmpty();
        }
    }

    /** A minute in which a partner exceeded a rate limit. */
    public record RateLimitWindow(String partnerId, Resource resource, Action action, long windowStart,
            long records, long limit) {}

    static final long MINUTE = 60_000L;

    /** Per-call rule sets, interned by bit mask of ordinals: verdicts share them and allocate nothing. */
    private static final Set<ViolationRule>[] RULE_SETS = ruleSets();
    private static final Verdict CLEAN = new Verdict(RULE_SETS[0], false);
    private static final Verdict NO_AGREEMENT = verdictOf(ViolationRule.NO_AGREEMENT);
    private static final Verdict AFTER_REVOCATION = verdictOf(ViolationRule.AFTER_REVOCATION);
    private static final Verdict OUT_OF_SCOPE = verdictOf(ViolationRule.OUT_OF_SCOPE);
    private static final int FRIEND_DATA_BIT = 1 << ViolationRule.FRIEND_DATA.ordinal();
    private static final int NO_USER_CONSENT_BIT = 1 << ViolationRule.NO_USER_CONSENT.ordinal();
    private static final Verdict[] CONTENT_VERDICTS = {
        CLEAN,
        new Verdict(RULE_SETS[FRIEND_DATA_BIT], false),
        new Verdict(RULE_SETS[NO_USER_CONSENT_BIT], false),
        new Verdict(RULE_SETS[FRIEND_DATA_BIT | NO_USER_CONSENT_BIT], false),
    };

    /** Canonical user ids {@code u<index>} map to their index; other ids are interned above this. */
    private static final long INTERNED_USERS = 1L << 37;
    private static final int PARTNER_BITS = 22;
    private static final int PLATFORM_WIDE = 0;

    private static final Comparator<RateLimitWindow> WINDOW_ORDER = Comparator
            .comparingLong(RateLimitWindow::windowStart)
            .thenComparing(RateLimitWindow::partnerId)
            .thenComparing(RateLimitWindow::resource)
            .thenComparing(RateLimitWindow::action);

    private final long redeliveryHorizonMillis;

    private final Map<String, PartnerHistory> partners = new HashMap<>();
    private final Map<String, Integer> partnerKeys = new HashMap<>();
    private final Map<String, Long> internedUsers = new HashMap<>();
    private final ConsentTable consents = new ConsentTable();

    private final Map<String, Verdict> seen = new HashMap<>();
    private final ArrayDeque<SeenCall> seenOrder = new ArrayDeque<>();

    private final TreeMap<Long, Map<RateKey, long[]>> openWindows = new TreeMap<>();
    private long closedBefore = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private final List<RateLimitWindow> completed = new ArrayList<>();

    /** Remembers every callId (fine for tests and bounded inputs). */
    public GroundTruth() {
        this(Long.MAX_VALUE);
    }

    /**
     * @param redeliveryHorizonMillis how long (in event time, behind the {@link #advanceTo(long) watermark}) a
     *     callId is remembered to recognise its redelivery
     */
    public GroundTruth(long redeliveryHorizonMillis) {
        if (redeliveryHorizonMillis < 0) {
            throw new IllegalArgumentException("redeliveryHorizonMillis must be >= 0");
        }
        this.redeliveryHorizonMillis = redeliveryHorizonMillis;
    }

    // ---------------------------------------------------------------------------------------------------
    // Input.

    /**
     * Adds an agreement version. The same version again is ignored.
     *
     * @throws IllegalArgumentException if it is invalid (UNKNOWN symbols, a resource granted twice, no actions,
     *     a negative limit, effectiveUntil not after effectiveFrom) or differs from a known version with the
     *     same number
     */
    public void addAgreement(PartnerAgreement v) {
        Objects.requireNonNull(v, "agreement");
        requireId(v.getPartnerId(), "partnerId");
        if (v.getKind() == null || v.getKind() == AgreementKind.UNKNOWN) {
            throw new IllegalArgumentException("agreement of " + v.getPartnerId() + " has kind " + v.getKind());
        }
        if (v.getStatus() == null || v.getStatus() == AgreementStatus.UNKNOWN) {
            throw new IllegalArgumentException("agreement of " + v.getPartnerId() + " has status " + v.getStatus());
        }
        if (v.getEffectiveUntil() != null && v.getEffectiveUntil() <= v.getEffectiveFrom()) {
            throw new IllegalArgumentException("agreement of " + v.getPartnerId() + " version " + v.getVersion()
                    + ": effectiveUntil must be after effectiveFrom");
        }
        EnumSet<Resource> granted = EnumSet.noneOf(Resource.class);
        for (Grant g : v.getGrants()) {
            if (g.getResource() == null || g.getResource() == Resource.UNKNOWN || !granted.add(g.getResource())) {
                throw new IllegalArgumentException("agreement of " + v.getPartnerId() + " version " + v.getVersion()
                        + ": resource " + g.getResource() + " is unknown or granted twice");
            }
            if (g.getActions().isEmpty() || g.getActions().contains(Action.UNKNOWN) || g.getActions().contains(null)) {
                throw new IllegalArgumentException("agreement of " + v.getPartnerId() + " version " + v.getVersion()
                        + ": grant " + g.getResource() + " needs known actions, got " + g.getActions());
            }
            if (g.getMaxRecordsPerMinute() != null && g.getMaxRecordsPerMinute() < 0) {
                throw new IllegalArgumentException("agreement of " + v.getPartnerId() + " version " + v.getVersion()
                        + ": negative maxRecordsPerMinute");
            }
        }
        partners.computeIfAbsent(v.getPartnerId(), id -> new PartnerHistory()).add(v);
    }

    /**
     * Adds a consent event.
     *
     * @throws IllegalArgumentException for an UNKNOWN type or an AUTHORIZED/DEAUTHORIZED without a partner
     */
    public void addConsent(ConsentEvent e) {
        Objects.requireNonNull(e, "consent");
        requireId(e.getUserId(), "userId");
        ConsentEventType type = e.getType();
        if (type == null || type == ConsentEventType.UNKNOWN) {
            throw new IllegalArgumentException("consent of " + e.getUserId() + " has type " + type);
        }
        long user = internUser(e.getUserId());
        switch (type) {
            case AUTHORIZED, DEAUTHORIZED -> {
                requireId(e.getPartnerId(), "partnerId of " + type);
                int partner = partnerKeys.computeIfAbsent(e.getPartnerId(), id -> partnerKeys.size() + 1);
                if (partner >= 1 << PARTNER_BITS) {
                    throw new IllegalStateException("too many partner ids");
                }
                consents.add(key(user, partner), e.getEventTime(),
                        type == ConsentEventType.AUTHORIZED ? ConsentTable.AUTHORIZED : ConsentTable.DEAUTHORIZED);
            }
            default -> consents.add(key(user, PLATFORM_WIDE), e.getEventTime(),
                    type == ConsentEventType.SHARING_DISABLED ? ConsentTable.SHARING_DISABLED
                            : ConsentTable.SHARING_ENABLED);
        }
    }

    /**
     * Judges a call. A callId already judged (within the redelivery horizon) is a redelivery: the earlier
     * verdict, marked as a redelivery, and not counted again.
     *
     * @throws IllegalArgumentException for a call with UNKNOWN symbols, missing ids or a negative recordCount
     * @throws IllegalStateException if the call's minute was already closed by {@link #advanceTo(long)}
     */
    public Verdict judge(PartnerApiCall call) {
        Objects.requireNonNull(call, "call");
        requireId(call.getCallId(), "callId");
        Verdict earlier = seen.get(call.getCallId());
        if (earlier != null) {
            return new Verdict(earlier.rules(), true);
        }
        requireId(call.getPartnerId(), "partnerId");
        requireId(call.getSubjectUserId(), "subjectUserId");
        if (call.getActingUserId() != null) {
            requireId(call.getActingUserId(), "actingUserId");
        }
        if (call.getResource() == null || call.getResource() == Resource.UNKNOWN
                || call.getAction() == null || call.getAction() == Action.UNKNOWN
                || call.getOutcome() == null || call.getOutcome() == CallOutcome.UNKNOWN) {
            throw new IllegalArgumentException("call " + call.getCallId() + " has an unknown resource, action or "
                    + "outcome");
        }
        if (call.getRecordCount() < 0) {
            throw new IllegalArgumentException("call " + call.getCallId() + " has a negative recordCount");
        }
        long t = call.getEventTime();
        Verdict verdict = call.getOutcome() == CallOutcome.DENIED ? CLEAN : rulesFor(call, t);
        if (call.getOutcome() == CallOutcome.ALLOWED && verdict != NO_AGREEMENT && verdict != AFTER_REVOCATION
                && verdict != OUT_OF_SCOPE) {
            long windowStart = Math.floorDiv(t, MINUTE) * MINUTE;
            if (windowStart < closedBefore) {
                throw new IllegalStateException("call " + call.getCallId() + " at " + t + " is in a minute already "
                        + "closed (watermark " + watermark + ")");
            }
            openWindows.computeIfAbsent(windowStart, w -> new HashMap<>())
                    .computeIfAbsent(new RateKey(call.getPartnerId(), call.getResource(), call.getAction()),
                            k -> new long[1])[0] += call.getRecordCount();
        }
        seen.put(call.getCallId(), verdict);
        if (redeliveryHorizonMillis != Long.MAX_VALUE) {
            seenOrder.addLast(new SeenCall(call.getCallId(), t));
        }
        return verdict;
    }

    private Verdict rulesFor(PartnerApiCall call, long t) {
        PartnerHistory history = partners.get(call.getPartnerId());
        PartnerAgreement v = history == null ? null : history.inForceAt(t);
        if (v == null) {
            return NO_AGREEMENT;
        }
        if (!grantsAccessAt(v, t)) {
            return AFTER_REVOCATION;
        }
        Grant g = grantFor(v, call.getResource(), call.getAction());
        if (g == null) {
            return OUT_OF_SCOPE;
        }
        String acting = call.getActingUserId();
        String subject = call.getSubjectUserId();
        int found = 0;
        if (acting != null && !acting.equals(subject) && !g.getAllowFriendData()) {
            found |= 1;
        }
        String consenting = acting != null ? acting : subject;
        boolean noConsent = g.getRequiresUserConsent() && !authorizedAt(consenting, call.getPartnerId(), t);
        if (!noConsent) {
            noConsent = sharingDisabledAt(subject, t) || (acting != null && sharingDisabledAt(acting, t));
        }
        if (noConsent) {
            found |= 2;
        }
        return CONTENT_VERDICTS[found];
    }

    /**
     * Declares that no new call will have an eventTime before {@code watermark} (redeliveries excepted):
     * minute windows that ended at or before it are judged, and callIds older than the redelivery horizon
     * forgotten.
     */
    public void advanceTo(long watermark) {
        if (watermark <= this.watermark) {
            return;
        }
        this.watermark = watermark;
        long closeBelow = Math.floorDiv(watermark, MINUTE) * MINUTE;
        while (!openWindows.isEmpty() && openWindows.firstKey() < closeBelow) {
            Map.Entry<Long, Map<RateKey, long[]>> first = openWindows.pollFirstEntry();
            close(first.getKey(), first.getValue());
        }
        closedBefore = Math.max(closedBefore, closeBelow);
        if (redeliveryHorizonMillis != Long.MAX_VALUE) {
            long forgetBefore = watermark - redeliveryHorizonMillis;
            while (!seenOrder.isEmpty() && seenOrder.peekFirst().eventTime() < forgetBefore) {
                seen.remove(seenOrder.pollFirst().callId());
            }
        }
    }

    /** Judges every open window (the end of input) and returns the windows completed and not yet drained. */
    public List<RateLimitWindow> finish() {
        while (!openWindows.isEmpty()) {
            Map.Entry<Long, Map<RateKey, long[]>> first = openWindows.pollFirstEntry();
            close(first.getKey(), first.getValue());
        }
        closedBefore = Long.MAX_VALUE;
        return drainCompletedWindows();
    }

    /** The RATE_LIMIT windows completed since the last drain, by window start, partner, resource, action. */
    public List<RateLimitWindow> drainCompletedWindows() {
        List<RateLimitWindow> out = new ArrayList<>(completed);
        completed.clear();
        return out;
    }

    private void close(long windowStart, Map<RateKey, long[]> sums) {
        List<RateLimitWindow> found = new ArrayList<>();
        for (Map.Entry<RateKey, long[]> e : sums.entrySet()) {
            RateKey k = e.getKey();
            Long limit = limitAt(k.partnerId(), windowStart, k.resource(), k.action());
            long records = e.getValue()[0];
            if (limit != null && records > limit) {
                found.add(new RateLimitWindow(k.partnerId(), k.resource(), k.action(), windowStart, records, limit));
            }
        }
        found.sort(WINDOW_ORDER);
        completed.addAll(found);
    }

    private Long limitAt(String partnerId, long windowStart, Resource resource, Action action) {
        PartnerHistory history = partners.get(partnerId);
        PartnerAgreement v = history == null ? null : history.inForceAt(windowStart);
        if (v == null || !grantsAccessAt(v, windowStart)) {
            return null;
        }
        Grant g = grantFor(v, resource, action);
        return g == null ? null : g.getMaxRecordsPerMinute();
    }

    // ---------------------------------------------------------------------------------------------------
    // Queries (the simulator plans its traffic with them).

    /** The version of the partner's agreement in force at t, or null. */
    public PartnerAgreement versionInForce(String partnerId, long t) {
        PartnerHistory history = partners.get(partnerId);
        return history == null ? null : history.inForceAt(t);
    }

    /** Whether the partner's version in force at t grants anything (exists, ACTIVE, not lapsed). */
    public boolean grantsAccess(String partnerId, long t) {
        PartnerAgreement v = versionInForce(partnerId, t);
        return v != null && grantsAccessAt(v, t);
    }

    /** Whether the user's latest AUTHORIZED/DEAUTHORIZED for the partner at or before t is AUTHORIZED. */
    public boolean authorizedAt(String userId, String partnerId, long t) {
        Integer partner = partnerKeys.get(partnerId);
        long user = userKey(userId);
        return partner != null && user >= 0 && consents.latestAt(key(user, partner), t) == ConsentTable.AUTHORIZED;
    }

    /** Whether the user has any AUTHORIZED or DEAUTHORIZED event for the partner. */
    public boolean hasAuthorizationHistory(String userId, String partnerId) {
        Integer partner = partnerKeys.get(partnerId);
        long user = userKey(userId);
        return partner != null && user >= 0 && consents.contains(key(user, partner));
    }

    /** Whether the user's latest SHARING_* event at or before t is SHARING_DISABLED. */
    public boolean sharingDisabledAt(String userId, long t) {
        long user = userKey(userId);
        return user >= 0 && consents.latestAt(key(user, PLATFORM_WIDE), t) == ConsentTable.SHARING_DISABLED;
    }

    /** How many user-and-partner (or user-and-sharing) keys have consent events. */
    public int consentKeys() {
        return consents.size();
    }

    // ---------------------------------------------------------------------------------------------------

    static boolean grantsAccessAt(PartnerAgreement v, long t) {
        return v.getStatus() == AgreementStatus.ACTIVE && (v.getEffectiveUntil() == null || t < v.getEffectiveUntil());
    }

    static Grant grantFor(PartnerAgreement v, Resource resource, Action action) {
        for (Grant g : v.getGrants()) {
            if (g.getResource() == resource) {
                return g.getActions().contains(action) ? g : null;
            }
        }
        return null;
    }

    private static long key(long user, int partner) {
        return (user << PARTNER_BITS) | partner;
    }

    /** The user's key, or -1 for an id never seen in a consent event. */
    private long userKey(String userId) {
        long canonical = canonicalUser(userId);
        if (canonical >= 0) {
            return canonical;
        }
        Long interned = internedUsers.get(userId);
        return interned == null ? -1 : interned;
    }

    private long internUser(String userId) {
        long canonical = canonicalUser(userId);
        if (canonical >= 0) {
            return canonical;
        }
        return internedUsers.computeIfAbsent(userId, id -> INTERNED_USERS + internedUsers.size());
    }

    /** The index in {@code u<index>} (decimal, no leading zeros, below 10^11), else -1. */
    static long canonicalUser(String id) {
        int n = id.length();
        if (n < 2 || n > 12 || id.charAt(0) != 'u' || (id.charAt(1) == '0' && n > 2)) {
            return -1;
        }
        long value = 0;
        for (int i = 1; i < n; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static void requireId(String id, String field) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("missing " + field);
        }
    }

    private static Verdict verdictOf(ViolationRule rule) {
        return new Verdict(RULE_SETS[1 << rule.ordinal()], false);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Set<ViolationRule>[] ruleSets() {
        ViolationRule[] rules = ViolationRule.values();
        Set<ViolationRule>[] sets = new Set[1 << rules.length];
        for (int mask = 0; mask < sets.length; mask++) {
            EnumSet<ViolationRule> s = EnumSet.noneOf(ViolationRule.class);
            for (ViolationRule r : rules) {
                if ((mask & (1 << r.ordinal())) != 0) {
                    s.add(r);
                }
            }
            sets[mask] = Set.copyOf(s);
        }
        return sets;
    }

    private record RateKey(String partnerId, Resource resource, Action action) {}

    private record SeenCall(String callId, long eventTime) {}

    /** One partner's versions, sorted by version number. */
    private static final class PartnerHistory {
        private final List<PartnerAgreement> versions = new ArrayList<>(2);

        void add(PartnerAgreement v) {
            for (int i = 0; i < versions.size(); i++) {
                PartnerAgreement known = versions.get(i);
                if (known.getVersion() == v.getVersion()) {
                    if (known.equals(v)) {
                        return;
                    }
                    throw new IllegalArgumentException("partner " + v.getPartnerId() + " already has a different "
                            + "version " + v.getVersion());
                }
                if (known.getVersion() > v.getVersion()) {
                    versions.add(i, v);
                    return;
                }
            }
            versions.add(v);
        }

        /** Among versions with effectiveFrom <= t, the highest; null if none. */
        PartnerAgreement inForceAt(long t) {
            for (int i = versions.size() - 1; i >= 0; i--) {
                if (versions.get(i).getEffectiveFrom() <= t) {
                    return versions.get(i);
                }
            }
            return null;
        }
    }
}
