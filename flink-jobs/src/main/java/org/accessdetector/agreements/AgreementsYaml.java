package org.accessdetector.agreements;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.accessdetector.schema.Action;
import org.accessdetector.schema.AgreementKind;
import org.accessdetector.schema.AgreementStatus;
import org.accessdetector.schema.Grant;
import org.accessdetector.schema.PartnerAgreement;
import org.accessdetector.schema.Resource;

/**
 * Partner agreements as a human-edited, version-controlled YAML file (see {@code agreements/partners.yaml}).
 *
 * <pre>
 * partners:
 *   - partner: acme-phones          # the partner id used in API calls
 *     kind: INTEGRATION             # INTEGRATION, INSTANT_PERSONALIZATION, MESSAGING or OTHER
 *     agreementId: AGR-2010-017     # optional; a version may override it
 *     versions:
 *       - version: 1                # a positive whole number, unique per partner
 *         status: ACTIVE            # optional: ACTIVE (default) or REVOKED
 *         effectiveFrom: 2010-06-01T00:00:00Z   # ISO-8601 with an offset (Z or +02:00)
 *         effectiveUntil: 2014-06-01T00:00:00Z  # optional, exclusive, after effectiveFrom
 *         grants:                   # optional; each resource at most once; none on a REVOKED version
 *           - resource: CONTACTS
 *             actions: [READ]               # READ, WRITE, DELETE; at least one
 *             requiresUserConsent: true     # optional, default true
 *             allowFriendData: false        # optional, default false
 *             maxRecordsPerMinute: 5000     # optional whole number >= 0; absent = no limit
 * </pre>
 *
 * <p>Keys are case-sensitive and unknown keys are errors (a misspelt key would otherwise be silently ignored),
 * as are enum symbols outside the lists above ({@code UNKNOWN} exists only for schema evolution). All
 * problems in a file are reported together, each with its line and the partner, version and grant it is in.
 * Versions are returned in file order, each partner's versions in the order listed.
 */
public final class AgreementsYaml {

    private static final YAMLFactory YAML = YAMLFactory.builder().build();
    private static final String TIME_EXAMPLE = "2018-04-01T00:00:00Z";

    private static final Set<String> TOP_KEYS = Set.of("partners");
    private static final Set<String> PARTNER_KEYS = Set.of("partner", "kind", "agreementId", "versions");
    private static final Set<String> VERSION_KEYS =
            Set.of("version", "status", "agreementId", "effectiveFrom", "effectiveUntil", "grants");
    private static final Set<String> GRANT_KEYS =
            Set.of("resource", "actions", "requiresUserConsent", "allowFriendData", "maxRecordsPerMinute");

    private AgreementsYaml() {}

