-- What the detector could not read: each dead letter's original bytes (hex), where they came from and why they
-- were rejected. Narrow it with --from/--to (when the dead letter was written).
--   ./detector sql -f investigations/dead-letters.sql --format json
SELECT kafka_timestamp AS dead_lettered_at, source_topic, source_partition, source_offset, reason,
       `value`
FROM dead_letters
ORDER BY source_topic, source_partition, source_offset;
