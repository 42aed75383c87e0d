-- Stored answers to POSTs sent with an Idempotency-Key: a retry with the same key and body gets the
-- stored answer instead of a second effect. Keyed by scope (the county, or "platform") and key.

CREATE TABLE idempotency_records (
    scope character varying(64) NOT NULL,
    key character varying(200) NOT NULL,
    request_hash character varying(64) NOT NULL,
    status_code integer NOT NULL,
    content_type character varying(200),
    location character varying(2000),
    etag character varying(100),
    body bytea NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_idempotency_records PRIMARY KEY (scope, key)
);
CREATE INDEX ix_idempotency_records_expires_at ON idempotency_records (expires_at);
