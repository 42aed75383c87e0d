-- Every request written (placed, then updated at each move, and the status is indexed, so every
-- update writes each index anew) keeps all of its indexes up to date. Three were more than reads need:
-- * the county alone and (status, placed_at): one index of (county_id, status, placed_at) serves both;
-- * the assignees: most requests go to the pool and name no member or unit, so those rows stay out;
-- * a request's history is only read through the request: no index of its county alone.
DROP INDEX ix_requests_county_id;
DROP INDEX ix_requests_status_placed_at;
CREATE INDEX ix_requests_county_id_status_placed_at ON requests (county_id, status, placed_at);

DROP INDEX ix_requests_assignee_member_id;
CREATE INDEX ix_requests_assignee_member_id ON requests (assignee_member_id) WHERE assignee_member_id IS NOT NULL;
DROP INDEX ix_requests_assignee_unit_id;
CREATE INDEX ix_requests_assignee_unit_id ON requests (assignee_unit_id) WHERE assignee_unit_id IS NOT NULL;

DROP INDEX ix_request_history_county_id;
