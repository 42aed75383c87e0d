-- The trace of the change that wrote an outbox row, so its publish (and every consumer) joins that trace.
ALTER TABLE outbox_messages ADD COLUMN trace_parent character varying(55) NULL;
