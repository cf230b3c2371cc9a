-- The partners with the most reads of sensitive data (messages, thread participants, contacts, calendars) that
-- the gateway let through between two instants (event time), e.g. this week. Parameters: from, to.
--   ./detector sql -f investigations/top-sensitive-readers.sql \
--       -p from=$(date -u -d '7 days ago' +%FT%TZ) -p to=$(date -u +%FT%TZ)
SELECT partnerId,
       COUNT(*) AS sensitive_reads,
       SUM(recordCount) AS records,
       COUNT(DISTINCT subjectUserId) AS users
FROM calls_distinct
WHERE action = 'READ' AND outcome = 'ALLOWED'
  AND resource IN ('MESSAGES', 'THREAD_PARTICIPANTS', 'CONTACTS', 'CALENDAR')
  AND eventTime BETWEEN MILLIS('${from}') AND MILLIS('${to}')
GROUP BY partnerId
ORDER BY sensitive_reads DESC, partnerId
LIMIT 20;
