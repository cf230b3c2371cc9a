-- The breach-notification list: every user whose data the partner touched after its agreement was revoked or had
-- lapsed (AFTER_REVOCATION violations in force), with what was touched and when. The subject is the user whose
-- data it is, also when a friend's session made the call. Parameter: partner.
--   ./detector sql -f investigations/notification-list.sql -p partner=acme-phones --format csv
SELECT subjectUserId AS user_id,
       LISTAGG(DISTINCT resource) AS resources,
       COUNT(*) AS calls,
       ISO(MIN(eventTime)) AS first_access,
       ISO(MAX(eventTime)) AS last_access
FROM violations_current
WHERE partnerId = '${partner}' AND rule = 'AFTER_REVOCATION' AND subjectUserId IS NOT NULL
GROUP BY subjectUserId
ORDER BY subjectUserId;
