CREATE TABLE effects (
    id bigint GENERATED ALWAYS AS IDENTITY,
    county_id uuid NOT NULL,
    message_id uuid NOT NULL,
    code character varying(12) NOT NULL,
    CONSTRAINT pk_effects PRIMARY KEY (id)
);
CREATE INDEX ix_effects_county_id ON effects (county_id);
SELECT platform_enable_tenant_isolation('effects');
