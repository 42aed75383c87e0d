-- A settings version scheduled for later may be withdrawn before it takes effect: it stays, marked.
ALTER TABLE county_settings ADD COLUMN withdrawn_at timestamp with time zone;
