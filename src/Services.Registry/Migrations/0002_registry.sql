-- Registry: settings, the administrative tree, organisations (alliances, officers, service stations),
-- members, volunteer teams, public-service posts, pairings and commitments, reports.

CREATE TABLE areas (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(100) NOT NULL,
    level character varying(16) NOT NULL,
    parent_id uuid,
    created_at timestamp with time zone NOT NULL,
    retired_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_areas PRIMARY KEY (id),
    CONSTRAINT fk_areas_areas_parent_id FOREIGN KEY (parent_id) REFERENCES areas (id) ON DELETE RESTRICT
);
CREATE TABLE organisations (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(100) NOT NULL,
    kind character varying(24) NOT NULL,
    area_id uuid,
    created_at timestamp with time zone NOT NULL,
    retired_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_organisations PRIMARY KEY (id),
    CONSTRAINT fk_organisations_areas_area_id FOREIGN KEY (area_id) REFERENCES areas (id) ON DELETE RESTRICT
);
CREATE TABLE public_service_posts (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    name character varying(100) NOT NULL,
    description character varying(500),
    community_id uuid NOT NULL,
    capacity integer,
    created_at timestamp with time zone NOT NULL,
    retired_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_public_service_posts PRIMARY KEY (id),
    CONSTRAINT fk_public_service_posts_areas_community_id FOREIGN KEY (community_id) REFERENCES areas (id) ON DELETE RESTRICT
);
CREATE TABLE service_stations (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    name character varying(100) NOT NULL,
    area_id uuid NOT NULL,
    address character varying(200),
    phone character varying(20),
    opening_hours character varying(100),
    created_at timestamp with time zone NOT NULL,
    retired_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_service_stations PRIMARY KEY (id),
    CONSTRAINT fk_service_stations_areas_area_id FOREIGN KEY (area_id) REFERENCES areas (id) ON DELETE RESTRICT
);
CREATE TABLE volunteer_teams (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    name character varying(100) NOT NULL,
    type character varying(16) NOT NULL,
    community_id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    retired_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_volunteer_teams PRIMARY KEY (id),
    CONSTRAINT fk_volunteer_teams_areas_community_id FOREIGN KEY (community_id) REFERENCES areas (id) ON DELETE RESTRICT
);
CREATE TABLE county_settings (
    county_id uuid NOT NULL,
    version integer NOT NULL,
    settings jsonb NOT NULL,
    effective_from timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_county_settings PRIMARY KEY (county_id, version),
    CONSTRAINT fk_county_settings_counties_county_id FOREIGN KEY (county_id) REFERENCES counties (id) ON DELETE CASCADE
);
CREATE TABLE alliance_memberships (
    alliance_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    county_id uuid NOT NULL,
    joined_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_alliance_memberships PRIMARY KEY (alliance_id, organisation_id),
    CONSTRAINT fk_alliance_memberships_organisations_alliance_id FOREIGN KEY (alliance_id) REFERENCES organisations (id) ON DELETE CASCADE,
    CONSTRAINT fk_alliance_memberships_organisations_organisation_id FOREIGN KEY (organisation_id) REFERENCES organisations (id) ON DELETE RESTRICT
);
CREATE TABLE members (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    code character varying(32) NOT NULL,
    name character varying(50) NOT NULL,
    phone character varying(20) NOT NULL,
    unit_id uuid,
    community_id uuid NOT NULL,
    grid_id uuid,
    skills text[] NOT NULL,
    intentions text[] NOT NULL,
    availability jsonb NOT NULL,
    demonstration_household boolean NOT NULL,
    grid_role character varying(16),
    status character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    left_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_members PRIMARY KEY (id),
    CONSTRAINT fk_members_areas_community_id FOREIGN KEY (community_id) REFERENCES areas (id) ON DELETE RESTRICT,
    CONSTRAINT fk_members_areas_grid_id FOREIGN KEY (grid_id) REFERENCES areas (id) ON DELETE RESTRICT,
    CONSTRAINT fk_members_organisations_unit_id FOREIGN KEY (unit_id) REFERENCES organisations (id) ON DELETE RESTRICT
);
CREATE TABLE pairings (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    unit_id uuid NOT NULL,
    community_id uuid NOT NULL,
    starts_on date NOT NULL,
    ends_on date,
    created_at timestamp with time zone NOT NULL,
    version integer NOT NULL,
    CONSTRAINT pk_pairings PRIMARY KEY (id),
    CONSTRAINT fk_pairings_areas_community_id FOREIGN KEY (community_id) REFERENCES areas (id) ON DELETE RESTRICT,
    CONSTRAINT fk_pairings_organisations_unit_id FOREIGN KEY (unit_id) REFERENCES organisations (id) ON DELETE RESTRICT
);
CREATE TABLE organisation_officers (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    organisation_id uuid NOT NULL,
    member_id uuid NOT NULL,
    role character varying(24) NOT NULL,
    since timestamp with time zone NOT NULL,
    CONSTRAINT pk_organisation_officers PRIMARY KEY (id),
    CONSTRAINT fk_organisation_officers_members_member_id FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE RESTRICT,
    CONSTRAINT fk_organisation_officers_organisations_organisation_id FOREIGN KEY (organisation_id) REFERENCES organisations (id) ON DELETE CASCADE
);
CREATE TABLE post_claims (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    post_id uuid NOT NULL,
    member_id uuid NOT NULL,
    claimed_at timestamp with time zone NOT NULL,
    released_at timestamp with time zone,
    CONSTRAINT pk_post_claims PRIMARY KEY (id),
    CONSTRAINT fk_post_claims_members_member_id FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
    CONSTRAINT fk_post_claims_public_service_posts_post_id FOREIGN KEY (post_id) REFERENCES public_service_posts (id) ON DELETE CASCADE
);
CREATE TABLE reports (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    kind character varying(16) NOT NULL,
    member_id uuid,
    unit_id uuid,
    community_id uuid NOT NULL,
    grid_id uuid,
    status character varying(16) NOT NULL,
    note character varying(500),
    submitted_at timestamp with time zone NOT NULL,
    confirmed_at timestamp with time zone,
    withdrawn_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_reports PRIMARY KEY (id),
    CONSTRAINT fk_reports_areas_community_id FOREIGN KEY (community_id) REFERENCES areas (id) ON DELETE RESTRICT,
    CONSTRAINT fk_reports_areas_grid_id FOREIGN KEY (grid_id) REFERENCES areas (id) ON DELETE RESTRICT,
    CONSTRAINT fk_reports_members_member_id FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE RESTRICT,
    CONSTRAINT fk_reports_organisations_unit_id FOREIGN KEY (unit_id) REFERENCES organisations (id) ON DELETE RESTRICT
);
CREATE TABLE team_memberships (
    team_id uuid NOT NULL,
    member_id uuid NOT NULL,
    county_id uuid NOT NULL,
    joined_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_team_memberships PRIMARY KEY (team_id, member_id),
    CONSTRAINT fk_team_memberships_members_member_id FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE,
    CONSTRAINT fk_team_memberships_volunteer_teams_team_id FOREIGN KEY (team_id) REFERENCES volunteer_teams (id) ON DELETE CASCADE
);
CREATE TABLE commitments (
    id uuid NOT NULL,
    county_id uuid NOT NULL,
    pairing_id uuid NOT NULL,
    kind character varying(32) NOT NULL,
    title character varying(100) NOT NULL,
    description character varying(1000),
    due_on date,
    status character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    completed_at timestamp with time zone,
    version integer NOT NULL,
    CONSTRAINT pk_commitments PRIMARY KEY (id),
    CONSTRAINT fk_commitments_pairings_pairing_id FOREIGN KEY (pairing_id) REFERENCES pairings (id) ON DELETE CASCADE
);
CREATE TABLE pairing_grids (
    pairing_id uuid NOT NULL,
    grid_id uuid NOT NULL,
    county_id uuid NOT NULL,
    CONSTRAINT pk_pairing_grids PRIMARY KEY (pairing_id, grid_id),
    CONSTRAINT fk_pairing_grids_areas_grid_id FOREIGN KEY (grid_id) REFERENCES areas (id) ON DELETE RESTRICT,
    CONSTRAINT fk_pairing_grids_pairings_pairing_id FOREIGN KEY (pairing_id) REFERENCES pairings (id) ON DELETE CASCADE
);
CREATE INDEX ix_alliance_memberships_county_id ON alliance_memberships (county_id);
CREATE INDEX ix_alliance_memberships_organisation_id ON alliance_memberships (organisation_id);
CREATE INDEX ix_areas_county_id ON areas (county_id);
CREATE INDEX ix_areas_parent_id ON areas (parent_id);
CREATE UNIQUE INDEX ux_areas_code ON areas (county_id, code);
CREATE INDEX ix_commitments_county_id ON commitments (county_id);
CREATE INDEX ix_commitments_pairing_id ON commitments (pairing_id);
CREATE INDEX ix_county_settings_county_id ON county_settings (county_id);
CREATE INDEX ix_members_community_id ON members (community_id);
CREATE INDEX ix_members_county_id ON members (county_id);
CREATE INDEX ix_members_grid_id ON members (grid_id);
CREATE INDEX ix_members_unit_id ON members (unit_id);
CREATE UNIQUE INDEX ux_members_code ON members (county_id, code);
CREATE INDEX ix_organisation_officers_county_id ON organisation_officers (county_id);
CREATE INDEX ix_organisation_officers_member_id ON organisation_officers (member_id);
CREATE UNIQUE INDEX ux_organisation_officers_role ON organisation_officers (organisation_id, member_id, role);
CREATE INDEX ix_organisations_area_id ON organisations (area_id);
CREATE INDEX ix_organisations_county_id ON organisations (county_id);
CREATE UNIQUE INDEX ux_organisations_code ON organisations (county_id, code);
CREATE INDEX ix_pairing_grids_county_id ON pairing_grids (county_id);
CREATE INDEX ix_pairing_grids_grid_id ON pairing_grids (grid_id);
CREATE INDEX ix_pairings_community_id ON pairings (community_id);
CREATE INDEX ix_pairings_county_id ON pairings (county_id);
CREATE UNIQUE INDEX ux_pairings_unit_community_start ON pairings (unit_id, community_id, starts_on);
CREATE INDEX ix_post_claims_county_id ON post_claims (county_id);
CREATE INDEX ix_post_claims_member_id ON post_claims (member_id);
CREATE UNIQUE INDEX ux_post_claims_open ON post_claims (post_id, member_id) WHERE released_at IS NULL;
CREATE INDEX ix_public_service_posts_county_id ON public_service_posts (county_id);
CREATE UNIQUE INDEX ux_public_service_posts_name ON public_service_posts (community_id, name);
CREATE INDEX ix_reports_community_id ON reports (community_id);
CREATE INDEX ix_reports_county_id ON reports (county_id);
CREATE INDEX ix_reports_grid_id ON reports (grid_id);
CREATE UNIQUE INDEX ux_reports_live_member ON reports (member_id) WHERE kind = 'member' AND status <> 'withdrawn';
CREATE UNIQUE INDEX ux_reports_live_unit ON reports (unit_id, community_id) WHERE kind = 'unit' AND status <> 'withdrawn';
CREATE INDEX ix_service_stations_area_id ON service_stations (area_id);
CREATE INDEX ix_service_stations_county_id ON service_stations (county_id);
CREATE INDEX ix_team_memberships_county_id ON team_memberships (county_id);
CREATE INDEX ix_team_memberships_member_id ON team_memberships (member_id);
CREATE INDEX ix_volunteer_teams_county_id ON volunteer_teams (county_id);
CREATE UNIQUE INDEX ux_volunteer_teams_name ON volunteer_teams (community_id, name);

SELECT platform_enable_tenant_isolation('areas');
SELECT platform_enable_tenant_isolation('organisations');
SELECT platform_enable_tenant_isolation('public_service_posts');
SELECT platform_enable_tenant_isolation('service_stations');
SELECT platform_enable_tenant_isolation('volunteer_teams');
SELECT platform_enable_tenant_isolation('county_settings');
SELECT platform_enable_tenant_isolation('alliance_memberships');
SELECT platform_enable_tenant_isolation('members');
SELECT platform_enable_tenant_isolation('pairings');
SELECT platform_enable_tenant_isolation('organisation_officers');
SELECT platform_enable_tenant_isolation('post_claims');
SELECT platform_enable_tenant_isolation('reports');
SELECT platform_enable_tenant_isolation('team_memberships');
SELECT platform_enable_tenant_isolation('commitments');
SELECT platform_enable_tenant_isolation('pairing_grids');
