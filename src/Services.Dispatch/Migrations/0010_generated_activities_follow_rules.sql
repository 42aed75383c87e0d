-- A generated activity follows the county's rules (its reporting week and themed day) until staff set its
-- times by hand: the moment they did is kept, and generation moves only activities that have none.
ALTER TABLE activities ADD COLUMN schedule_set_at timestamp with time zone;
