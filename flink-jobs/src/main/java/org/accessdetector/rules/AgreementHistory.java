package org.accessdetector.rules;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Resource;

/**
 * All known versions of one partner's agreement, answering what was in force at a given instant.
 *
 * <p>The version in force at t is the highest-numbered version whose effectiveFrom is at or before t,
 * so a higher version with an earlier effectiveFrom is a correction that overrides.
 */
public final class AgreementHistory {

    private final List<PartnerAgreement> versions;

    private AgreementHistory(List<PartnerAgreement> versions) {
        this.versions = versions;
    }

    public static AgreementHistory of(Iterable<PartnerAgreement> versions) {
        List<PartnerAgreement> list = new ArrayList<>();
        if (versions != null) {
            versions.forEach(list::add);
        }
        return new AgreementHistory(list);
    }

    /** The version in force at {@code t}, or null if none is. */
    public PartnerAgreement inForceAt(long t) {
        PartnerAgreement best = null;
        for (PartnerAgreement v : versions) {
            if (v.getEffectiveFrom() <= t && (best == null || v.getVersion() > best.getVersion())) {
                best = v;
            }
        }
        return best;
    }

    /** Whether the version in force at {@code t} grants anything (it exists, is ACTIVE and has not lapsed). */
    public boolean inForceAndActiveAt(long t) {
        PartnerAgreement agreement = inForceAt(t);
        return agreement != null && grantsAccessAt(agreement, t);
    }

    /** Judges a call's scope rules (NO_AGREEMENT, AFTER_REVOCATION, OUT_OF_SCOPE), in that order. */
    public ScopeVerdict judge(Resource resource, Action action, long t) {
        PartnerAgreement agreement = inForceAt(t);
        if (agreement == null) {
            return ScopeVerdict.noAgreement();
        }
        if (!grantsAccessAt(agreement, t)) {
            return ScopeVerdict.afterRevocation(agreement);
        }
        Grant grant = grantFor(agreement, resource, action);
        if (grant == null) {
            return ScopeVerdict.outOfScope(agreement);
        }
        return ScopeVerdict.inScope(agreement, grant);
    }

    /**
     * The rate limit for {@code resource}/{@code action} in the minute starting at {@code windowStart}: the
     * limit of the version in force at the window's start, if that version is active and not lapsed then.
     */
    public RateLimit rateLimitAt(long windowStart, Resource resource, Action action) {
        PartnerAgreement agreement = inForceAt(windowStart);
        if (agreement == null || !grantsAccessAt(agreement, windowStart)) {
            return null;
        }
        Grant grant = grantFor(agreement, resource, action);
        if (grant == null || grant.getMaxRecordsPerMinute() == null) {
            return null;
        }
        return new RateLimit(agreement.getVersion(), grant.getMaxRecordsPerMinute());
    }

    /** A limit on records per minute and the agreement version that sets it. */
    public record RateLimit(int agreementVersion, long maxRecordsPerMinute) {}

    /** Whether a version in force at t grants anything: ACTIVE and not lapsed. Unknown statuses grant nothing. */
    static boolean grantsAccessAt(PartnerAgreement agreement, long t) {
        if (agreement.getStatus() != AgreementStatus.ACTIVE) {
            return false;
        }
        Long until = agreement.getEffectiveUntil();
        return until == null || t < until;
    }

    static Grant grantFor(PartnerAgreement agreement, Resource resource, Action action) {
        for (Grant g : agreement.getGrants()) {
            if (g.getResource() == resource && g.getActions().contains(action)) {
                return g;
            }
        }
        return null;
    }
}
