package org.accessdetector.typeinfo;

import org.accessdetector.schema.AccessAlert;
import org.accessdetector.schema.ConsentEvent;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.PartnerApiCall;
import org.accessdetector.schema.Violation;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * The types of the detector's record streams, defined once: every source, operator and union of a record type
 * uses these, so streams of one type can be joined and every hop serializes the same way.
 */
public final class RecordTypes {

    private RecordTypes() {}

    public static final TypeInformation<PartnerApiCall> CALL = new FlatRecordTypeInfo<>(PartnerApiCall.class);
    public static final TypeInformation<ConsentEvent> CONSENT = new FlatRecordTypeInfo<>(ConsentEvent.class);
    public static final TypeInformation<Violation> VIOLATION = new FlatRecordTypeInfo<>(Violation.class);
    public static final TypeInformation<AccessAlert> ALERT = new FlatRecordTypeInfo<>(AccessAlert.class);
    /** Agreements are few and nested (their grants): Avro's own serializer. */
    public static final TypeInformation<PartnerAgreement> AGREEMENT = new AvroTypeInfo<>(PartnerAgreement.class);

    /**
     * The type of every key the graph partitions by (users, partners, credentials, rate and alert groups):
     * strings, written to a state snapshot in one call each (see {@link BufferedSerializer}).
     */
    public static final TypeInformation<String> KEY = BufferedTypeInfo.of(Types.STRING);

    /** The type of a keyed state's map key or value: {@code type}, written to a snapshot in one call. */
    public static <T> TypeInformation<T> inState(TypeInformation<T> type) {
        return BufferedTypeInfo.of(type);
    }

    /** The stream type of a record class read from a topic or a file. */
    @SuppressWarnings("unchecked")
    public static <T> TypeInformation<T> of(Class<T> type) {
        if (type == PartnerApiCall.class) {
            return (TypeInformation<T>) CALL;
        } else if (type == ConsentEvent.class) {
            return (TypeInformation<T>) CONSENT;
        } else if (type == Violation.class) {
            return (TypeInformation<T>) VIOLATION;
        } else if (type == AccessAlert.class) {
            return (TypeInformation<T>) ALERT;
        } else if (type == PartnerAgreement.class) {
            return (TypeInformation<T>) AGREEMENT;
        }
        throw new IllegalArgumentException("no stream type for " + type.getName());
    }
}
