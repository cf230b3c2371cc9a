-- What one partner touched between two instants (event time), by resource, action and the gateway's outcome.
-- A redelivered call counts once. Parameters: partner, from, to (ISO-8601 instants).
--   ./detector sql -f investigations/partner-activity.sql \
--       -p partner=acme-phones -p from=2018-12-18T00:00:00Z -p to=2018-12-19T00:00:00Z
SELECT resource, action, outcome,
       COUNT(*) AS calls,
       SUM(recordCount) AS records,
       COUNT(DISTINCT subjectUserId) AS users,
       ISO(MIN(eventTime)) AS first_call,
       ISO(MAX(eventTime)) AS last_call
FROM calls_distinct
WHERE partnerId = '${partner}' AND eventTime BETWEEN MILLIS('${from}') AND MILLIS('${to}')
GROUP BY resource, action, outcome
ORDER BY resource, action, outcome;
