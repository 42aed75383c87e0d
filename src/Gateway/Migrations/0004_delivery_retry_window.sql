-- A replayed or resumed delivery is retried for a fresh window from then, with a fresh backoff,
-- while created_at keeps the event's arrival (shown, and what the ordering delay counts from).
-- Rows already there keep the window and backoff they had.
ALTER TABLE webhook_deliveries ADD COLUMN retry_from timestamp with time zone, ADD COLUMN retry_attempts integer;
UPDATE webhook_deliveries SET retry_from = created_at, retry_attempts = attempts;
ALTER TABLE webhook_deliveries ALTER COLUMN retry_from SET NOT NULL, ALTER COLUMN retry_attempts SET NOT NULL;
