#!/usr/bin/env python3
"""Writes the example story's input files: agreements.jsonl, consents.jsonl and calls.jsonl.

Deterministic: no randomness, no clock; running it again gives the same bytes. The .jsonl files are
committed, so nobody needs to run this to replay the story. Run it only after changing the story here:

    python3 examples/generate.py

The expected violations (expected-violations.tsv) are NOT produced here: they were worked out by hand from
the story in README.md. Change the story and you must work them out again.
"""
import json
import os
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DAY = datetime(2018, 12, 18, tzinfo=timezone.utc)  # the story's day, a Tuesday


def iso(t):
    """ISO-8601 with Z; milliseconds only when there are any."""
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        text += ".%03d" % (t.microsecond // 1000)
    return text + "Z"


def millis(t):
    return int(t.timestamp() * 1000)


def at(hhmmss, day=0):
    """A time on the story's day (or `day` days later), 'HH:MM:SS' or 'HH:MM:SS.mmm'."""
    hms, _, ms = hhmmss.partition(".")
    h, m, s = (int(x) for x in hms.split(":"))
    return DAY + timedelta(days=day, hours=h, minutes=m, seconds=s, milliseconds=int(ms or 0))


def date(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def line(record):
    return json.dumps(record, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------------------
# Agreements: one line per version.

def grant(resource, actions, consent=None, friends=None, limit=None):
    g = {"resource": resource, "actions": actions}
    if consent is not None:
        g["requiresUserConsent"] = consent
    if friends is not None:
        g["allowFriendData"] = friends
    if limit is not None:
        g["maxRecordsPerMinute"] = limit
    return g


AGREEMENTS = [
    # Device integrations: phone makers rebuilt the social network inside their own apps.
    {"partnerId": "acme-phones", "version": 1, "agreementId": "INT-ACME-2010", "kind": "INTEGRATION",
     "effectiveFrom": "2018-01-01T00:00:00Z",
     "grants": [grant("CONTACTS", ["READ"]), grant("CALENDAR", ["READ"]),
                grant("FRIENDS", ["READ"], friends=True), grant("MESSAGES", ["READ"])]},
    # The program is shut down at noon; acme-phones keeps calling.
    {"partnerId": "acme-phones", "version": 2, "agreementId": "INT-ACME-2010", "kind": "INTEGRATION",
     "status": "REVOKED", "effectiveFrom": "2018-12-18T12:00:00Z"},
    {"partnerId": "handset-co", "version": 1, "agreementId": "INT-HANDSET-2012", "kind": "INTEGRATION",
     "effectiveFrom": "2018-06-01T00:00:00Z",
     "grants": [grant("CONTACTS", ["READ"]), grant("CALENDAR", ["READ"]),
                grant("FRIENDS", ["READ"], friends=True), grant("MESSAGES", ["READ"])]},
    # A correction: version 2 starts a month BEFORE version 1, so it wins from 2018-05-01 on. It withdraws
    # MESSAGES and friend data, which version 1 granted by mistake.
    {"partnerId": "handset-co", "version": 2, "agreementId": "INT-HANDSET-2012", "kind": "INTEGRATION",
     "effectiveFrom": "2018-05-01T00:00:00Z",
     "grants": [grant("CONTACTS", ["READ"]), grant("CALENDAR", ["READ"]),
                grant("FRIENDS", ["READ"], friends=False)]},
    # Instant personalization: friends' names and profiles, without a login, under a rate limit.
    {"partnerId": "streamly", "version": 1, "agreementId": "IP-STREAMLY-2010", "kind": "INSTANT_PERSONALIZATION",
     "effectiveFrom": millis(date("2018-01-01T00:00:00")), "effectiveUntil": "2018-12-18T15:00:00Z",
     "grants": [grant("FRIENDS", ["READ"], friends=True, limit=100),
                grant("PROFILE", ["READ"], consent=False, limit=200)]},
    {"partnerId": "searchy", "version": 1, "agreementId": "IP-SEARCHY-2010", "kind": "INSTANT_PERSONALIZATION",
     "effectiveFrom": "2018-01-01T00:00:00Z",
     "grants": [grant("FRIENDS", ["READ"], friends=True, limit=50),
                grant("PROFILE", ["READ"], consent=False, limit=100)]},
    # Messaging: read, write and delete users' private messages.
    {"partnerId": "chatbank", "version": 1, "agreementId": "MSG-CHATBANK-2013", "kind": "MESSAGING",
     "effectiveFrom": "2018-01-01T00:00:00Z",
     "grants": [grant("MESSAGES", ["READ", "WRITE", "DELETE"]), grant("THREAD_PARTICIPANTS", ["READ"])]},
    {"partnerId": "tunesbox", "version": 1, "agreementId": "MSG-TUNESBOX-2014", "kind": "MESSAGING",
     "effectiveFrom": millis(date("2018-01-01T00:00:00")),
     "grants": [grant("MESSAGES", ["READ", "WRITE"]), grant("THREAD_PARTICIPANTS", ["READ"])]},
]

# ---------------------------------------------------------------------------------------------------------
# Consents: (user, partner or None, type, time). frank never authorizes anyone.

CONSENTS = [
    ("alice", "chatbank", "AUTHORIZED", "2018-02-01T08:00:00Z"),
    ("alice", "acme-phones", "AUTHORIZED", "2018-03-01T08:00:00Z"),
    ("alice", "streamly", "AUTHORIZED", "2018-04-01T08:00:00Z"),
    ("alice", "searchy", "AUTHORIZED", "2018-04-02T08:00:00Z"),
    ("bob", "chatbank", "AUTHORIZED", "2018-02-02T09:00:00Z"),
    ("bob", "acme-phones", "AUTHORIZED", "2018-03-02T09:00:00Z"),
    ("bob", "handset-co", "AUTHORIZED", millis(date("2018-05-10T09:00:00"))),
    ("bob", "chatbank", "DEAUTHORIZED", "2018-12-18T11:00:00Z"),
    ("carol", "tunesbox", "AUTHORIZED", "2018-02-03T10:00:00Z"),
    ("carol", "acme-phones", "AUTHORIZED", "2018-03-03T10:00:00Z"),
    ("carol", "searchy", "AUTHORIZED", "2018-04-03T10:00:00Z"),
    ("carol", None, "SHARING_DISABLED", "2018-12-18T09:30:00Z"),
    ("carol", None, "SHARING_ENABLED", millis(date("2018-12-18T13:30:00"))),
    ("dave", "tunesbox", "AUTHORIZED", "2018-02-04T11:00:00Z"),
    ("dave", "searchy", "AUTHORIZED", "2018-04-04T11:00:00Z"),
    ("dave", "streamly", "AUTHORIZED", "2018-04-05T11:00:00Z"),
    ("dave", "handset-co", "AUTHORIZED", "2018-05-11T11:00:00Z"),
    ("erin", "chatbank", "AUTHORIZED", "2018-02-05T12:00:00Z"),
    ("erin", "streamly", "AUTHORIZED", millis(date("2018-04-06T12:00:00"))),
    ("erin", "searchy", "AUTHORIZED", "2018-04-07T12:00:00Z"),
    ("grace", "chatbank", "AUTHORIZED", "2018-02-06T13:00:00Z"),
    ("grace", "tunesbox", "AUTHORIZED", "2018-02-07T13:00:00Z"),
    ("heidi", "acme-phones", "AUTHORIZED", "2018-03-04T14:00:00Z"),
    ("heidi", "handset-co", "AUTHORIZED", "2018-05-12T14:00:00Z"),
    ("ivan", "acme-phones", "AUTHORIZED", "2018-12-18T10:30:00Z"),
]

# ---------------------------------------------------------------------------------------------------------
# Calls.

ENDPOINTS = {
    "MESSAGES": "/v2.3/me/inbox",
    "THREAD_PARTICIPANTS": "/v2.3/threads/participants",
    "CONTACTS": "/v2.3/me/contacts",
    "CALENDAR": "/v2.3/me/events",
    "FRIENDS": "/v2.3/{user}/friends",
    "PROFILE": "/v2.3/{user}",
    "PHOTOS": "/v2.3/me/photos",
    "POSTS": "/v2.3/me/feed",
}
SOURCE_IPS = {
    "acme-phones": "192.0.2.10", "handset-co": "192.0.2.20", "streamly": "198.51.100.30",
    "searchy": "198.51.100.40", "chatbank": "203.0.113.50", "tunesbox": "203.0.113.60",
    "unknown-analytics": "203.0.113.99",
}


def call(call_id, partner, subject, resource, action, time, acting=None, records=None, outcome=None,
         epoch=False):
    c = {"callId": call_id, "partnerId": partner, "subjectUserId": subject}
    if acting is not None:
        c["actingUserId"] = acting
    c["resource"] = resource
    c["action"] = action
    if outcome is not None:
        c["outcome"] = outcome
    if records is not None:
        c["recordCount"] = records
    c["eventTime"] = millis(time) if epoch else iso(time)
    c["tokenId"] = "tok-%s-%s" % (partner, acting or subject)
    c["endpoint"] = ENDPOINTS[resource].replace("{user}", subject)
    c["sourceIp"] = SOURCE_IPS[partner]
    return c


# Background traffic, all within the agreements and with consent: (partner, subject, acting, resource, action).
# One call every two minutes, on the even minutes from 08:00 to 11:58, taking these in turn. No template
# involves carol, ivan, frank as the consenting user, bob with chatbank, or searchy's FRIENDS grant, so none
# breaks a rule at any time in that span; at most 13 records a minute stay far below every limit.
BACKGROUND = [
    ("acme-phones", "alice", None, "CONTACTS", "READ"),
    ("handset-co", "bob", None, "CONTACTS", "READ"),
    ("chatbank", "alice", None, "MESSAGES", "READ"),
    ("tunesbox", "dave", None, "MESSAGES", "READ"),
    ("streamly", "erin", None, "PROFILE", "READ"),
    ("acme-phones", "frank", "alice", "FRIENDS", "READ"),
    ("handset-co", "dave", None, "CALENDAR", "READ"),
    ("chatbank", "grace", None, "MESSAGES", "WRITE"),
    ("searchy", "dave", None, "PROFILE", "READ"),
    ("tunesbox", "grace", None, "THREAD_PARTICIPANTS", "READ"),
    ("acme-phones", "heidi", None, "CALENDAR", "READ"),
    ("chatbank", "erin", None, "THREAD_PARTICIPANTS", "READ"),
    ("streamly", "grace", "erin", "FRIENDS", "READ"),
    ("handset-co", "heidi", None, "FRIENDS", "READ"),
    ("chatbank", "alice", None, "MESSAGES", "WRITE"),
]


def background():
    calls = []
    for i in range(120):
        partner, subject, acting, resource, action = BACKGROUND[i % len(BACKGROUND)]
        time = at("08:00:00") + timedelta(minutes=2 * i)
        records = 1 + (i * 7) % 13  # 1 to 13; a single record is left to the default
        calls.append(call("ok-%03d" % (i + 1), partner, subject, resource, action, time, acting=acting,
                          records=records if records > 1 else None, epoch=(i % 5 == 4)))
    return calls


# The story's scenes. Each call's expected fate is in README.md and expected-violations.tsv.
SCENES = [
    # No agreement at all.
    call("na-1", "unknown-analytics", "alice", "CONTACTS", "READ", at("09:07:00"), records=250),
    call("na-2", "unknown-analytics", "bob", "FRIENDS", "READ", at("09:07:30"), records=300, epoch=True),
    call("na-3", "unknown-analytics", "dave", "PROFILE", "READ", at("09:09:10"), outcome="DENIED"),
    call("na-4", "unknown-analytics", "erin", "MESSAGES", "READ", at("13:05:00"), records=120),

    # acme-phones' program is revoked at 12:00 and it keeps calling, into the next day.
    call("rev-1", "acme-phones", "alice", "CONTACTS", "READ", at("11:59:59.999")),
    call("rev-2", "acme-phones", "alice", "CONTACTS", "READ", at("12:00:00")),
    call("rev-3", "acme-phones", "heidi", "MESSAGES", "READ", at("12:10:00"), records=40),
    call("rev-4", "acme-phones", "frank", "FRIENDS", "READ", at("12:20:00"), acting="alice", records=15),
    call("rev-5", "acme-phones", "alice", "CALENDAR", "READ", at("12:30:00"), outcome="DENIED"),
    call("rev-6", "acme-phones", "bob", "MESSAGES", "WRITE", at("13:00:00"), outcome="ALLOWED"),
    call("rev-7", "acme-phones", "carol", "CONTACTS", "READ", at("13:10:00"), records=60),
    call("rev-8", "acme-phones", "alice", "CONTACTS", "READ", at("09:00:00", day=1), records=200, epoch=True),
    call("rev-9", "acme-phones", "bob", "MESSAGES", "READ", at("09:05:00", day=1), records=75),

    # streamly's agreement lapses at 15:00 (effectiveUntil).
    call("lap-1", "streamly", "erin", "PROFILE", "READ", at("14:59:59")),
    call("lap-2", "streamly", "erin", "PROFILE", "READ", at("15:00:00")),
    call("lap-3", "streamly", "frank", "FRIENDS", "READ", at("15:30:00"), acting="alice", records=150),
    call("lap-4", "streamly", "dave", "PROFILE", "READ", at("16:00:00"), outcome="DENIED"),

    # Out of scope.
    call("oos-1", "handset-co", "heidi", "MESSAGES", "READ", at("10:21:00")),
    call("oos-2", "handset-co", "bob", "MESSAGES", "READ", at("10:23:00"), records=12),
    call("oos-3", "tunesbox", "grace", "MESSAGES", "DELETE", at("10:25:00")),
    call("oos-4", "tunesbox", "dave", "CONTACTS", "READ", at("10:27:00"), records=80),
    call("oos-5", "chatbank", "alice", "CONTACTS", "READ", at("10:29:00"), epoch=True),
    call("oos-6", "acme-phones", "alice", "PHOTOS", "READ", at("10:31:00"), records=30),
    call("oos-7", "acme-phones", "alice", "CONTACTS", "WRITE", at("10:33:00"), outcome="DENIED"),
    call("oos-8", "searchy", "alice", "MESSAGES", "READ", at("10:35:00")),

    # Friends' data, read on behalf of a signed-in (acting) user.
    call("fd-1", "chatbank", "frank", "MESSAGES", "READ", at("09:41:00"), acting="alice"),
    call("fd-2", "handset-co", "frank", "FRIENDS", "READ", at("09:43:00"), acting="heidi", records=5),
    call("fd-3", "handset-co", "carol", "CONTACTS", "READ", at("09:45:00"), acting="bob"),
    call("fd-4", "acme-phones", "frank", "FRIENDS", "READ", at("09:47:00"), acting="alice", records=3),
    call("fd-5", "acme-phones", "carol", "FRIENDS", "READ", at("09:49:00"), acting="alice", records=3),
    call("fd-6", "chatbank", "alice", "THREAD_PARTICIPANTS", "READ", at("09:51:00"), acting="grace",
         outcome="DENIED"),
    call("fd-7", "acme-phones", "alice", "CONTACTS", "READ", at("09:53:00"), acting="alice"),
    call("fd-8", "chatbank", "alice", "MESSAGES", "READ", at("11:20:00"), acting="bob", records=10),

    # Consent: bob deauthorizes chatbank at 11:00; carol turns sharing off 09:30-13:30; ivan authorizes
    # acme-phones only at 10:30; frank never authorized anyone.
    call("nc-1", "chatbank", "bob", "MESSAGES", "READ", at("10:59:59")),
    call("nc-2", "chatbank", "bob", "MESSAGES", "READ", at("11:00:00")),
    call("nc-3", "chatbank", "bob", "MESSAGES", "DELETE", at("11:15:00"), records=25),
    call("nc-4", "tunesbox", "carol", "MESSAGES", "READ", at("09:29:59")),
    call("nc-5", "tunesbox", "carol", "MESSAGES", "READ", at("09:30:00")),
    call("nc-6", "tunesbox", "carol", "THREAD_PARTICIPANTS", "READ", at("11:31:00")),
    call("nc-7", "searchy", "carol", "PROFILE", "READ", at("11:33:00")),
    call("nc-8", "tunesbox", "carol", "MESSAGES", "READ", at("13:30:00")),
    call("nc-9", "searchy", "carol", "PROFILE", "READ", at("13:45:00")),
    call("nc-10", "acme-phones", "ivan", "CONTACTS", "READ", at("10:29:59.999")),
    call("nc-11", "acme-phones", "ivan", "CONTACTS", "READ", at("10:30:00")),
    call("nc-12", "handset-co", "frank", "CONTACTS", "READ", at("10:41:00")),
    call("nc-13", "chatbank", "frank", "MESSAGES", "READ", at("10:43:00"), outcome="DENIED"),
    call("nc-14", "streamly", "frank", "PROFILE", "READ", at("10:45:00")),
    call("nc-15", "streamly", "frank", "FRIENDS", "READ", at("10:47:00"), acting="carol"),

    # Rate limits. searchy may read 50 friend records a minute.
    call("rl-1", "searchy", "alice", "FRIENDS", "READ", at("10:15:05"), records=20),
    call("rl-2", "searchy", "dave", "FRIENDS", "READ", at("10:15:20"), records=20),
    call("rl-3", "searchy", "erin", "FRIENDS", "READ", at("10:15:35"), records=15),
    call("rl-4", "searchy", "dave", "FRIENDS", "READ", at("10:15:50"), records=30, outcome="DENIED"),
    call("rl-5", "searchy", "frank", "FRIENDS", "READ", at("10:15:55"), records=5),
    call("rl-6", "searchy", "alice", "FRIENDS", "READ", at("10:17:10"), records=25),
    call("rl-7", "searchy", "dave", "FRIENDS", "READ", at("10:17:40"), records=25),
    call("rl-8", "searchy", "alice", "FRIENDS", "READ", at("10:19:40"), records=30),
    call("rl-9", "searchy", "erin", "FRIENDS", "READ", at("10:20:10"), records=30),
    # streamly may read 100 friend records a minute: it scrapes friends lists just before its agreement lapses.
    call("rl-10", "streamly", "frank", "FRIENDS", "READ", at("14:41:10"), acting="alice", records=60),
    call("rl-11", "streamly", "grace", "FRIENDS", "READ", at("14:41:40"), acting="erin", records=60),
]

# Redelivered by the gateway: the same call again, a few lines later.
REDELIVERED = ["rl-7", "rev-3"]

# Lines that must be rejected, inserted after these 1-based positions of the call lines.
MALFORMED = [
    (20, '{"callId":"bad-1","partnerId":"acme-phones","subjectUserId":"alice","resource":"CONTACTS",'),
    (70, line({"callId": "bad-2", "partnerId": "handset-co", "subjectUserId": "bob", "resource": "PHONEBOOK",
               "action": "READ", "eventTime": iso(at("09:35:00"))})),
    (130, line({"callId": "bad-3", "partnerId": "chatbank", "subjectUserId": "grace", "resource": "MESSAGES",
                "action": "READ", "recordCount": -5, "eventTime": iso(at("10:50:00"))})),
]


def time_of(c):
    t = c["eventTime"]
    return t if isinstance(t, int) else millis(datetime.fromisoformat(t.replace("Z", "+00:00")))


def calls_lines():
    calls = sorted(background() + SCENES, key=time_of)  # sorted() is stable: ties keep their order
    lines = [line(c) for c in calls]
    for call_id in REDELIVERED:
        original = next(i for i, text in enumerate(lines) if json.loads(text)["callId"] == call_id)
        lines.insert(original + 4, lines[original])
    for position, bad in reversed(MALFORMED):
        lines.insert(position, bad)
    return lines


def write(name, lines):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        for text in lines:
            f.write(text + "\n")


def main():
    ids = [c["callId"] for c in background() + SCENES]
    assert len(ids) == len(set(ids)), "call ids must be unique"
    write("agreements.jsonl", [line(a) for a in AGREEMENTS])
    consents = []
    for user, partner, kind, time in CONSENTS:
        record = {"userId": user}
        if partner is not None:
            record["partnerId"] = partner
        record["type"] = kind
        record["eventTime"] = time
        consents.append(line(record))
    write("consents.jsonl", consents)
    write("calls.jsonl", calls_lines())


if __name__ == "__main__":
    main()
