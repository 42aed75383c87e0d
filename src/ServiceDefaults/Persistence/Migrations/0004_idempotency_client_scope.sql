-- An Idempotency-Key belongs to the calling client within its county: the scope is now
-- "<county id or platform>/<client id>", longer than the county's id alone. Records stored under the
-- old scope no longer match and expire with their retention.
ALTER TABLE idempotency_records ALTER COLUMN scope TYPE character varying(100);
