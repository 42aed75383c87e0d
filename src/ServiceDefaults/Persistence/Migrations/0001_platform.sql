-- What every service's database holds besides its own tables: the county directory, the outbox,
-- the inbox, and the row-level security helpers that service migrations use.

CREATE TABLE counties (
    id uuid NOT NULL,
    code character varying(12) NOT NULL,
    name character varying(100) NOT NULL,
    time_zone character varying(64) NOT NULL,
    registered_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_counties PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ux_counties_code ON counties (code);

CREATE TABLE outbox_messages (
    id bigint GENERATED ALWAYS AS IDENTITY,
    message_id uuid NOT NULL,
    county_id uuid NULL,
    message_type character varying(256) NOT NULL,
    body jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamp with time zone NOT NULL,
    last_error text NULL,
    CONSTRAINT pk_outbox_messages PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ux_outbox_messages_message_id ON outbox_messages (message_id);
CREATE INDEX ix_outbox_messages_due ON outbox_messages (next_attempt_at, id);

CREATE TABLE inbox_messages (
    message_id uuid NOT NULL,
    consumer character varying(256) NOT NULL,
    received_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_inbox_messages PRIMARY KEY (message_id, consumer)
);
CREATE INDEX ix_inbox_messages_received_at ON inbox_messages (received_at);

-- The county the current transaction acts for (set by the services per transaction); NULL when unset,
-- which matches no row.
CREATE FUNCTION app_current_county() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

-- Isolates a tenant-scoped table (one with a county_id column): RLS enabled and forced, so even the
-- table's owner sees and writes only the current county's rows.
CREATE FUNCTION platform_enable_tenant_isolation(target regclass) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', target);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s USING (county_id = app_current_county()) WITH CHECK (county_id = app_current_county())',
        target);
END
$$;
