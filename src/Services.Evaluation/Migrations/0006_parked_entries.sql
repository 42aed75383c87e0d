-- Service-record entries of a county whose registration or settings have not reached Evaluation yet,
-- kept until they have (written then, and removed). Read across counties by the retry, like the inbox.
CREATE TABLE parked_entries (
    id bigint GENERATED ALWAYS AS IDENTITY,
    county_id uuid NOT NULL,
    consumer character varying(256) NOT NULL,
    message_id uuid,
    entry jsonb NOT NULL,
    reason character varying(200) NOT NULL,
    parked_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_parked_entries PRIMARY KEY (id)
);
CREATE INDEX ix_parked_entries_county_id_id ON parked_entries (county_id, id);
