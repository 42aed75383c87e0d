-- Placing a request looks for open requests of the same category in the same community from the
-- last 30 days, newest first (possible duplicates): this index answers it from the newest rows
-- instead of every request the community ever had.
CREATE INDEX ix_requests_community_id_category_placed_at ON requests (community_id, category, placed_at DESC);
