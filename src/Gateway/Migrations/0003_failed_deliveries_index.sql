-- The operations dashboard counts the deliveries that ended failed in the last day: an index of the
-- failed ones alone (few) instead of a scan of every delivery kept.
CREATE INDEX ix_webhook_deliveries_failed ON webhook_deliveries (last_attempt_at) WHERE status = 'failed';
