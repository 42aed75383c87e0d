-- When a member joined and left, as Registry's events now carry them: a past period's three failures
-- count the members of that period, not today's. Copies made before are filled by the next event.
ALTER TABLE registry_members ADD COLUMN joined_at timestamp with time zone;
ALTER TABLE registry_members ADD COLUMN left_at timestamp with time zone;
