-- The gateway's own tables: API clients and their hashed keys, county rate limits, webhook
-- subscriptions and deliveries. Operator-level rows (the gateway acts across counties), so not under
-- row-level security; each carries the county it is bound to.

CREATE TABLE api_clients (
    id uuid NOT NULL,
    name character varying(100) NOT NULL,
    county_id uuid,
    county_code character varying(12),
    scopes text[] NOT NULL,
    roles text[] NOT NULL,
    rate_per_second double precision,
    rate_burst integer,
    created_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_api_clients PRIMARY KEY (id)
);
CREATE INDEX ix_api_clients_county_id ON api_clients (county_id);

CREATE TABLE api_keys (
    id uuid NOT NULL,
    client_id uuid NOT NULL,
    prefix character varying(16) NOT NULL,
    hash character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone,
    CONSTRAINT pk_api_keys PRIMARY KEY (id),
    CONSTRAINT fk_api_keys_api_clients_client_id FOREIGN KEY (client_id) REFERENCES api_clients (id) ON DELETE CASCADE
);
CREATE INDEX ix_api_keys_client_id ON api_keys (client_id);
CREATE UNIQUE INDEX ix_api_keys_hash ON api_keys (hash);

CREATE TABLE county_rate_limits (
    county_id uuid NOT NULL,
    permits_per_second double precision NOT NULL,
    burst integer NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_county_rate_limits PRIMARY KEY (county_id)
);

CREATE TABLE webhook_subscriptions (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    county_code character varying(12) NOT NULL,
    client_id uuid NOT NULL,
    url character varying(2000) NOT NULL,
    secret character varying(100) NOT NULL,
    event_types text[] NOT NULL,
    description character varying(200),
    status character varying(16) NOT NULL,
    paused_reason character varying(500),
    paused_at timestamp with time zone,
    consecutive_failures integer NOT NULL,
    failing_since timestamp with time zone,
    last_success_at timestamp with time zone,
    last_failure_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    version integer NOT NULL,
    CONSTRAINT pk_webhook_subscriptions PRIMARY KEY (id)
);
CREATE INDEX ix_webhook_subscriptions_county_id_status ON webhook_subscriptions (county_id, status);

CREATE TABLE webhook_deliveries (
    id uuid NOT NULL,
    sequence bigint GENERATED ALWAYS AS IDENTITY,
    subscription_id uuid NOT NULL,
    county_id uuid NOT NULL,
    message_id uuid NOT NULL,
    event_type character varying(64) NOT NULL,
    ordering_key uuid,
    position bigint NOT NULL,
    payload jsonb NOT NULL,
    status character varying(16) NOT NULL,
    attempts integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    lease_until timestamp with time zone,
    last_attempt_at timestamp with time zone,
    last_status_code integer,
    last_error character varying(500),
    delivered_at timestamp with time zone,
    CONSTRAINT pk_webhook_deliveries PRIMARY KEY (id),
    CONSTRAINT fk_webhook_deliveries_webhook_subscriptions_subscription_id FOREIGN KEY (subscription_id) REFERENCES webhook_subscriptions (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_webhook_deliveries_subscription_id_message_id ON webhook_deliveries (subscription_id, message_id);
CREATE INDEX ix_webhook_deliveries_subscription_id_sequence ON webhook_deliveries (subscription_id, sequence);
-- The sender's scan of due rows, and the check for an earlier pending delivery of the same request.
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at) WHERE status = 'pending';
CREATE INDEX ix_webhook_deliveries_order ON webhook_deliveries (subscription_id, ordering_key, position) WHERE status = 'pending';
