-- A request placed in a grid looks for possible duplicates in that grid only: the community's index
-- (0005) walked every grid's rows of the category to find the grid's newest fifty. This one starts
-- at them.
CREATE INDEX ix_requests_grid_id_category_placed_at ON requests (grid_id, category, placed_at DESC);
