package org.accessdetector.review;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.accessdetector.rules.AgreementHistory;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.CallOutcome;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Resource;

/**
 * The least-privilege review: for each partner, every resource and action its agreement grants at the end of a
 * period, with how the partner used it in the period (calls, records, distinct users, last use); a grant never used
 * is dormant. Also the partners whose agreement was revoked or lapsed and who still called afterwards.
 *
 * <p>Calls are those the gateway let through (DENIED calls used nothing), counted as delivered. Distinct users are
 * counted exactly, in memory: one set of user ids per grant.
 */
public final class GrantsReport {

    /** How a partner used one granted resource and action in the period; {@code lastUsed} null when dormant. */
    public record GrantUse(String partnerId, int agreementVersion, Resource resource, Action action,
            boolean sensitive, long calls, long records, long users, Long lastUsed) {
        public boolean dormant() {
            return calls == 0;
        }
    }

    /** A partner whose agreement no longer granted anything (REVOKED or LAPSED from {@code since}) but that called. */
    public record StillCalling(String partnerId, int agreementVersion, String how, long since, long calls, long users,
            long lastCall) {}

    public record Report(long from, long to, List<GrantUse> grants, List<StillCalling> stillCalling) {
        public List<GrantUse> dormant() {
            return grants.stream().filter(GrantUse::dormant).toList();
        }
    }

    private record Key(String partnerId, Resource resource, Action action) {}

    private static final class Use {
        long calls;
        long records;
        final Set<String> users = new HashSet<>();
        long last = Long.MIN_VALUE;

        void add(PartnerApiCall c) {
            calls++;
            records += c.getRecordCount();
            users.add(c.getSubjectUserId());
            last = Math.max(last, c.getEventTime());
        }
    }

    private final long from;
    private final long to;
    private final Set<Resource> sensitive;
    private final Map<String, List<PartnerAgreement>> versions = new HashMap<>();
    private final Map<Key, Use> uses = new HashMap<>();
    private final Map<String, List<PartnerApiCall>> lateCallers = new HashMap<>();
    private Map<String, PartnerAgreement> endVersions;

    /** A report over calls with event times in [from, to]; {@code sensitive} resources are listed first. */
    public GrantsReport(long from, long to, Set<Resource> sensitive) {
        this.from = from;
        this.to = to;
        this.sensitive = sensitive;
    }

    /** Every agreement version, before any call. */
    public GrantsReport agreement(PartnerAgreement a) {
        versions.computeIfAbsent(a.getPartnerId(), p -> new ArrayList<>()).add(a);
        endVersions = null;
        return this;
    }

    public GrantsReport call(PartnerApiCall c) {
        if (c.getOutcome() == CallOutcome.DENIED || c.getEventTime() < from || c.getEventTime() > to) {
            return this;
        }
        uses.computeIfAbsent(new Key(c.getPartnerId(), c.getResource(), c.getAction()), k -> new Use()).add(c);
        PartnerAgreement end = endVersions().get(c.getPartnerId());
        Long since = end == null ? null : noLongerGrantingSince(end);
        if (since != null && c.getEventTime() >= since) {
            // Kept per call only for partners that no longer have access: few, and the point of the report.
            lateCallers.computeIfAbsent(c.getPartnerId(), p -> new ArrayList<>()).add(c);
        }
        return this;
    }

    private Map<String, PartnerAgreement> endVersions() {
        if (endVersions == null) {
            endVersions = new HashMap<>();
            versions.forEach((partner, list) -> {
                PartnerAgreement end = AgreementHistory.of(list).inForceAt(to);
                if (end != null) {
                    endVersions.put(partner, end);
                }
            });
        }
        return endVersions;
    }

    /** When the version in force at the end stopped granting access, if it did by then; else null. */
    private Long noLongerGrantingSince(PartnerAgreement end) {
        if (end.getStatus() != AgreementStatus.ACTIVE) {
            return end.getEffectiveFrom();
        }
        return end.getEffectiveUntil() != null && end.getEffectiveUntil() <= to ? end.getEffectiveUntil() : null;
    }

    public Report report() {
        List<GrantUse> grants = new ArrayList<>();
        List<StillCalling> stillCalling = new ArrayList<>();
        endVersions().forEach((partner, end) -> {
            Long since = noLongerGrantingSince(end);
            if (since != null) {
                List<PartnerApiCall> late = lateCallers.getOrDefault(partner, List.of());
                if (!late.isEmpty()) {
                    stillCalling.add(new StillCalling(partner, end.getVersion(),
                            end.getStatus() != AgreementStatus.ACTIVE ? end.getStatus().name() : "LAPSED", since,
                            late.size(), late.stream().map(PartnerApiCall::getSubjectUserId).distinct().count(),
                            late.stream().mapToLong(PartnerApiCall::getEventTime).max().orElseThrow()));
                }
                return; // nothing granted any more
            }
            for (Grant g : end.getGrants()) {
                for (Action action : g.getActions()) {
                    Use use = uses.get(new Key(partner, g.getResource(), action));
                    grants.add(use == null
                            ? new GrantUse(partner, end.getVersion(), g.getResource(), action,
                                    sensitive.contains(g.getResource()), 0, 0, 0, null)
                            : new GrantUse(partner, end.getVersion(), g.getResource(), action,
                                    sensitive.contains(g.getResource()), use.calls, use.records, use.users.size(),
                                    use.last));
                }
            }
        });
        grants.sort(Comparator.comparing(GrantUse::partnerId)
                .thenComparing(g -> !g.dormant())
                .thenComparing(g -> !g.sensitive())
                .thenComparing(GrantUse::resource)
                .thenComparing(GrantUse::action));
        stillCalling.sort(Comparator.comparing(StillCalling::partnerId));
        return new Report(from, to, grants, stillCalling);
    }
}
