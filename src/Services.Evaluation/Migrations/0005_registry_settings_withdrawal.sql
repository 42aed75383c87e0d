-- Registry's settings versions may be withdrawn before they take effect: the copy keeps them, marked, and
-- never takes a withdrawn one as the version in effect.
ALTER TABLE registry_county_settings ADD COLUMN withdrawn_at timestamp with time zone;
