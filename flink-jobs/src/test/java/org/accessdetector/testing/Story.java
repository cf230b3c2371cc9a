package org.accessdetector.testing;

import java.util.List;
import java.util.Set;

/**
 * The test story in the replay input format: three partners of the three kinds, a revocation, a lapse,
 * consents given, withdrawn and a sharing switch, an unregistered partner, a redelivery and a rate burst.
 * {@link #EXPECTED} was worked out by hand from the rules.
 */
public final class Story {

    private Story() {}

    public static final List<String> AGREEMENTS = List.of(
            "{\"partnerId\":\"acme-phones\",\"version\":1,\"kind\":\"INTEGRATION\",\"effectiveFrom\":\"2018-01-01T00:00:00Z\","
                    + "\"grants\":[{\"resource\":\"CONTACTS\",\"actions\":[\"READ\"],\"maxRecordsPerMinute\":100},"
                    + "{\"resource\":\"FRIENDS\",\"actions\":[\"READ\"],\"allowFriendData\":true},"
                    + "{\"resource\":\"MESSAGES\",\"actions\":[\"READ\"]}]}",
            "{\"partnerId\":\"acme-phones\",\"version\":2,\"kind\":\"INTEGRATION\",\"status\":\"REVOKED\","
                    + "\"effectiveFrom\":\"2018-12-18T10:00:00Z\"}",
            "{\"partnerId\":\"streamly\",\"version\":1,\"kind\":\"INSTANT_PERSONALIZATION\","
                    + "\"effectiveFrom\":1514764800000,\"effectiveUntil\":\"2018-12-18T12:00:00Z\","
                    + "\"grants\":[{\"resource\":\"PROFILE\",\"actions\":[\"READ\"],\"requiresUserConsent\":false}]}",
            "{\"partnerId\":\"chatbank\",\"version\":1,\"kind\":\"MESSAGING\",\"effectiveFrom\":\"2018-01-01T00:00:00Z\","
                    + "\"grants\":[{\"resource\":\"MESSAGES\",\"actions\":[\"READ\",\"WRITE\"]}]}");

    public static final List<String> CONSENTS = List.of(
            "{\"userId\":\"alice\",\"partnerId\":\"acme-phones\",\"type\":\"AUTHORIZED\",\"eventTime\":\"2018-06-01T00:00:00Z\"}",
            "{\"userId\":\"alice\",\"partnerId\":\"chatbank\",\"type\":\"AUTHORIZED\",\"eventTime\":\"2018-06-01T00:00:00Z\"}",
            "{\"userId\":\"bob\",\"partnerId\":\"chatbank\",\"type\":\"AUTHORIZED\",\"eventTime\":\"2018-06-01T00:00:00Z\"}",
            "{\"userId\":\"bob\",\"partnerId\":\"chatbank\",\"type\":\"DEAUTHORIZED\",\"eventTime\":\"2018-12-18T09:30:00Z\"}",
            "{\"userId\":\"carol\",\"type\":\"SHARING_DISABLED\",\"eventTime\":\"2018-12-18T08:00:00Z\"}",
            "{\"userId\":\"carol\",\"type\":\"SHARING_ENABLED\",\"eventTime\":\"2018-12-18T09:00:00Z\"}");

    public static final List<String> CALLS = List.of(
            call("c1", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T09:00:00Z", ""),
            call("c2", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T10:00:00Z", ""),
            call("c3", "acme-phones", "alice", null, "MESSAGES", "WRITE", "2018-12-18T09:05:00Z", ""),
            call("c3", "acme-phones", "alice", null, "MESSAGES", "WRITE", "2018-12-18T09:05:00Z", ""), // redelivery
            call("c4", "acme-phones", "carol", "alice", "FRIENDS", "READ", "2018-12-18T08:30:00Z", ""),
            call("c5", "acme-phones", "carol", "alice", "FRIENDS", "READ", "2018-12-18T09:00:00Z", ""),
            call("c6", "chatbank", "bob", null, "MESSAGES", "READ", "2018-12-18T09:29:59.999Z", ""),
            call("c7", "chatbank", "bob", null, "MESSAGES", "READ", "2018-12-18T09:30:00Z", ""),
            call("c8", "chatbank", "alice", "bob", "MESSAGES", "READ", "2018-12-18T09:00:00Z", ""),
            call("c9", "unknown-analytics", "dave", null, "PROFILE", "READ", "2018-12-18T09:00:00Z", ""),
            call("c10", "streamly", "erin", null, "PROFILE", "READ", "2018-12-18T11:59:59.999Z", ""),
            call("c11", "streamly", "erin", null, "PROFILE", "READ", "2018-12-18T12:00:00Z", ""),
            call("c12", "acme-phones", "frank", null, "MESSAGES", "WRITE", "2018-12-18T09:00:00Z",
                    ",\"outcome\":\"DENIED\""),
            call("c13", "chatbank", "frank", null, "MESSAGES", "READ", "2018-12-18T09:00:00Z", ""),
            call("r1", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T09:10:00Z", ",\"recordCount\":60"),
            call("r2", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T09:10:59.999Z",
                    ",\"recordCount\":50"),
            call("r3", "acme-phones", "alice", null, "CONTACTS", "READ", "2018-12-18T09:11:00Z",
                    ",\"recordCount\":100"));

    /** Worked out by hand from the rules, one line per violation. */
    public static final Set<String> EXPECTED = Set.of(
            "AFTER_REVOCATION c2", // exactly at the revocation instant
            "OUT_OF_SCOPE c3", // WRITE on MESSAGES is not granted; redelivered once, counted once
            "NO_USER_CONSENT c4", // carol, the subject, had sharing off at 08:30
            "NO_USER_CONSENT c7", // bob deauthorized chatbank at exactly 09:30
            "FRIEND_DATA c8", // bob read alice's messages; chatbank may not read friends' data
            "NO_AGREEMENT c9",
            "AFTER_REVOCATION c11", // streamly's agreement lapsed at exactly 12:00
            "NO_USER_CONSENT c13", // frank never authorized chatbank
            "RATE_LIMIT acme-phones/CONTACTS/READ/1545124200000"); // 60 + 50 > 100 in the minute from 09:10

    public static String call(String id, String partner, String subject, String acting, String resource, String action,
            String time, String extra) {
        return "{\"callId\":\"" + id + "\",\"partnerId\":\"" + partner + "\",\"subjectUserId\":\"" + subject + "\""
                + (acting == null ? "" : ",\"actingUserId\":\"" + acting + "\"")
                + ",\"resource\":\"" + resource + "\",\"action\":\"" + action + "\",\"eventTime\":\"" + time + "\""
                + extra + "}";
    }

}
