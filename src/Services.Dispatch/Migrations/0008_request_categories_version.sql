-- A county's categories are replaced as a whole (PUT .../request-categories): every row of a set carries
-- the set's version, which is the ETag that If-Match is checked against (0 while the county uses the defaults).
ALTER TABLE request_categories ADD COLUMN version integer NOT NULL DEFAULT 1;
