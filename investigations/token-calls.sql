-- Every call made with one access token, oldest first, with where each call is on the calls topic.
-- Parameter: token.
--   ./detector sql -f investigations/token-calls.sql -p token=tok-123
SELECT ISO(eventTime) AS event_time, callId, partnerId, subjectUserId, actingUserId, resource, action, outcome,
       recordCount, endpoint, sourceIp, kafka_partition, kafka_offset
FROM calls_distinct
WHERE tokenId = '${token}'
ORDER BY eventTime, callId;
