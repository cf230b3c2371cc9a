package org.accessdetector.rules;

import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.ViolationRule;

/** The outcome of the scope rules for one call: the rule broken (if any), the version and grant applied. */
public final class ScopeVerdict {

    private final ViolationRule brokenRule;
    private final PartnerAgreement agreement;
    private final Grant grant;

    private ScopeVerdict(ViolationRule brokenRule, PartnerAgreement agreement, Grant grant) {
        this.brokenRule = brokenRule;
        this.agreement = agreement;
        this.grant = grant;
    }

    static ScopeVerdict noAgreement() {
        return new ScopeVerdict(ViolationRule.NO_AGREEMENT, null, null);
    }

    static ScopeVerdict afterRevocation(PartnerAgreement agreement) {
        return new ScopeVerdict(ViolationRule.AFTER_REVOCATION, agreement, null);
    }

    static ScopeVerdict outOfScope(PartnerAgreement agreement) {
        return new ScopeVerdict(ViolationRule.OUT_OF_SCOPE, agreement, null);
    }

    static ScopeVerdict inScope(PartnerAgreement agreement, Grant grant) {
        return new ScopeVerdict(null, agreement, grant);
    }

    public boolean inScope() {
        return brokenRule == null;
    }

    /** The scope rule broken, or null when the call is in scope. */
    public ViolationRule brokenRule() {
        return brokenRule;
    }

    /** The version in force, or null for NO_AGREEMENT. */
    public PartnerAgreement agreement() {
        return agreement;
    }

    public Integer agreementVersion() {
        return agreement == null ? null : agreement.getVersion();
    }

    /** The grant that allows the call, when in scope. */
    public Grant grant() {
        return grant;
    }

    /** Whether the version in force is REVOKED (rather than lapsed), for AFTER_REVOCATION. */
    public boolean revoked() {
        return agreement != null && agreement.getStatus() != AgreementStatus.ACTIVE;
    }
}
