-- Areas, members and organisations are unique by (county_id, code): that index serves every
-- county-wide read, so the index of the county alone only added work to every row written.
DROP INDEX ix_areas_county_id;
DROP INDEX ix_members_county_id;
DROP INDEX ix_organisations_county_id;
