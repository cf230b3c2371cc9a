package org.accessdetector.detection;

import java.util.ArrayList;
import java.util.List;
import org.accessdetector.rules.AgreementHistory;
import org.accessdetector.schema.PartnerAgreement;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * Every partner's agreement versions, broadcast to the judges that need them. Agreements are few and small
 * (a few versions of about 150 partners), so every subtask keeps them all, and calls can be keyed by user:
 * no partner's traffic is bound to one subtask. Bound: all versions of all partners, kept for good (a
 * version decides calls at any time).
 */
final class AgreementBroadcast {

    /** Partner id to its versions. Broadcast state is declared once, for the graph and the functions alike. */
    static final MapStateDescriptor<String, List<PartnerAgreement>> VERSIONS = new MapStateDescriptor<>(
            "agreement-versions", Types.STRING, new ListTypeInfo<>(new AvroTypeInfo<>(PartnerAgreement.class)));

    private AgreementBroadcast() {}

    /** Adds a version to the partner's history; the same version number again replaces it (a republish). */
    static AgreementHistory add(BroadcastState<String, List<PartnerAgreement>> state, PartnerAgreement agreement)
            throws Exception {
        List<PartnerAgreement> versions = state.get(agreement.getPartnerId());
        List<PartnerAgreement> updated = new ArrayList<>(versions == null ? 1 : versions.size() + 1);
        if (versions != null) {
            for (PartnerAgreement v : versions) {
                if (v.getVersion() != agreement.getVersion()) {
                    updated.add(v);
                }
            }
        }
        updated.add(agreement);
        state.put(agreement.getPartnerId(), updated);
        return AgreementHistory.of(updated);
    }

    /**
     * From when a version about to be added can change verdicts: its start, or the start of the record of the
     * same version it replaces if that is earlier (a republish that moves a start later uncovers calls).
     */
    static long changesFrom(ReadOnlyBroadcastState<String, List<PartnerAgreement>> state, PartnerAgreement agreement)
            throws Exception {
        long from = agreement.getEffectiveFrom();
        List<PartnerAgreement> versions = state.get(agreement.getPartnerId());
        if (versions != null) {
            for (PartnerAgreement v : versions) {
                if (v.getVersion() == agreement.getVersion()) {
                    from = Math.min(from, v.getEffectiveFrom());
                }
            }
        }
        return from;
    }

    static AgreementHistory history(ReadOnlyBroadcastState<String, List<PartnerAgreement>> state, String partnerId)
            throws Exception {
        return AgreementHistory.of(state.get(partnerId));
    }
}
