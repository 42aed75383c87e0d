-- A reopened request's fresh completion deadline counts from its reopening: the moment is kept, so
-- that its reminder (the last fifth of the window) and "at risk" are measured from there, not from placing.
ALTER TABLE requests ADD COLUMN completion_counts_from timestamp with time zone;
