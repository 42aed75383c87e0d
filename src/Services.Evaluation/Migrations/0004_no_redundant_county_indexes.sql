-- These tables have an index that starts with the county already (e.g. (county_id, month)): an index
-- of the county alone only added work to every row written.
DROP INDEX ix_assessments_county_id;
DROP INDEX ix_officer_ratings_county_id;
DROP INDEX ix_points_tallies_county_id;
DROP INDEX ix_request_events_county_id;
DROP INDEX ix_service_records_county_id;
