-- Copies of Registry's records (areas, organisations, members, pairings, reports, volunteer teams,
-- county settings), kept from Registry's events by src/RegistryReplica. No foreign keys: events of
-- different records arrive in any order.

CREATE TABLE registry_areas (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    version integer NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(100) NOT NULL,
    level character varying(16) NOT NULL,
    parent_id uuid,
    retired_at timestamp with time zone,
    CONSTRAINT pk_registry_areas PRIMARY KEY (id)
);
CREATE TABLE registry_county_settings (
    county_id uuid NOT NULL,
    version integer NOT NULL,
    effective_from timestamp with time zone NOT NULL,
    settings jsonb NOT NULL,
    CONSTRAINT pk_registry_county_settings PRIMARY KEY (county_id, version)
);
CREATE TABLE registry_members (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    version integer NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(50) NOT NULL,
    unit_id uuid,
    community_id uuid NOT NULL,
    grid_id uuid,
    skills text[] NOT NULL,
    intentions text[] NOT NULL,
    availability jsonb NOT NULL,
    demonstration_household boolean NOT NULL,
    grid_role character varying(16),
    status character varying(16) NOT NULL,
    CONSTRAINT pk_registry_members PRIMARY KEY (id)
);
CREATE TABLE registry_organisations (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    version integer NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(100) NOT NULL,
    kind character varying(24) NOT NULL,
    area_id uuid,
    retired_at timestamp with time zone,
    CONSTRAINT pk_registry_organisations PRIMARY KEY (id)
);
CREATE TABLE registry_pairings (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    version integer NOT NULL,
    unit_id uuid NOT NULL,
    community_id uuid NOT NULL,
    grid_ids uuid[] NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    commitments jsonb NOT NULL,
    CONSTRAINT pk_registry_pairings PRIMARY KEY (id)
);
CREATE TABLE registry_reports (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    version integer NOT NULL,
    kind character varying(16) NOT NULL,
    member_id uuid,
    unit_id uuid,
    community_id uuid NOT NULL,
    grid_id uuid,
    status character varying(16) NOT NULL,
    submitted_at timestamp with time zone NOT NULL,
    confirmed_at timestamp with time zone,
    withdrawn_at timestamp with time zone,
    CONSTRAINT pk_registry_reports PRIMARY KEY (id)
);
CREATE TABLE registry_volunteer_teams (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    version integer NOT NULL,
    name character varying(100) NOT NULL,
    type character varying(16) NOT NULL,
    community_id uuid NOT NULL,
    member_ids uuid[] NOT NULL,
    retired_at timestamp with time zone,
    CONSTRAINT pk_registry_volunteer_teams PRIMARY KEY (id)
);
CREATE INDEX ix_registry_areas_county_id ON registry_areas (county_id);
CREATE INDEX ix_registry_areas_parent_id ON registry_areas (parent_id);
CREATE INDEX ix_registry_county_settings_county_id ON registry_county_settings (county_id);
CREATE INDEX ix_registry_members_community_id ON registry_members (community_id);
CREATE INDEX ix_registry_members_county_id ON registry_members (county_id);
CREATE INDEX ix_registry_members_grid_id ON registry_members (grid_id);
CREATE INDEX ix_registry_members_unit_id ON registry_members (unit_id);
CREATE INDEX ix_registry_organisations_county_id ON registry_organisations (county_id);
CREATE INDEX ix_registry_pairings_community_id ON registry_pairings (community_id);
CREATE INDEX ix_registry_pairings_county_id ON registry_pairings (county_id);
CREATE INDEX ix_registry_pairings_unit_id ON registry_pairings (unit_id);
CREATE INDEX ix_registry_reports_community_id ON registry_reports (community_id);
CREATE INDEX ix_registry_reports_county_id ON registry_reports (county_id);
CREATE INDEX ix_registry_reports_member_id ON registry_reports (member_id);
CREATE INDEX ix_registry_volunteer_teams_community_id ON registry_volunteer_teams (community_id);
CREATE INDEX ix_registry_volunteer_teams_county_id ON registry_volunteer_teams (county_id);

SELECT platform_enable_tenant_isolation('registry_areas');
SELECT platform_enable_tenant_isolation('registry_county_settings');
SELECT platform_enable_tenant_isolation('registry_members');
SELECT platform_enable_tenant_isolation('registry_organisations');
SELECT platform_enable_tenant_isolation('registry_pairings');
SELECT platform_enable_tenant_isolation('registry_reports');
SELECT platform_enable_tenant_isolation('registry_volunteer_teams');
