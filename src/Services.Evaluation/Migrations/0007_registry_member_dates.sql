-- When a member joined and left, as Registry's events now carry them (Dispatch's copy judges past
-- periods by them; Evaluation's copy is the same model). Copies made before are filled by the next event.
ALTER TABLE registry_members ADD COLUMN joined_at timestamp with time zone;
ALTER TABLE registry_members ADD COLUMN left_at timestamp with time zone;
