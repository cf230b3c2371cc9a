package org.accessdetector.testing;

import java.time.Instant;

/** Named instants of the test stories, so a test reads as the timeline it checks. */
public final class Instants {

    public static final long ONE_MINUTE = 60_000L;
    public static final long ONE_HOUR = 60 * ONE_MINUTE;
    public static final long ONE_DAY = 24 * ONE_HOUR;

    /** When the partner programs began. */
    public static final long PROGRAM_START = at("2018-01-01T00:00:00Z");
    /** When users authorized the partner in the stories (as in {@link Story}). */
    public static final long CONSENT_GIVEN = at("2018-06-01T00:00:00Z");
    /** A time well inside an active agreement, aligned to a minute. */
    public static final long BEFORE_REVOCATION = at("2018-12-18T09:00:00Z");
    public static final long ONE_MINUTE_LATER = BEFORE_REVOCATION + ONE_MINUTE;
    /** When a partner's program is revoked. */
    public static final long REVOCATION = at("2018-12-18T10:00:00Z");
    public static final long AFTER_REVOCATION = REVOCATION + 5 * ONE_MINUTE;
    /** When a revoked program is granted again. */
    public static final long REGRANT = at("2018-12-19T10:00:00Z");
    public static final long AFTER_REGRANT = REGRANT + ONE_HOUR;

    public static long at(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    private Instants() {}
}
