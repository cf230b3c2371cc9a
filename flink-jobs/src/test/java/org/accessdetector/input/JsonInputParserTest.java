package org.accessdetector.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonInputParserTest {

    private final JsonInputParser parser = new JsonInputParser();

    /** 2018-12-18T10:00:00Z in epoch milliseconds, worked out by hand. */
    private static final long T10 = 1_545_127_200_000L;
    /** 2018-12-18T11:00:00Z. */
    private static final long T11 = T10 + 3_600_000L;

    /** Replaces {@code "key":value} in a one-line JSON object, or appends it if the key is not there. */
    private static String with(String json, String key, String rawValue) {
        String field = "\"" + key + "\":";
        int at = json.indexOf(field);
        if (at < 0) {
            return json.substring(0, json.length() - 1) + "," + field + rawValue + "}";
        }
        int end = valueEnd(json, at + field.length());
        return json.substring(0, at + field.length()) + rawValue + json.substring(end);
    }

    /** Removes {@code "key":value} from a one-line JSON object. */
    private static String without(String json, String key) {
        String field = "\"" + key + "\":";
        int at = json.indexOf(field);
        assertThat(at).as("test line has " + key).isNotNegative();
        int end = valueEnd(json, at + field.length());
        String out = json.substring(0, at) + json.substring(end);
        return out.replace(",,", ",").replace("{,", "{").replace(",}", "}");
    }

    private static int valueEnd(String json, int from) {
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
        }
        return json.length();
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> rejects(ThrowingParse parse) {
        return assertThatThrownBy(parse::run).isInstanceOf(InputRejectedException.class);
    }

    @FunctionalInterface
    private interface ThrowingParse {
        void run() throws Exception;
    }

    @Nested
    class Calls {

        static final String FULL = "{\"callId\":\"c-1\",\"partnerId\":\"acme-phones\",\"subjectUserId\":\"alice\","
                + "\"actingUserId\":\"bob\",\"resource\":\"FRIENDS\",\"action\":\"READ\",\"outcome\":\"DENIED\","
                + "\"recordCount\":25,\"eventTime\":\"2018-12-18T10:00:00.123Z\",\"tokenId\":\"tok-9\","
                + "\"endpoint\":\"/v2/friends\",\"sourceIp\":\"203.0.113.7\"}";
        static final String MINIMAL = "{\"callId\":\"c-2\",\"partnerId\":\"chatbank\",\"subjectUserId\":\"carol\","
                + "\"resource\":\"MESSAGES\",\"action\":\"DELETE\",\"eventTime\":1545127200000}";

        @Test
        void everyFieldIsRead() throws Exception {
            PartnerApiCall call = parser.parseCall(FULL);

            assertThat(call.getCallId()).isEqualTo("c-1");
            assertThat(call.getPartnerId()).isEqualTo("acme-phones");
            assertThat(call.getSubjectUserId()).isEqualTo("alice");
            assertThat(call.getActingUserId()).isEqualTo("bob");
            assertThat(call.getResource()).isEqualTo(Resource.FRIENDS);
            assertThat(call.getAction()).isEqualTo(Action.READ);
            assertThat(call.getOutcome()).isEqualTo(CallOutcome.DENIED);
            assertThat(call.getRecordCount()).isEqualTo(25);
            assertThat(call.getEventTime()).isEqualTo(T10 + 123);
            assertThat(call.getTokenId()).isEqualTo("tok-9");
            assertThat(call.getEndpoint()).isEqualTo("/v2/friends");
            assertThat(call.getSourceIp()).isEqualTo("203.0.113.7");
        }

        @Test
        void optionalFieldsTakeTheirDefaults() throws Exception {
            PartnerApiCall call = parser.parseCall(MINIMAL);

            assertThat(call.getCallId()).isEqualTo("c-2");
            assertThat(call.getResource()).isEqualTo(Resource.MESSAGES);
            assertThat(call.getAction()).isEqualTo(Action.DELETE);
            assertThat(call.getEventTime()).isEqualTo(T10);
            assertThat(call.getActingUserId()).isNull();
            assertThat(call.getOutcome()).isEqualTo(CallOutcome.ALLOWED);
            assertThat(call.getRecordCount()).isEqualTo(1);
            assertThat(call.getTokenId()).isNull();
            assertThat(call.getEndpoint()).isNull();
            assertThat(call.getSourceIp()).isNull();
        }

        @Test
        void nullCountsAsAbsentForOptionalFields() throws Exception {
            String line = with(with(with(with(MINIMAL, "actingUserId", "null"), "outcome", "null"), "recordCount",
                    "null"), "tokenId", "null");
            PartnerApiCall call = parser.parseCall(line);

            assertThat(call.getActingUserId()).isNull();
            assertThat(call.getOutcome()).isEqualTo(CallOutcome.ALLOWED);
            assertThat(call.getRecordCount()).isEqualTo(1);
            assertThat(call.getTokenId()).isNull();
        }

        @Test
        void everySymbolIsAccepted() throws Exception {
            for (String r : List.of("MESSAGES", "THREAD_PARTICIPANTS", "CONTACTS", "CALENDAR", "FRIENDS", "PROFILE",
                    "PHOTOS", "POSTS")) {
                assertThat(parser.parseCall(with(MINIMAL, "resource", "\"" + r + "\"")).getResource().name())
                        .isEqualTo(r);
            }
            for (String a : List.of("READ", "WRITE", "DELETE")) {
                assertThat(parser.parseCall(with(MINIMAL, "action", "\"" + a + "\"")).getAction().name())
                        .isEqualTo(a);
            }
            assertThat(parser.parseCall(with(MINIMAL, "outcome", "\"ALLOWED\"")).getOutcome())
                    .isEqualTo(CallOutcome.ALLOWED);
        }

        @Test
        void unknownExtraFieldsAreIgnored() throws Exception {
            String line = with(with(MINIMAL, "userAgent", "\"Mozilla\""), "nested", "{\"a\":[1,2,{\"b\":null}]}");
            assertThat(parser.parseCall(line)).isEqualTo(parser.parseCall(MINIMAL));
        }

        @Test
        void zeroRecordsAndTheLargestIntAreAccepted() throws Exception {
            assertThat(parser.parseCall(with(MINIMAL, "recordCount", "0")).getRecordCount()).isZero();
            assertThat(parser.parseCall(with(MINIMAL, "recordCount", "2147483647")).getRecordCount())
                    .isEqualTo(2147483647);
            assertThat(parser.parseCall(with(MINIMAL, "recordCount", "3.0")).getRecordCount()).isEqualTo(3);
        }

        @ParameterizedTest
        @ValueSource(strings = {"callId", "partnerId", "subjectUserId", "resource", "action", "eventTime"})
        void missingRequiredFieldsAreRejected(String field) {
            rejects(() -> parser.parseCall(without(MINIMAL, field)))
                    .hasMessage("missing required field '" + field + "'");
            rejects(() -> parser.parseCall(with(MINIMAL, field, "null")))
                    .hasMessage("missing required field '" + field + "'");
        }

        @ParameterizedTest
        @ValueSource(strings = {"callId", "partnerId", "subjectUserId", "actingUserId"})
        void emptyIdsAreRejected(String field) {
            rejects(() -> parser.parseCall(with(MINIMAL, field, "\"\"")))
                    .hasMessageStartingWith("field '" + field + "' must not be empty");
            rejects(() -> parser.parseCall(with(MINIMAL, field, "\"  \"")))
                    .hasMessageStartingWith("field '" + field + "' must not be empty");
        }

        @ParameterizedTest
        @ValueSource(strings = {"callId", "partnerId", "subjectUserId", "actingUserId", "tokenId", "endpoint",
            "sourceIp"})
        void numbersWhereStringsAreExpectedAreRejected(String field) {
            rejects(() -> parser.parseCall(with(MINIMAL, field, "42")))
                    .hasMessage("field '" + field + "' must be a string, got 42");
            rejects(() -> parser.parseCall(with(MINIMAL, field, "true")))
                    .hasMessage("field '" + field + "' must be a string, got true");
            rejects(() -> parser.parseCall(with(MINIMAL, field, "[\"x\"]")))
                    .hasMessage("field '" + field + "' must be a string, got [\"x\"]");
        }

        @Test
        void unknownResourceIsRejectedNamingTheAllowedSymbols() {
            rejects(() -> parser.parseCall(with(MINIMAL, "resource", "\"DIARY\"")))
                    .hasMessage("field 'resource' has unknown value \"DIARY\" (allowed: MESSAGES, THREAD_PARTICIPANTS,"
                            + " CONTACTS, CALENDAR, FRIENDS, PROFILE, PHOTOS, POSTS)");
        }

        @Test
        void unknownActionIsRejectedNamingTheAllowedSymbols() {
            rejects(() -> parser.parseCall(with(MINIMAL, "action", "\"UPDATE\"")))
                    .hasMessage("field 'action' has unknown value \"UPDATE\" (allowed: READ, WRITE, DELETE)");
        }

        @Test
        void unknownOutcomeIsRejectedNamingTheAllowedSymbols() {
            rejects(() -> parser.parseCall(with(MINIMAL, "outcome", "\"BLOCKED\"")))
                    .hasMessage("field 'outcome' has unknown value \"BLOCKED\" (allowed: ALLOWED, DENIED)");
        }

        @ParameterizedTest
        @ValueSource(strings = {"resource", "action", "outcome"})
        void theEvolutionFallbackUnknownIsNotInput(String field) {
            rejects(() -> parser.parseCall(with(MINIMAL, field, "\"UNKNOWN\"")))
                    .hasMessageStartingWith("field '" + field + "' has unknown value \"UNKNOWN\" (allowed: ")
                    .hasMessageNotContaining("UNKNOWN,")
                    .hasMessageNotContaining("UNKNOWN)");
        }

        @Test
        void symbolsAreCaseSensitiveAndMustBeStrings() {
            rejects(() -> parser.parseCall(with(MINIMAL, "resource", "\"messages\"")))
                    .hasMessageStartingWith("field 'resource' has unknown value \"messages\"");
            rejects(() -> parser.parseCall(with(MINIMAL, "action", "0")))
                    .hasMessage("field 'action' must be a string, got 0 (allowed: READ, WRITE, DELETE)");
        }

        @Test
        void negativeRecordCountIsRejected() {
            rejects(() -> parser.parseCall(with(MINIMAL, "recordCount", "-1")))
                    .hasMessage("field 'recordCount' must not be negative, got -1");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"5\"", "2.5", "true", "[5]"})
        void recordCountMustBeAWholeNumber(String value) {
            rejects(() -> parser.parseCall(with(MINIMAL, "recordCount", value)))
                    .hasMessage("field 'recordCount' must be a whole number, got " + value);
        }

        @ParameterizedTest
        @ValueSource(strings = {"2147483648", "-2147483649", "99999999999999999999999", "1e10"})
        void recordCountBeyondTheIntRangeIsRejected(String value) {
            rejects(() -> parser.parseCall(with(MINIMAL, "recordCount", value)))
                    .hasMessageStartingWith("field 'recordCount' is out of range (from -2147483648 to 2147483647)");
        }

        @Test
        void badEventTimesAreRejectedNamingTheField() {
            rejects(() -> parser.parseCall(with(MINIMAL, "eventTime", "\"yesterday\"")))
                    .hasMessageStartingWith("field 'eventTime' is not a time: 'yesterday'");
            rejects(() -> parser.parseCall(with(MINIMAL, "eventTime", "\"2018-12-18T10:00:00\"")))
                    .hasMessageStartingWith("field 'eventTime' has no offset");
            rejects(() -> parser.parseCall(with(MINIMAL, "eventTime", "false")))
                    .hasMessageStartingWith("field 'eventTime' must be epoch milliseconds or an ISO-8601 string");
            rejects(() -> parser.parseCall(with(MINIMAL, "eventTime", "1545127200000.5")))
                    .hasMessageStartingWith("field 'eventTime' must be whole epoch milliseconds");
        }

        @Test
        void isoTimesWithAnOffsetAndEpochMillisGiveTheSameInstant() throws Exception {
            assertThat(parser.parseCall(with(MINIMAL, "eventTime", "\"2018-12-18T12:00:00+02:00\"")).getEventTime())
                    .isEqualTo(T10);
            assertThat(parser.parseCall(with(MINIMAL, "eventTime", "\"2018-12-18T10:00:00Z\"")).getEventTime())
                    .isEqualTo(T10);
        }
    }

    @Nested
    class Agreements {

        static final String FULL = "{\"partnerId\":\"streamly\",\"version\":3,\"agreementId\":\"IP-2010-07\","
                + "\"kind\":\"INSTANT_PERSONALIZATION\",\"status\":\"REVOKED\","
                + "\"effectiveFrom\":\"2018-12-18T10:00:00Z\",\"effectiveUntil\":\"2018-12-18T11:00:00Z\","
                + "\"grants\":[{\"resource\":\"FRIENDS\",\"actions\":[\"READ\"],\"requiresUserConsent\":false,"
                + "\"allowFriendData\":true,\"maxRecordsPerMinute\":500},"
                + "{\"resource\":\"PROFILE\",\"actions\":[\"READ\",\"WRITE\"]}]}";
        static final String MINIMAL = "{\"partnerId\":\"acme-phones\",\"version\":1,\"effectiveFrom\":1545127200000}";
        static final String ONE_GRANT = "{\"partnerId\":\"chatbank\",\"version\":1,\"effectiveFrom\":1545127200000,"
                + "\"grants\":[{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"]}]}";

        private String withGrant(String grantJson) {
            return with(ONE_GRANT, "grants", "[" + grantJson + "]");
        }

        @Test
        void everyFieldIsRead() throws Exception {
            PartnerAgreement a = parser.parseAgreement(FULL);

            assertThat(a.getPartnerId()).isEqualTo("streamly");
            assertThat(a.getVersion()).isEqualTo(3);
            assertThat(a.getAgreementId()).isEqualTo("IP-2010-07");
            assertThat(a.getKind()).isEqualTo(AgreementKind.INSTANT_PERSONALIZATION);
            assertThat(a.getStatus()).isEqualTo(AgreementStatus.REVOKED);
            assertThat(a.getEffectiveFrom()).isEqualTo(T10);
            assertThat(a.getEffectiveUntil()).isEqualTo(T11);
            assertThat(a.getGrants()).containsExactly(
                    Grant.newBuilder().setResource(Resource.FRIENDS).setActions(List.of(Action.READ))
                            .setRequiresUserConsent(false).setAllowFriendData(true).setMaxRecordsPerMinute(500L)
                            .build(),
                    Grant.newBuilder().setResource(Resource.PROFILE).setActions(List.of(Action.READ, Action.WRITE))
                            .setRequiresUserConsent(true).setAllowFriendData(false).setMaxRecordsPerMinute(null)
                            .build());
        }

        @Test
        void optionalFieldsTakeTheirDefaults() throws Exception {
            PartnerAgreement a = parser.parseAgreement(MINIMAL);

            assertThat(a.getPartnerId()).isEqualTo("acme-phones");
            assertThat(a.getVersion()).isEqualTo(1);
            assertThat(a.getEffectiveFrom()).isEqualTo(T10);
            assertThat(a.getAgreementId()).isNull();
            assertThat(a.getKind()).isEqualTo(AgreementKind.OTHER);
            assertThat(a.getStatus()).isEqualTo(AgreementStatus.ACTIVE);
            assertThat(a.getEffectiveUntil()).isNull();
            assertThat(a.getGrants()).isEmpty();
            assertThat(parser.parseAgreement(with(MINIMAL, "grants", "[]")).getGrants()).isEmpty();
            assertThat(parser.parseAgreement(with(MINIMAL, "grants", "null")).getGrants()).isEmpty();
            assertThat(parser.parseAgreement(with(MINIMAL, "effectiveUntil", "null")).getEffectiveUntil()).isNull();
        }

        @Test
        void grantFieldsTakeTheirDefaults() throws Exception {
            Grant g = parser.parseAgreement(ONE_GRANT).getGrants().get(0);

            assertThat(g.getResource()).isEqualTo(Resource.MESSAGES);
            assertThat(g.getActions()).containsExactly(Action.READ);
            assertThat(g.getRequiresUserConsent()).isTrue();
            assertThat(g.getAllowFriendData()).isFalse();
            assertThat(g.getMaxRecordsPerMinute()).isNull();
        }

        @Test
        void everyKindAndStatusIsAccepted() throws Exception {
            for (String k : List.of("INTEGRATION", "INSTANT_PERSONALIZATION", "MESSAGING", "OTHER")) {
                assertThat(parser.parseAgreement(with(MINIMAL, "kind", "\"" + k + "\"")).getKind().name())
                        .isEqualTo(k);
            }
            assertThat(parser.parseAgreement(with(MINIMAL, "status", "\"ACTIVE\"")).getStatus())
                    .isEqualTo(AgreementStatus.ACTIVE);
            assertThat(parser.parseAgreement(with(MINIMAL, "status", "\"REVOKED\"")).getStatus())
                    .isEqualTo(AgreementStatus.REVOKED);
        }

        @Test
        void aZeroLimitIsALimit() throws Exception {
            Grant g = parser.parseAgreement(withGrant("{\"resource\":\"CONTACTS\",\"actions\":[\"READ\"],"
                    + "\"maxRecordsPerMinute\":0}")).getGrants().get(0);
            assertThat(g.getMaxRecordsPerMinute()).isZero();
        }

        @Test
        void aLimitMayExceedTheIntRange() throws Exception {
            Grant g = parser.parseAgreement(withGrant("{\"resource\":\"CONTACTS\",\"actions\":[\"READ\"],"
                    + "\"maxRecordsPerMinute\":3000000000}")).getGrants().get(0);
            assertThat(g.getMaxRecordsPerMinute()).isEqualTo(3_000_000_000L);
        }

        @ParameterizedTest
        @ValueSource(strings = {"partnerId", "version", "effectiveFrom"})
        void missingRequiredFieldsAreRejected(String field) {
            rejects(() -> parser.parseAgreement(without(MINIMAL, field)))
                    .hasMessage("missing required field '" + field + "'");
        }

        @Test
        void emptyPartnerIdIsRejected() {
            rejects(() -> parser.parseAgreement(with(MINIMAL, "partnerId", "\"\"")))
                    .hasMessage("field 'partnerId' must not be empty");
        }

        @Test
        void wrongTypesAreRejectedNamingTheField() {
            rejects(() -> parser.parseAgreement(with(MINIMAL, "partnerId", "7")))
                    .hasMessage("field 'partnerId' must be a string, got 7");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "agreementId", "7")))
                    .hasMessage("field 'agreementId' must be a string, got 7");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "version", "\"2\"")))
                    .hasMessage("field 'version' must be a whole number, got \"2\"");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "version", "1.5")))
                    .hasMessage("field 'version' must be a whole number, got 1.5");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "grants", "{\"resource\":\"MESSAGES\"}")))
                    .hasMessage("field 'grants' must be a list, got {\"resource\":\"MESSAGES\"}");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "grants", "[\"MESSAGES\"]")))
                    .hasMessage("field 'grants[0]' must be an object, got \"MESSAGES\"");
        }

        @Test
        void versionBeyondTheIntRangeIsRejected() {
            rejects(() -> parser.parseAgreement(with(MINIMAL, "version", "2147483648")))
                    .hasMessage("field 'version' is out of range (from -2147483648 to 2147483647), got 2147483648");
        }

        @Test
        void unknownSymbolsAreRejectedNamingTheAllowedOnes() {
            rejects(() -> parser.parseAgreement(with(MINIMAL, "kind", "\"PARTNERSHIP\"")))
                    .hasMessage("field 'kind' has unknown value \"PARTNERSHIP\" (allowed: INTEGRATION,"
                            + " INSTANT_PERSONALIZATION, MESSAGING, OTHER)");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "status", "\"SUSPENDED\"")))
                    .hasMessage("field 'status' has unknown value \"SUSPENDED\" (allowed: ACTIVE, REVOKED)");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "kind", "\"UNKNOWN\"")))
                    .hasMessageStartingWith("field 'kind' has unknown value \"UNKNOWN\"");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "status", "\"UNKNOWN\"")))
                    .hasMessageStartingWith("field 'status' has unknown value \"UNKNOWN\"");
        }

        @Test
        void badTimesAreRejectedNamingTheField() {
            rejects(() -> parser.parseAgreement(with(MINIMAL, "effectiveFrom", "\"2018-12-18T10:00:00\"")))
                    .hasMessageStartingWith("field 'effectiveFrom' has no offset");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "effectiveUntil", "\"soon\"")))
                    .hasMessageStartingWith("field 'effectiveUntil' is not a time: 'soon'");
        }

        @Test
        void effectiveUntilMustBeAfterEffectiveFrom() throws Exception {
            rejects(() -> parser.parseAgreement(with(MINIMAL, "effectiveUntil", "1545127200000")))
                    .hasMessage("field 'effectiveUntil' must be after 'effectiveFrom'");
            rejects(() -> parser.parseAgreement(with(MINIMAL, "effectiveUntil", "\"2018-12-18T09:00:00Z\"")))
                    .hasMessage("field 'effectiveUntil' must be after 'effectiveFrom'");
            assertThat(parser.parseAgreement(with(MINIMAL, "effectiveUntil", "1545127200001")).getEffectiveUntil())
                    .isEqualTo(T10 + 1);
        }

        @Test
        void aVersionNamingAResourceTwiceIsRejected() {
            String twice = with(ONE_GRANT, "grants", "[{\"resource\":\"CONTACTS\",\"actions\":[\"READ\"]},"
                    + "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"]},"
                    + "{\"resource\":\"CONTACTS\",\"actions\":[\"WRITE\"]}]");
            rejects(() -> parser.parseAgreement(twice))
                    .hasMessage("field 'grants' names resource CONTACTS more than once, but an agreement version may"
                            + " grant each resource only once");
        }

        @Test
        void grantsNeedAResource() {
            rejects(() -> parser.parseAgreement(withGrant("{\"actions\":[\"READ\"]}")))
                    .hasMessage("missing required field 'grants[0].resource'");
            rejects(() -> parser.parseAgreement(withGrant("{\"resource\":\"DIARY\",\"actions\":[\"READ\"]}")))
                    .hasMessageStartingWith("field 'grants[0].resource' has unknown value \"DIARY\" (allowed: MESSAGES,");
            rejects(() -> parser.parseAgreement(withGrant("{\"resource\":\"UNKNOWN\",\"actions\":[\"READ\"]}")))
                    .hasMessageStartingWith("field 'grants[0].resource' has unknown value \"UNKNOWN\"");
        }

        @Test
        void grantsNeedANonEmptyListOfKnownActions() {
            rejects(() -> parser.parseAgreement(withGrant("{\"resource\":\"MESSAGES\"}")))
                    .hasMessage("missing required field 'grants[0].actions'");
            rejects(() -> parser.parseAgreement(withGrant("{\"resource\":\"MESSAGES\",\"actions\":[]}")))
                    .hasMessage("field 'grants[0].actions' must be a non-empty list of actions, got []");
            rejects(() -> parser.parseAgreement(withGrant("{\"resource\":\"MESSAGES\",\"actions\":\"READ\"}")))
                    .hasMessage("field 'grants[0].actions' must be a non-empty list of actions, got \"READ\"");
            rejects(() -> parser.parseAgreement(withGrant("{\"resource\":\"MESSAGES\",\"actions\":[\"READ\",\"SEND\"]}")))
                    .hasMessage("field 'grants[0].actions[1]' has unknown value \"SEND\" (allowed: READ, WRITE, DELETE)");
            rejects(() -> parser.parseAgreement(withGrant("{\"resource\":\"MESSAGES\",\"actions\":[\"UNKNOWN\"]}")))
                    .hasMessageStartingWith("field 'grants[0].actions[0]' has unknown value \"UNKNOWN\"");
        }

        @Test
        void grantFlagsMustBeBooleans() {
            rejects(() -> parser.parseAgreement(withGrant(
                    "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"],\"requiresUserConsent\":\"true\"}")))
                    .hasMessage("field 'grants[0].requiresUserConsent' must be true or false, got \"true\"");
            rejects(() -> parser.parseAgreement(withGrant(
                    "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"],\"allowFriendData\":1}")))
                    .hasMessage("field 'grants[0].allowFriendData' must be true or false, got 1");
        }

        @Test
        void limitsMustBeWholeAndNotNegative() {
            rejects(() -> parser.parseAgreement(withGrant(
                    "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"],\"maxRecordsPerMinute\":-5}")))
                    .hasMessage("field 'grants[0].maxRecordsPerMinute' must not be negative, got -5");
            rejects(() -> parser.parseAgreement(withGrant(
                    "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"],\"maxRecordsPerMinute\":\"100\"}")))
                    .hasMessage("field 'grants[0].maxRecordsPerMinute' must be a whole number, got \"100\"");
            rejects(() -> parser.parseAgreement(withGrant(
                    "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"],\"maxRecordsPerMinute\":0.5}")))
                    .hasMessage("field 'grants[0].maxRecordsPerMinute' must be a whole number, got 0.5");
            rejects(() -> parser.parseAgreement(withGrant(
                    "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"],\"maxRecordsPerMinute\":99999999999999999999}")))
                    .hasMessage("field 'grants[0].maxRecordsPerMinute' is out of range, got 99999999999999999999");
        }

        @Test
        void theIndexOfTheBadGrantIsNamed() {
            String second = with(ONE_GRANT, "grants", "[{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"]},"
                    + "{\"resource\":\"CONTACTS\",\"actions\":[]}]");
            rejects(() -> parser.parseAgreement(second)).hasMessageStartingWith("field 'grants[1].actions'");
        }
    }

    @Nested
    class Consents {

        @Test
        void perPartnerEventsKeepTheirPartner() throws Exception {
            ConsentEvent e = parser.parseConsent("{\"userId\":\"alice\",\"partnerId\":\"chatbank\","
                    + "\"type\":\"AUTHORIZED\",\"eventTime\":\"2018-12-18T10:00:00Z\"}");

            assertThat(e.getUserId()).isEqualTo("alice");
            assertThat(e.getPartnerId()).isEqualTo("chatbank");
            assertThat(e.getType()).isEqualTo(ConsentEventType.AUTHORIZED);
            assertThat(e.getEventTime()).isEqualTo(T10);

            ConsentEvent d = parser.parseConsent("{\"userId\":\"bob\",\"partnerId\":\"streamly\","
                    + "\"type\":\"DEAUTHORIZED\",\"eventTime\":1545130800000}");
            assertThat(d.getUserId()).isEqualTo("bob");
            assertThat(d.getPartnerId()).isEqualTo("streamly");
            assertThat(d.getType()).isEqualTo(ConsentEventType.DEAUTHORIZED);
            assertThat(d.getEventTime()).isEqualTo(T11);
        }

        @Test
        void sharingEventsArePlatformWide() throws Exception {
            ConsentEvent off = parser.parseConsent(
                    "{\"userId\":\"carol\",\"type\":\"SHARING_DISABLED\",\"eventTime\":\"2018-12-18T10:00:00Z\"}");
            assertThat(off.getUserId()).isEqualTo("carol");
            assertThat(off.getPartnerId()).isNull();
            assertThat(off.getType()).isEqualTo(ConsentEventType.SHARING_DISABLED);
            assertThat(off.getEventTime()).isEqualTo(T10);

            ConsentEvent on = parser.parseConsent(
                    "{\"userId\":\"carol\",\"type\":\"SHARING_ENABLED\",\"eventTime\":\"2018-12-18T11:00:00Z\"}");
            assertThat(on.getType()).isEqualTo(ConsentEventType.SHARING_ENABLED);
            assertThat(on.getPartnerId()).isNull();
            assertThat(on.getEventTime()).isEqualTo(T11);
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"chatbank\"", "\"\"", "42", "null"})
        void aPartnerGivenWithASharingEventIsIgnored(String partner) throws Exception {
            ConsentEvent e = parser.parseConsent("{\"userId\":\"carol\",\"partnerId\":" + partner
                    + ",\"type\":\"SHARING_DISABLED\",\"eventTime\":\"2018-12-18T10:00:00Z\"}");
            assertThat(e.getPartnerId()).isNull();
        }

        @ParameterizedTest
        @ValueSource(strings = {"AUTHORIZED", "DEAUTHORIZED"})
        void perPartnerEventsWithoutAPartnerAreRejected(String type) {
            rejects(() -> parser.parseConsent("{\"userId\":\"zoe\",\"type\":\"" + type
                    + "\",\"eventTime\":\"2018-12-18T09:00:00Z\"}"))
                    .hasMessage("missing field 'partnerId', which " + type + " requires");
            rejects(() -> parser.parseConsent("{\"userId\":\"zoe\",\"partnerId\":null,\"type\":\"" + type
                    + "\",\"eventTime\":\"2018-12-18T09:00:00Z\"}"))
                    .hasMessage("missing field 'partnerId', which " + type + " requires");
            rejects(() -> parser.parseConsent("{\"userId\":\"zoe\",\"partnerId\":\"\",\"type\":\"" + type
                    + "\",\"eventTime\":\"2018-12-18T09:00:00Z\"}"))
                    .hasMessage("field 'partnerId' must not be empty");
            rejects(() -> parser.parseConsent("{\"userId\":\"zoe\",\"partnerId\":3,\"type\":\"" + type
                    + "\",\"eventTime\":\"2018-12-18T09:00:00Z\"}"))
                    .hasMessage("field 'partnerId' must be a string, got 3");
        }

        @Test
        void requiredFieldsAreRequired() {
            rejects(() -> parser.parseConsent("{\"type\":\"SHARING_DISABLED\",\"eventTime\":0}"))
                    .hasMessage("missing required field 'userId'");
            rejects(() -> parser.parseConsent("{\"userId\":\"\",\"type\":\"SHARING_DISABLED\",\"eventTime\":0}"))
                    .hasMessage("field 'userId' must not be empty");
            rejects(() -> parser.parseConsent("{\"userId\":5,\"type\":\"SHARING_DISABLED\",\"eventTime\":0}"))
                    .hasMessage("field 'userId' must be a string, got 5");
            rejects(() -> parser.parseConsent("{\"userId\":\"u\",\"partnerId\":\"p\",\"eventTime\":0}"))
                    .hasMessage("missing required field 'type'");
            rejects(() -> parser.parseConsent("{\"userId\":\"u\",\"type\":\"SHARING_DISABLED\"}"))
                    .hasMessage("missing required field 'eventTime'");
        }

        @Test
        void unknownTypesAreRejectedNamingTheAllowedOnes() {
            rejects(() -> parser.parseConsent("{\"userId\":\"u\",\"type\":\"REVOKED\",\"eventTime\":0}"))
                    .hasMessage("field 'type' has unknown value \"REVOKED\" (allowed: AUTHORIZED, DEAUTHORIZED,"
                            + " SHARING_DISABLED, SHARING_ENABLED)");
            rejects(() -> parser.parseConsent("{\"userId\":\"u\",\"type\":\"UNKNOWN\",\"eventTime\":0}"))
                    .hasMessageStartingWith("field 'type' has unknown value \"UNKNOWN\"");
        }

        @Test
        void badTimesAreRejectedNamingTheField() {
            rejects(() -> parser.parseConsent(
                    "{\"userId\":\"zoe\",\"type\":\"SHARING_DISABLED\",\"eventTime\":\"yesterday\"}"))
                    .hasMessageStartingWith("field 'eventTime' is not a time: 'yesterday'");
            rejects(() -> parser.parseConsent(
                    "{\"userId\":\"zoe\",\"type\":\"SHARING_DISABLED\",\"eventTime\":\"2018-12-18T10:00\"}"))
                    .hasMessageStartingWith("field 'eventTime' has no offset");
        }
    }

    @Nested
    class Lines {

        @ParameterizedTest
        @ValueSource(strings = {"{not json", "{\"callId\":\"c\"", "{\"callId\":'c'}", "{\"a\":1}}",
            "{\"a\":1} {\"b\":2}", "{\"a\":1} trailing", "{\"a\":NaN}", "{\"a\":01}"})
        void invalidJsonIsRejected(String line) {
            rejects(() -> parser.parseCall(line)).hasMessageStartingWith("not valid JSON");
            rejects(() -> parser.parseAgreement(line)).hasMessageStartingWith("not valid JSON");
            rejects(() -> parser.parseConsent(line)).hasMessageStartingWith("not valid JSON");
        }

        @Test
        void aFieldGivenTwiceIsAmbiguousAndRejected() {
            rejects(() -> parser.parseCall(with(Calls.MINIMAL, "x", "1").replace("\"x\":1", "\"callId\":\"c-3\"")))
                    .hasMessageStartingWith("not valid JSON")
                    .hasMessageContaining("callId");
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "[{\"callId\":\"c\"}]", "\"text\"", "42", "null", "true"})
        void jsonThatIsNotAnObjectIsRejected(String line) {
            rejects(() -> parser.parseCall(line)).hasMessageStartingWith("not a JSON object");
            rejects(() -> parser.parseAgreement(line)).hasMessageStartingWith("not a JSON object");
            rejects(() -> parser.parseConsent(line)).hasMessageStartingWith("not a JSON object");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "   "})
        void emptyLinesAreNotObjects(String line) {
            rejects(() -> parser.parseCall(line)).hasMessage("not a JSON object: the line is empty");
        }

        @Test
        void reasonsAreOneLineAndShort() {
            String huge = "x".repeat(5000);
            for (String line : List.of("{\"callId\":\"" + huge + "\"", "{\"callId\":\"c\",\n\"partnerId\":}",
                    with(Calls.MINIMAL, "resource", "\"" + huge + "\""), "[\"" + huge + "\"]")) {
                rejects(() -> parser.parseCall(line)).satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(300);
                });
            }
        }

        @Test
        void surroundingWhitespaceIsFine() throws Exception {
            assertThat(parser.parseCall("  " + Calls.MINIMAL + " \t")).isEqualTo(parser.parseCall(Calls.MINIMAL));
        }

        @Test
        void theParserSurvivesSerializationAndIsSharedSafelyAcrossThreads() throws Exception {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(parser);
            }
            JsonInputParser copy;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                copy = (JsonInputParser) in.readObject();
            }
            PartnerApiCall expected = parser.parseCall(Calls.FULL);

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<PartnerApiCall>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    results.add(pool.submit(() -> copy.parseCall(Calls.FULL)));
                }
                for (Future<PartnerApiCall> r : results) {
                    assertThat(r.get()).isEqualTo(expected);
                }
            } finally {
                pool.shutdownNow();
                assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