    /** Reads and validates an agreements file (UTF-8). */
    public static List<PartnerAgreement> read(Path file) throws AgreementsFileException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AgreementsFileException(String.valueOf(file), "cannot be read (" + e + ")", e);
        }
        return parse(text, String.valueOf(file));
    }

    /**
     * Parses and validates agreements YAML.
     *
     * @param sourceName names the source in error messages, e.g. the file name
     */
    public static List<PartnerAgreement> parse(String yaml, String sourceName) throws AgreementsFileException {
        Objects.requireNonNull(yaml, "yaml");
        String source = sourceName == null ? "agreements" : sourceName;
        Node root;
        try (JsonParser p = YAML.createParser(yaml)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new AgreementsFileException(source, List.of("the file is empty: expected a 'partners:' list"));
            }
            root = readNode(p);
            if (p.nextToken() != null) {
                throw new AgreementsFileException(source, List.of("line " + p.currentTokenLocation().getLineNr()
                        + ": a second YAML document ('---') is not allowed; keep all partners in one 'partners:' list"));
            }
        } catch (JsonProcessingException e) {
            String what = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new AgreementsFileException(source,
                    (line > 0 ? "line " + line + ": " : "") + "not valid YAML: " + what, e);
        } catch (IOException e) {
            throw new AgreementsFileException(source, "cannot be read (" + e + ")", e);
        }
        Reader reader = new Reader();
        List<PartnerAgreement> result = reader.file(root);
        if (!reader.problems.isEmpty()) {
            throw new AgreementsFileException(source, reader.problems);
        }
        return result;
    }

    /**
     * A revocation of a known partner's agreement: a new version, numbered one above the partner's highest
     * known version, with status REVOKED, {@code effectiveFrom = at}, the same kind and agreementId as that
     * highest version, and no grants.
     *
     * @throws IllegalArgumentException if {@code known} holds no version of the partner
     */
    public static PartnerAgreement revocation(List<PartnerAgreement> known, String partnerId, long at) {
        Objects.requireNonNull(known, "known");
        Objects.requireNonNull(partnerId, "partnerId");
        PartnerAgreement highest = null;
        for (PartnerAgreement v : known) {
            if (partnerId.equals(v.getPartnerId()) && (highest == null || v.getVersion() > highest.getVersion())) {
                highest = v;
            }
        }
        if (highest == null) {
            throw new IllegalArgumentException("unknown partner '" + partnerId + "': no agreement version to revoke");
        }
        if (highest.getVersion() == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("partner '" + partnerId + "' has no version number left above "
                    + highest.getVersion());
        }
        return PartnerAgreement.newBuilder()
                .setPartnerId(partnerId)
                .setVersion(highest.getVersion() + 1)
                .setAgreementId(highest.getAgreementId())
                .setKind(highest.getKind())
                .setStatus(AgreementStatus.REVOKED)
                .setEffectiveFrom(at)
                .setEffectiveUntil(null)
                .setGrants(new ArrayList<>())
                .build();
    }

    // ---------------------------------------------------------------------------------------------------
    // A YAML tree that remembers lines (Jackson's JsonNode does not).

    private enum Kind { MAP, LIST, STRING, INT, FLOAT, BOOL, NULL, OTHER }

    private record Node(Kind kind, Object value, int line) {
        Mapping map() {
            return (Mapping) value;
        }

        @SuppressWarnings("unchecked")
        List<Node> list() {
            return (List<Node>) value;
        }

        String shown() {
            return switch (kind) {
                case MAP -> "a mapping";
                case LIST -> "a list";
                case STRING -> "'" + cut((String) value) + "'";
                case NULL -> "nothing";
                default -> cut(String.valueOf(value));
            };
        }
    }

    private record Duplicate(String key, int line, int firstLine) {}

    private record Mapping(Map<String, Node> fields, Map<String, Integer> keyLines, List<Duplicate> duplicates) {}

    private static Node readNode(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        int line = p.currentTokenLocation().getLineNr();
        switch (t) {
            case START_OBJECT: {
                Map<String, Node> fields = new LinkedHashMap<>();
                Map<String, Integer> keyLines = new HashMap<>();
                List<Duplicate> duplicates = new ArrayList<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    p.nextToken();
                    Node value = readNode(p);
                    if (fields.containsKey(key)) {
                        duplicates.add(new Duplicate(key, keyLine, keyLines.get(key)));
                    } else {
                        fields.put(key, value);
                        keyLines.put(key, keyLine);
                    }
                }
                return new Node(Kind.MAP, new Mapping(fields, keyLines, duplicates), line);
            }
            case START_ARRAY: {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readNode(p));
                }
                return new Node(Kind.LIST, items, line);
            }
            case VALUE_STRING:
                return new Node(Kind.STRING, p.getText(), line);
            case VALUE_NUMBER_INT:
                return new Node(Kind.INT, p.getBigIntegerValue(), line);
            case VALUE_NUMBER_FLOAT:
                return new Node(Kind.FLOAT, p.getText(), line);
            case VALUE_TRUE:
            case VALUE_FALSE:
                return new Node(Kind.BOOL, t == JsonToken.VALUE_TRUE, line);
            case VALUE_NULL:
                return new Node(Kind.NULL, null, line);
            default:
                return new Node(Kind.OTHER, p.getText(), line);
        }
    }

    private static String cut(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    // ---------------------------------------------------------------------------------------------------
    // Validation: collects every problem, builds the records of the versions that have none.

    private static final class Reader {
        final List<String> problems = new ArrayList<>();

        void problem(int line, String where, String what) {
            problems.add("line " + line + ": " + (where.isEmpty() ? "" : where + ": ") + what);
        }

        List<PartnerAgreement> file(Node root) {
            List<PartnerAgreement> out = new ArrayList<>();
            if (root.kind() != Kind.MAP) {
                problem(root.line(), "", "expected a mapping with a 'partners:' list at the top, got " + root.shown());
                return out;
            }
            Mapping top = root.map();
            checkKeys(top, TOP_KEYS, "", "at the top");
            Node partners = top.fields().get("partners");
            if (absent(partners)) {
                problem(root.line(), "", "missing 'partners:' list");
                return out;
            }
            if (partners.kind() != Kind.LIST) {
                problem(partners.line(), "", "'partners' must be a list, got " + partners.shown());
                return out;
            }
            Map<String, Integer> partnerLines = new HashMap<>();
            List<Node> list = partners.list();
            for (int i = 0; i < list.size(); i++) {
                partner(list.get(i), "partners[" + i + "]", partnerLines, out);
            }
            return out;
        }

        void partner(Node n, String where, Map<String, Integer> partnerLines, List<PartnerAgreement> out) {
            if (n.kind() != Kind.MAP) {
                problem(n.line(), where, "each partner must be a mapping with 'partner:', 'kind:' and 'versions:', got "
                        + n.shown());
                return;
            }
            Mapping m = n.map();
            String partnerId = requiredId(m, n, where, "partner");
            if (partnerId != null) {
                where = "partner '" + partnerId + "'";
                Integer firstLine = partnerLines.putIfAbsent(partnerId, n.line());
                if (firstLine != null) {
                    problem(n.line(), where, "is listed twice (first on line " + firstLine
                            + "); put all its versions under one entry");
                }
            }
            checkKeys(m, PARTNER_KEYS, where, "in a partner");
            AgreementKind kind = requiredEnum(m, n, where, "kind", AgreementKind.class);
            String agreementId = optionalId(m, where, "agreementId");
            Node versions = m.fields().get("versions");
            if (absent(versions)) {
                problem(n.line(), where, "missing 'versions:' (a partner needs at least one version)");
                return;
            }
            if (versions.kind() != Kind.LIST || versions.list().isEmpty()) {
                problem(versions.line(), where, "'versions' must be a non-empty list, got " + versions.shown());
                return;
            }
            Map<Integer, Integer> versionLines = new HashMap<>();
            List<Node> list = versions.list();
            for (int j = 0; j < list.size(); j++) {
                PartnerAgreement v = version(list.get(j), where, j, partnerId, kind, agreementId, versionLines);
                if (v != null) {
                    out.add(v);
                }
            }
        }

        PartnerAgreement version(Node n, String partnerWhere, int index, String partnerId, AgreementKind kind,
                String partnerAgreementId, Map<Integer, Integer> versionLines) {
            String where = partnerWhere + ", versions[" + index + "]";
            if (n.kind() != Kind.MAP) {
                problem(n.line(), where, "each version must be a mapping with 'version:' and 'effectiveFrom:', got "
                        + n.shown());
                return null;
            }
            int before = problems.size();
            Mapping m = n.map();
            Integer version = null;
            Node versionNode = m.fields().get("version");
            if (absent(versionNode)) {
                problem(n.line(), where, "missing 'version' (a positive whole number)");
            } else {
                BigInteger number = wholeNumber(versionNode, where, "version");
                if (number != null) {
                    if (number.signum() <= 0 || number.bitLength() > 31) {
                        problem(versionNode.line(), where, "'version' must be a whole number from 1 to "
                                + Integer.MAX_VALUE + ", got " + number);
                    } else {
                        version = number.intValue();
                        where = partnerWhere + ", version " + version;
                        Integer firstLine = versionLines.putIfAbsent(version, versionNode.line());
                        if (firstLine != null) {
                            problem(versionNode.line(), where, "duplicate version number " + version
                                    + " (already used on line " + firstLine + "); each version needs its own number");
                        }
                    }
                }
            }
            checkKeys(m, VERSION_KEYS, where, "in a version");
            AgreementStatus status = optionalEnum(m, where, "status", AgreementStatus.class, AgreementStatus.ACTIVE);
            String agreementId = optionalId(m, where, "agreementId");
            Long from = null;
            Node fromNode = m.fields().get("effectiveFrom");
            if (absent(fromNode)) {
                problem(n.line(), where, "missing 'effectiveFrom' (when the version takes effect, e.g. "
                        + TIME_EXAMPLE + ")");
            } else {
                from = time(fromNode, where, "effectiveFrom");
            }
            Long until = null;
            Node untilNode = m.fields().get("effectiveUntil");
            if (!absent(untilNode)) {
                until = time(untilNode, where, "effectiveUntil");
                if (until != null && from != null && until <= from) {
                    problem(untilNode.line(), where, "'effectiveUntil' (" + untilNode.value()
                            + ") must be after 'effectiveFrom' (" + fromNode.value() + ")");
                }
            }
            List<Grant> grants = grants(m, where, status);
            if (problems.size() > before || partnerId == null || kind == null || version == null || from == null
                    || status == null || grants == null) {
                return null;
            }
            return PartnerAgreement.newBuilder()
                    .setPartnerId(partnerId)
                    .setVersion(version)
                    .setAgreementId(agreementId != null ? agreementId : partnerAgreementId)
                    .setKind(kind)
                    .setStatus(status)
                    .setEffectiveFrom(from)
                    .setEffectiveUntil(until)
                    .setGrants(grants)
                    .build();
        }

        List<Grant> grants(Mapping m, String where, AgreementStatus status) {
            List<Grant> grants = new ArrayList<>();
            Node list = m.fields().get("grants");
            if (absent(list)) {
                return grants;
            }
            if (list.kind() != Kind.LIST) {
                problem(list.line(), where, "'grants' must be a list, got " + list.shown());
                return null;
            }
            if (status == AgreementStatus.REVOKED && !list.list().isEmpty()) {
                problem(list.line(), where, "a REVOKED version grants nothing; remove its 'grants'");
                return null;
            }
            Map<Resource, Integer> resourceLines = new EnumMap<>(Resource.class);
            boolean ok = true;
            for (int k = 0; k < list.list().size(); k++) {
                Grant g = grant(list.list().get(k), where, k, resourceLines);
                if (g == null) {
                    ok = false;
                } else {
                    grants.add(g);
                }
            }
            return ok ? grants : null;
        }

        Grant grant(Node n, String versionWhere, int index, Map<Resource, Integer> resourceLines) {
            String where = versionWhere + ", grants[" + index + "]";
            if (n.kind() != Kind.MAP) {
                problem(n.line(), where, "each grant must be a mapping with 'resource:' and 'actions:', got "
                        + n.shown());
                return null;
            }
            int before = problems.size();
            Mapping m = n.map();
            Resource resource = requiredEnum(m, n, where, "resource", Resource.class);
            if (resource != null) {
                where = versionWhere + ", grant " + resource;
                Integer firstLine = resourceLines.putIfAbsent(resource, n.line());
                if (firstLine != null) {
                    problem(n.line(), versionWhere, "names resource " + resource + " twice (first on line "
                            + firstLine + "); a version grants each resource at most once, so merge the two grants");
                }
            }
            checkKeys(m, GRANT_KEYS, where, "in a grant");
            List<Action> actions = actions(m, n, where);
            boolean requiresUserConsent = optionalBoolean(m, where, "requiresUserConsent", true);
            boolean allowFriendData = optionalBoolean(m, where, "allowFriendData", false);
            Long limit = null;
            Node limitNode = m.fields().get("maxRecordsPerMinute");
            if (!absent(limitNode)) {
                BigInteger number = wholeNumber(limitNode, where, "maxRecordsPerMinute");
                if (number != null) {
                    if (number.signum() < 0) {
                        problem(limitNode.line(), where, "'maxRecordsPerMinute' must not be negative, got " + number);
                    } else if (number.bitLength() > 63) {
                        problem(limitNode.line(), where, "'maxRecordsPerMinute' is out of range, got " + number);
                    } else {
                        limit = number.longValue();
                    }
                }
            }
            if (problems.size() > before || resource == null || actions == null) {
                return null;
            }
            return Grant.newBuilder()
                    .setResource(resource)
                    .setActions(actions)
                    .setRequiresUserConsent(requiresUserConsent)
                    .setAllowFriendData(allowFriendData)
                    .setMaxRecordsPerMinute(limit)
                    .build();
        }

        List<Action> actions(Mapping m, Node grant, String where) {
            Node list = m.fields().get("actions");
            if (absent(list)) {
                problem(grant.line(), where, "missing 'actions' (a list such as [READ])");
                return null;
            }
            if (list.kind() != Kind.LIST || list.list().isEmpty()) {
                problem(list.line(), where, "'actions' must be a non-empty list such as [READ, WRITE], got "
                        + list.shown());
                return null;
            }
            List<Action> actions = new ArrayList<>();
            EnumSet<Action> seen = EnumSet.noneOf(Action.class);
            boolean ok = true;
            for (Node item : list.list()) {
                Action a = enumValue(item, where, "actions", Action.class);
                if (a == null) {
                    ok = false;
                } else if (!seen.add(a)) {
                    problem(item.line(), where, "'actions' lists " + a + " twice");
                    ok = false;
                } else {
                    actions.add(a);
                }
            }
            return ok ? actions : null;
        }

        // ------------------------------------------------------------------------------------------------
        // Fields.

        void checkKeys(Mapping m, Set<String> allowed, String where, String inWhat) {
            for (Duplicate d : m.duplicates()) {
                problem(d.line(), where, "key '" + d.key() + "' is given twice (first on line " + d.firstLine() + ")");
            }
            for (String key : m.fields().keySet()) {
                if (!allowed.contains(key)) {
                    problem(m.keyLines().get(key), where, "unknown key '" + cut(key) + "' " + inWhat + " (allowed: "
                            + allowed.stream().sorted().collect(Collectors.joining(", ")) + ")");
                }
            }
        }

        String requiredId(Mapping m, Node parent, String where, String field) {
            Node v = m.fields().get(field);
            if (absent(v)) {
                problem(parent.line(), where, "missing '" + field + "'");
                return null;
            }
            return id(v, where, field);
        }

        String optionalId(Mapping m, String where, String field) {
            Node v = m.fields().get(field);
            return absent(v) ? null : id(v, where, field);
        }

        String id(Node v, String where, String field) {
            if (v.kind() != Kind.STRING) {
                problem(v.line(), where, "'" + field + "' must be a string, got " + v.shown());
                return null;
            }
            String s = (String) v.value();
            if (s.isBlank()) {
                problem(v.line(), where, "'" + field + "' must not be empty");
                return null;
            }
            return s;
        }

        <E extends Enum<E>> E requiredEnum(Mapping m, Node parent, String where, String field, Class<E> type) {
            Node v = m.fields().get(field);
            if (absent(v)) {
                problem(parent.line(), where, "missing '" + field + "' (one of " + allowed(type) + ")");
                return null;
            }
            return enumValue(v, where, field, type);
        }

        <E extends Enum<E>> E optionalEnum(Mapping m, String where, String field, Class<E> type, E dflt) {
            Node v = m.fields().get(field);
            return absent(v) ? dflt : enumValue(v, where, field, type);
        }

        /** An enum symbol, case-sensitive; UNKNOWN exists only for schema evolution and is never accepted. */
        <E extends Enum<E>> E enumValue(Node v, String where, String field, Class<E> type) {
            if (v.kind() == Kind.STRING && !"UNKNOWN".equals(v.value())) {
                for (E symbol : type.getEnumConstants()) {
                    if (symbol.name().equals(v.value())) {
                        return symbol;
                    }
                }
            }
            problem(v.line(), where, "'" + field + "' has unknown value " + v.shown() + " (allowed: "
                    + allowed(type) + ")");
            return null;
        }

        boolean optionalBoolean(Mapping m, String where, String field, boolean dflt) {
            Node v = m.fields().get(field);
            if (absent(v)) {
                return dflt;
            }
            if (v.kind() != Kind.BOOL) {
                problem(v.line(), where, "'" + field + "' must be true or false, got " + v.shown());
                return dflt;
            }
            return (Boolean) v.value();
        }

        BigInteger wholeNumber(Node v, String where, String field) {
            if (v.kind() != Kind.INT) {
                problem(v.line(), where, "'" + field + "' must be a whole number, got " + v.shown());
                return null;
            }
            return (BigInteger) v.value();
        }

        /** An ISO-8601 date-time with an offset, in epoch milliseconds. */
        Long time(Node v, String where, String field) {
            if (v.kind() != Kind.STRING) {
                problem(v.line(), where, "'" + field + "' must be an ISO-8601 time with an offset such as "
                        + TIME_EXAMPLE + ", got " + v.shown());
                return null;
            }
            String text = (String) v.value();
            try {
                return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
            } catch (DateTimeParseException e) {
                if (parses(text, DateTimeFormatter.ISO_LOCAL_DATE_TIME)) {
                    problem(v.line(), where, "'" + field + "' has no offset: " + v.shown()
                            + " (add Z for UTC or an offset such as +02:00, e.g. " + TIME_EXAMPLE + ")");
                } else if (parses(text, DateTimeFormatter.ISO_LOCAL_DATE)) {
                    problem(v.line(), where, "'" + field + "' is a date without a time and offset: " + v.shown()
                            + " (write e.g. " + LocalDate.parse(text) + "T00:00:00Z)");
                } else {
                    problem(v.line(), where, "'" + field + "' is not an ISO-8601 time with an offset: " + v.shown()
                            + " (e.g. " + TIME_EXAMPLE + ")");
                }
                return null;
            } catch (ArithmeticException | DateTimeException e) {
                problem(v.line(), where, "'" + field + "' is out of range: " + v.shown());
                return null;
            }
        }

        private static boolean parses(String text, DateTimeFormatter format) {
            try {
                format.parse(text);
                return true;
            } catch (DateTimeParseException e) {
                return false;
            }
        }

        private static boolean absent(Node v) {
            return v == null || v.kind() == Kind.NULL;
        }

        private static <E extends Enum<E>> String allowed(Class<E> type) {
            return Arrays.stream(type.getEnumConstants()).map(Enum::name).filter(s -> !s.equals("UNKNOWN"))
                    .collect(Collectors.joining(", "));
        }
    }
}
