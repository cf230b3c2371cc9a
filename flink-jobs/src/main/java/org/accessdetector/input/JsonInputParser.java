package org.accessdetector.input;

import static org.accessdetector.input.InputTimes.shown;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 * Parses the JSON Lines input formats (one object per line) into the Avro records, or rejects a line with one
 * plain sentence naming the field at fault. Unknown extra fields are ignored; a field given as JSON
 * {@code null} counts as absent. Enum symbols are case-sensitive, and {@code UNKNOWN}, which exists only as
 * the schemas' evolution fallback, is never accepted. Whole numbers may be written as {@code 3} or
 * {@code 3.0}, not {@code 3.5} or {@code "3"}.
 *
 * <p>Holds no state: cheap to construct, and one instance may be used by many threads.
 */
public final class JsonInputParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Thread-safe once configured. A line must hold exactly one value, with no field given twice. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** One partner API call. */
    public PartnerApiCall parseCall(String line) throws InputRejectedException {
        JsonNode n = object(line);
        PartnerApiCall.Builder call = PartnerApiCall.newBuilder()
                .setCallId(requiredId(n, "callId"))
                .setPartnerId(requiredId(n, "partnerId"))
                .setSubjectUserId(requiredId(n, "subjectUserId"))
                .setActingUserId(optionalId(n, "actingUserId"))
                .setResource(requiredEnum(n, "resource", "resource", Resource.class))
                .setAction(requiredEnum(n, "action", "action", Action.class))
                .setOutcome(optionalEnum(n, "outcome", CallOutcome.class, CallOutcome.ALLOWED));
        int recordCount = present(n, "recordCount") ? intValue(n.get("recordCount"), "recordCount") : 1;
        if (recordCount < 0) {
            throw new InputRejectedException("field 'recordCount' must not be negative, got " + recordCount);
        }
        return call.setRecordCount(recordCount)
                .setEventTime(requiredTime(n, "eventTime"))
                .setTokenId(optionalString(n, "tokenId"))
                .setEndpoint(optionalString(n, "endpoint"))
                .setSourceIp(optionalString(n, "sourceIp"))
                .build();
    }

    /** One version of a partner's agreement. */
    public PartnerAgreement parseAgreement(String line) throws InputRejectedException {
        JsonNode n = object(line);
        PartnerAgreement.Builder agreement = PartnerAgreement.newBuilder()
                .setPartnerId(requiredId(n, "partnerId"))
                .setVersion(requiredInt(n, "version"))
                .setAgreementId(optionalString(n, "agreementId"))
                .setKind(optionalEnum(n, "kind", AgreementKind.class, AgreementKind.OTHER))
                .setStatus(optionalEnum(n, "status", AgreementStatus.class, AgreementStatus.ACTIVE));
        long from = requiredTime(n, "effectiveFrom");
        Long until = present(n, "effectiveUntil") ? InputTimes.parse(n.get("effectiveUntil"), "effectiveUntil") : null;
        if (until != null && until <= from) {
            throw new InputRejectedException("field 'effectiveUntil' must be after 'effectiveFrom'");
        }
        return agreement.setEffectiveFrom(from)
                .setEffectiveUntil(until)
                .setGrants(grants(n))
                .build();
    }

    /** One consent change of a user, for one partner or platform-wide. */
    public ConsentEvent parseConsent(String line) throws InputRejectedException {
        JsonNode n = object(line);
        String userId = requiredId(n, "userId");
        ConsentEventType type = requiredEnum(n, "type", "type", ConsentEventType.class);
        long eventTime = requiredTime(n, "eventTime");
        boolean perPartner = type == ConsentEventType.AUTHORIZED || type == ConsentEventType.DEAUTHORIZED;
        String partnerId = null; // the sharing events are platform-wide: a partnerId given with them is ignored
        if (perPartner) {
            if (!present(n, "partnerId")) {
                throw new InputRejectedException("missing field 'partnerId', which " + type + " requires");
            }
            partnerId = requiredId(n, "partnerId");
        }
        return ConsentEvent.newBuilder()
                .setUserId(userId)
                .setPartnerId(partnerId)
                .setType(type)
                .setEventTime(eventTime)
                .build();
    }

    private static List<Grant> grants(JsonNode n) throws InputRejectedException {
        List<Grant> grants = new ArrayList<>();
        if (!present(n, "grants")) {
            return grants;
        }
        JsonNode list = n.get("grants");
        if (!list.isArray()) {
            throw new InputRejectedException("field 'grants' must be a list, got " + shown(list));
        }
        EnumSet<Resource> named = EnumSet.noneOf(Resource.class);
        for (int i = 0; i < list.size(); i++) {
            Grant g = grant(list.get(i), "grants[" + i + "]");
            if (!named.add(g.getResource())) {
                throw new InputRejectedException("field 'grants' names resource " + g.getResource()
                        + " more than once, but an agreement version may grant each resource only once");
            }
            grants.add(g);
        }
        return grants;
    }

    private static Grant grant(JsonNode g, String where) throws InputRejectedException {
        if (!g.isObject()) {
            throw new InputRejectedException("field '" + where + "' must be an object, got " + shown(g));
        }
        Resource resource = requiredEnum(g, "resource", where + ".resource", Resource.class);
        String actionsField = where + ".actions";
        if (!present(g, "actions")) {
            throw new InputRejectedException("missing required field '" + actionsField + "'");
        }
        JsonNode actionList = g.get("actions");
        if (!actionList.isArray() || actionList.isEmpty()) {
            throw new InputRejectedException("field '" + actionsField + "' must be a non-empty list of actions, got "
                    + shown(actionList));
        }
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < actionList.size(); i++) {
            actions.add(enumValue(actionList.get(i), actionsField + "[" + i + "]", Action.class));
        }
        Long limit = null;
        if (present(g, "maxRecordsPerMinute")) {
            String field = where + ".maxRecordsPerMinute";
            limit = longValue(g.get("maxRecordsPerMinute"), field);
            if (limit < 0) {
                throw new InputRejectedException("field '" + field + "' must not be negative, got " + limit);
            }
        }
        return Grant.newBuilder()
                .setResource(resource)
                .setActions(actions)
                .setRequiresUserConsent(optionalBoolean(g, "requiresUserConsent", where, true))
                .setAllowFriendData(optionalBoolean(g, "allowFriendData", where, false))
                .setMaxRecordsPerMinute(limit)
                .build();
    }

    private static JsonNode object(String line) throws InputRejectedException {
        if (line == null || line.isBlank()) {
            throw new InputRejectedException("not a JSON object: the line is empty");
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            String what = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
            long column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
            throw new InputRejectedException(
                    "not valid JSON" + (column > 0 ? " at column " + column : "") + ": " + shown(what));
        }
        if (n == null || !n.isObject()) {
            throw new InputRejectedException("not a JSON object, got " + (n == null ? "nothing" : shown(n)));
        }
        return n;
    }

    /** Whether the field is given; JSON null counts as absent. */
    private static boolean present(JsonNode n, String field) {
        return n.hasNonNull(field);
    }

    private static String requiredId(JsonNode n, String field) throws InputRejectedException {
        String s = optionalString(n, field);
        if (s == null) {
            throw new InputRejectedException("missing required field '" + field + "'");
        }
        if (s.isBlank()) {
            throw new InputRejectedException("field '" + field + "' must not be empty");
        }
        return s;
    }

    /** An optional id: absent or null, or a non-empty string. */
    private static String optionalId(JsonNode n, String field) throws InputRejectedException {
        String s = optionalString(n, field);
        if (s != null && s.isBlank()) {
            throw new InputRejectedException("field '" + field + "' must not be empty (leave it out or null instead)");
        }
        return s;
    }

    private static String optionalString(JsonNode n, String field) throws InputRejectedException {
        if (!present(n, field)) {
            return null;
        }
        JsonNode v = n.get(field);
        if (!v.isTextual()) {
            throw new InputRejectedException("field '" + field + "' must be a string, got " + shown(v));
        }
        return v.textValue();
    }

    private static int requiredInt(JsonNode n, String field) throws InputRejectedException {
        if (!present(n, field)) {
            throw new InputRejectedException("missing required field '" + field + "'");
        }
        return intValue(n.get(field), field);
    }

    private static int intValue(JsonNode v, String field) throws InputRejectedException {
        wholeNumber(v, field);
        if (!v.canConvertToInt()) {
            throw new InputRejectedException("field '" + field + "' is out of range (from " + Integer.MIN_VALUE
                    + " to " + Integer.MAX_VALUE + "), got " + shown(v));
        }
        return v.intValue();
    }

    private static long longValue(JsonNode v, String field) throws InputRejectedException {
        wholeNumber(v, field);
        if (!v.canConvertToLong()) {
            throw new InputRejectedException("field '" + field + "' is out of range, got " + shown(v));
        }
        return v.longValue();
    }

    private static void wholeNumber(JsonNode v, String field) throws InputRejectedException {
        if (!v.isNumber() || !v.canConvertToExactIntegral()) {
            throw new InputRejectedException("field '" + field + "' must be a whole number, got " + shown(v));
        }
    }

    private static boolean optionalBoolean(JsonNode n, String field, String where, boolean dflt)
            throws InputRejectedException {
        if (!present(n, field)) {
            return dflt;
        }
        JsonNode v = n.get(field);
        if (!v.isBoolean()) {
            throw new InputRejectedException(
                    "field '" + where + "." + field + "' must be true or false, got " + shown(v));
        }
        return v.booleanValue();
    }

    private static long requiredTime(JsonNode n, String field) throws InputRejectedException {
        if (!present(n, field)) {
            throw new InputRejectedException("missing required field '" + field + "'");
        }
        return InputTimes.parse(n.get(field), field);
    }

    private static <E extends Enum<E>> E requiredEnum(JsonNode n, String field, String shownAs, Class<E> type)
            throws InputRejectedException {
        if (!present(n, field)) {
            throw new InputRejectedException("missing required field '" + shownAs + "'");
        }
        return enumValue(n.get(field), shownAs, type);
    }

    private static <E extends Enum<E>> E optionalEnum(JsonNode n, String field, Class<E> type, E dflt)
            throws InputRejectedException {
        return present(n, field) ? enumValue(n.get(field), field, type) : dflt;
    }

    /** An enum symbol; UNKNOWN exists only for schema evolution and is never valid input. */
    private static <E extends Enum<E>> E enumValue(JsonNode v, String field, Class<E> type)
            throws InputRejectedException {
        if (v.isTextual() && !v.textValue().equals("UNKNOWN")) {
            for (E symbol : type.getEnumConstants()) {
                if (symbol.name().equals(v.textValue())) {
                    return symbol;
                }
            }
        }
        String allowed = Arrays.stream(type.getEnumConstants()).map(Enum::name).filter(s -> !s.equals("UNKNOWN"))
                .collect(Collectors.joining(", "));
        throw new InputRejectedException((v.isTextual() ? "field '" + field + "' has unknown value "
                : "field '" + field + "' must be a string, got ") + shown(v) + " (allowed: " + allowed + ")");
    }
}
