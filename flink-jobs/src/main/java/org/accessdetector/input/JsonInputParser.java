package org.accessdetector.input;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
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

/**
 * Parses the JSON Lines input formats into the Avro records, rejecting anything that does not fit with one
 * sentence naming the field. Unknown extra fields are ignored. Thread-safe and cheap to construct.
 */
public final class JsonInputParser implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public PartnerApiCall parseCall(String line) throws InputRejectedException {
        JsonNode n = object(line);
        int recordCount = optionalInt(n, "recordCount", 1);
        if (recordCount < 0) {
            throw new InputRejectedException("field 'recordCount' must not be negative, got " + recordCount);
        }
        return PartnerApiCall.newBuilder()
                .setCallId(requiredString(n, "callId"))
                .setPartnerId(requiredString(n, "partnerId"))
                .setSubjectUserId(requiredString(n, "subjectUserId"))
                .setActingUserId(optionalString(n, "actingUserId"))
                .setResource(requiredEnum(n, "resource", Resource.class))
                .setAction(requiredEnum(n, "action", Action.class))
                .setOutcome(optionalEnum(n, "outcome", CallOutcome.class, CallOutcome.ALLOWED))
                .setRecordCount(recordCount)
                .setEventTime(requiredTime(n, "eventTime"))
                .setTokenId(optionalString(n, "tokenId"))
                .setEndpoint(optionalString(n, "endpoint"))
                .setSourceIp(optionalString(n, "sourceIp"))
                .build();
    }

    public PartnerAgreement parseAgreement(String line) throws InputRejectedException {
        JsonNode n = object(line);
        String partnerId = requiredString(n, "partnerId");
        long from = requiredTime(n, "effectiveFrom");
        Long until = present(n, "effectiveUntil") ? InputTimes.parse(n.get("effectiveUntil"), "effectiveUntil") : null;
        if (until != null && until <= from) {
            throw new InputRejectedException("field 'effectiveUntil' must be after 'effectiveFrom'");
        }
        List<Grant> grants = new ArrayList<>();
        EnumSet<Resource> named = EnumSet.noneOf(Resource.class);
        if (present(n, "grants")) {
            JsonNode list = n.get("grants");
            if (!list.isArray()) {
                throw new InputRejectedException("field 'grants' must be a list");
            }
            for (int i = 0; i < list.size(); i++) {
                Grant g = grant(list.get(i), "grants[" + i + "]");
                if (!named.add(g.getResource())) {
                    throw new InputRejectedException(
                            "the agreement names resource " + g.getResource() + " more than once in 'grants'");
                }
                grants.add(g);
            }
        }
        return PartnerAgreement.newBuilder()
                .setPartnerId(partnerId)
                .setVersion(requiredInt(n, "version"))
                .setAgreementId(optionalString(n, "agreementId"))
                .setKind(optionalEnum(n, "kind", AgreementKind.class, AgreementKind.OTHER))
                .setStatus(optionalEnum(n, "status", AgreementStatus.class, AgreementStatus.ACTIVE))
                .setEffectiveFrom(from)
                .setEffectiveUntil(until)
                .setGrants(grants)
                .build();
    }

    public ConsentEvent parseConsent(String line) throws InputRejectedException {
        JsonNode n = object(line);
        String userId = requiredString(n, "userId");
        ConsentEventType type = requiredEnum(n, "type", ConsentEventType.class);
        long eventTime = requiredTime(n, "eventTime");
        String partnerId = optionalString(n, "partnerId");
        boolean perPartner = type == ConsentEventType.AUTHORIZED || type == ConsentEventType.DEAUTHORIZED;
        if (perPartner && partnerId == null) {
            throw new InputRejectedException("field 'partnerId' is required for " + type);
        }
        return ConsentEvent.newBuilder()
                .setUserId(userId)
                .setPartnerId(perPartner ? partnerId : null) // SHARING_* is platform-wide
                .setType(type)
                .setEventTime(eventTime)
                .build();
    }

    private static Grant grant(JsonNode g, String where) throws InputRejectedException {
        if (!g.isObject()) {
            throw new InputRejectedException("'" + where + "' must be an object");
        }
        Resource resource = requiredEnum(g, "resource", Resource.class, where + ".");
        if (!present(g, "actions") || !g.get("actions").isArray() || g.get("actions").isEmpty()) {
            throw new InputRejectedException("field '" + where + ".actions' must be a non-empty list of actions");
        }
        List<Action> actions = new ArrayList<>();
        for (JsonNode a : g.get("actions")) {
            actions.add(enumValue(a, where + ".actions", Action.class));
        }
        Long limit = null;
        if (present(g, "maxRecordsPerMinute")) {
            JsonNode l = g.get("maxRecordsPerMinute");
            if (!l.isIntegralNumber() || !l.canConvertToLong() || l.longValue() < 0) {
                throw new InputRejectedException(
                        "field '" + where + ".maxRecordsPerMinute' must be a whole number of at least 0");
            }
            limit = l.longValue();
        }
        return Grant.newBuilder()
                .setResource(resource)
                .setActions(actions)
                .setRequiresUserConsent(optionalBoolean(g, "requiresUserConsent", true, where + "."))
                .setAllowFriendData(optionalBoolean(g, "allowFriendData", false, where + "."))
                .setMaxRecordsPerMinute(limit)
                .build();
    }

    private static JsonNode object(String line) throws InputRejectedException {
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new InputRejectedException("not valid JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new InputRejectedException("not a JSON object");
        }
        return n;
    }

    private static boolean present(JsonNode n, String field) {
        return n.hasNonNull(field);
    }

    private static String requiredString(JsonNode n, String field) throws InputRejectedException {
        String s = optionalString(n, field);
        if (s == null) {
            throw new InputRejectedException("missing required field '" + field + "'");
        }
        if (s.isEmpty()) {
            throw new InputRejectedException("field '" + field + "' must not be empty");
        }
        return s;
    }

    private static String optionalString(JsonNode n, String field) throws InputRejectedException {
        if (!present(n, field)) {
            return null;
        }
        JsonNode v = n.get(field);
        if (!v.isTextual()) {
            throw new InputRejectedException("field '" + field + "' must be a string");
        }
        return v.textValue();
    }

    private static int requiredInt(JsonNode n, String field) throws InputRejectedException {
        if (!present(n, field)) {
            throw new InputRejectedException("missing required field '" + field + "'");
        }
        return intValue(n.get(field), field);
    }

    private static int optionalInt(JsonNode n, String field, int dflt) throws InputRejectedException {
        return present(n, field) ? intValue(n.get(field), field) : dflt;
    }

    private static int intValue(JsonNode v, String field) throws InputRejectedException {
        if (!v.isIntegralNumber()) {
            throw new InputRejectedException("field '" + field + "' must be a whole number");
        }
        if (!v.canConvertToInt()) {
            throw new InputRejectedException("field '" + field + "' is out of range");
        }
        return v.intValue();
    }

    private static boolean optionalBoolean(JsonNode n, String field, boolean dflt, String prefix)
            throws InputRejectedException {
        if (!present(n, field)) {
            return dflt;
        }
        JsonNode v = n.get(field);
        if (!v.isBoolean()) {
            throw new InputRejectedException("field '" + prefix + field + "' must be true or false");
        }
        return v.booleanValue();
    }

    private static long requiredTime(JsonNode n, String field) throws InputRejectedException {
        if (!present(n, field)) {
            throw new InputRejectedException("missing required field '" + field + "'");
        }
        return InputTimes.parse(n.get(field), field);
    }

    private static <E extends Enum<E>> E requiredEnum(JsonNode n, String field, Class<E> type)
            throws InputRejectedException {
        return requiredEnum(n, field, type, "");
    }

    private static <E extends Enum<E>> E requiredEnum(JsonNode n, String field, Class<E> type, String prefix)
            throws InputRejectedException {
        if (!present(n, field)) {
            throw new InputRejectedException("missing required field '" + prefix + field + "'");
        }
        return enumValue(n.get(field), prefix + field, type);
    }

    private static <E extends Enum<E>> E optionalEnum(JsonNode n, String field, Class<E> type, E dflt)
            throws InputRejectedException {
        return present(n, field) ? enumValue(n.get(field), field, type) : dflt;
    }

    /** An enum symbol; UNKNOWN exists only for schema evolution and is never valid input. */
    private static <E extends Enum<E>> E enumValue(JsonNode v, String field, Class<E> type)
            throws InputRejectedException {
        if (v.isTextual() && !v.textValue().equals("UNKNOWN")) {
            try {
                return Enum.valueOf(type, v.textValue());
            } catch (IllegalArgumentException e) {
                // fall through to the error naming the allowed symbols
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(Enum::name).filter(s -> !s.equals("UNKNOWN"))
                .collect(Collectors.joining(", "));
        throw new InputRejectedException("field '" + field + "' has unknown value " + v + " (expected one of "
                + allowed + ")");
    }
}
