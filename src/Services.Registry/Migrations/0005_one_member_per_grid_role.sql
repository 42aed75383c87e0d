-- "1+1": a grid has at most one active member in each grid role. The API checks it before saving;
-- the index holds it when two saves race (the loser answers 409 grid_role_taken).
CREATE UNIQUE INDEX ux_members_grid_role ON members (grid_id, grid_role) WHERE grid_role IS NOT NULL AND status = 'active';
